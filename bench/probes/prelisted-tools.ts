/**
 * Probe (issue 22, turn 1 with OpenWebUI's 34 tools): where a new chat's extra time with client tools comes from.
 * Three `claude` processes per round, each started, warmed (summary context usage, as bound spares are) and idle
 * 1.5 s, then given a prompt; time to the first text delta:
 *   - none: the client-tools MCP server lists no tools;
 *   - prelisted: it listed the 34 tools before the warm-up;
 *   - listed-at-prompt: it lists them when the prompt comes (list_changed, wait for Claude Code's tools/list), as a
 *     spare does today for a chat that brings tools.
 * Measured 2026-12-06 (medians of 6): none 141 ms, prelisted 131 ms, listed-at-prompt ≈ 150 ms. The gap is Claude Code
 * reading a tool list it has not seen yet, before its first model request, and it goes away when the tools were listed
 * before the warm-up. Run: npx tsx bench/probes/prelisted-tools.ts (N rounds, default 6).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { InputFeed } from '../../main/claude/input-feed.ts';
import { OPENWEBUI_TOOLS } from '../../tests/fixtures/openwebui-tools.ts';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../../tests/helpers/gateway.ts';
import { median } from '../stats.ts';
const script: Script = () => ({ blocks: [{ type: 'text', text: 'hello there', chunks: 2 }] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const api = await startScriptedAnthropic(script, { keepRequests: 0 });
const binary = resolveClaudeBinary()!;
const TOOLS = OPENWEBUI_TOOLS.flatMap((t) => (t.type === 'function' ? [{ name: t.function.name, description: t.function.description ?? '', inputSchema: t.function.parameters, _meta: { 'anthropic/alwaysLoad': true } }] : []));
async function floor(kind: string): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-exp-'));
  const feed = new InputFeed();
  let tools: typeof TOOLS = kind === 'prelisted' ? TOOLS : [];
  let listed: () => void = () => {};
  const mcp = new McpServer({ name: 'client_tools', version: '1' }, { capabilities: { tools: { listChanged: true } } });
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => { listed(); return { tools } as never; });
  const options: Options = { cwd: home, env: { ...process.env, ...claudeTestEnv(api.url, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: binary,
    allowedTools: ['Bash', 'Read', 'Write', 'Edit', 'Glob', 'Grep'], systemPrompt: { type: 'preset', preset: 'claude_code' }, mcpServers: { client_tools: { type: 'sdk', name: 'client_tools', instance: mcp } } };
  const q = query({ prompt: feed, options });
  const it = q[Symbol.asyncIterator]();
  try {
    await q.initializationResult();
    await q.getContextUsage({ detail: 'summary' });
    await sleep(1_500);
    const t0 = performance.now();
    if (kind === 'listed-at-prompt') {
      tools = TOOLS;
      const p = new Promise<void>((r) => { listed = r; });
      await mcp.server.sendToolListChanged();
      await p;
    }
    feed.push([{ role: 'user', content: 'floor: hello' }]);
    for (;;) {
      const r = await it.next();
      if (r.done) throw new Error('claude exited');
      const m = r.value;
      if (m.type === 'stream_event' && m.event.type === 'content_block_delta' && m.event.delta.type === 'text_delta') return performance.now() - t0;
    }
  } finally { feed.end(); q.close(); }
}
const res: Record<string, number[]> = { none: [], prelisted: [], 'listed-at-prompt': [] };
for (let i = 0; i < Number(process.env.N ?? 6); i++) for (const k of Object.keys(res)) res[k].push(await floor(k));
for (const [k, v] of Object.entries(res)) console.log(k, Math.round(median(v.slice(1))), v.map(Math.round).join(' '));
await api.close(); process.exit(0);
