/**
 * Probe (issue 22, follow-up): can a chat that switched a client tool off continue its session? One session is shown
 * OpenWebUI's 34 tools for a turn, in a process of its own. Then, each in a new process resuming it (`--resume`), with
 * its client-tools server listing only 2 of them:
 *   - a turn as is;
 *   - a turn after the server was removed and added again (`setMcpServers`, as bench/probes/tool-server-reset.ts does
 *     in the same process).
 * and, in one process, a turn with the 34, the server reset to 2, a second turn. Prints the number of client tools
 * each model request carried.
 * Measured 2026-12-07 with Claude Code 2.1.330: 34 every time. A tool a model request carried stays in the session's
 * requests: after `--resume`, and after the server is removed and added again, in a resumed process or the same one.
 * So a turn that drops a tool its session was shown starts a fresh session (ShownTools in client-tool-endpoint.ts);
 * resetting the server is no shortcut.
 * Run: npx tsx bench/probes/resumed-tool-reset.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { InputFeed } from '../../main/claude/input-feed.ts';
import { clientToolsServer, OPENWEBUI_MCP_TOOLS, type McpTool } from './client-tools-server.ts';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../../tests/helpers/gateway.ts';

let carried: number[] = [];
const script: Script = (req) => {
  carried.push((req.tools ?? []).filter((t) => t.name.startsWith('mcp__client_tools__')).length);
  return { blocks: [{ type: 'text', text: 'noted', chunks: 2 }] };
};
const api = await startScriptedAnthropic(script, { keepRequests: 0 });
const binary = resolveClaudeBinary();
if (!binary) throw new Error('Claude Code binary not found');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-resume-'));

async function turn(tools: McpTool[], text: string, opts: { resume?: string; reset?: boolean }): Promise<{ session: string; carried: number[] }> {
  carried = [];
  const feed = new InputFeed();
  const options: Options = {
    cwd: home, env: { ...process.env, ...claudeTestEnv(api.url, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: binary ?? undefined,
    allowedTools: ['Read'], systemPrompt: { type: 'preset', preset: 'claude_code' }, mcpServers: { client_tools: clientToolsServer(tools) },
    ...(opts.resume ? { resume: opts.resume } : {}),
  };
  const q = query({ prompt: feed, options });
  const it = q[Symbol.asyncIterator]();
  await q.initializationResult();
  if (opts.reset) {
    await q.setMcpServers({});
    await q.setMcpServers({ client_tools: clientToolsServer(tools) });
  }
  feed.push([{ role: 'user', content: text }]);
  let session = '';
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    if (r.value.type === 'result') {
      session = r.value.session_id;
      break;
    }
  }
  feed.end();
  q.close();
  return { session, carried };
}

const first = await turn(OPENWEBUI_MCP_TOOLS, 'turn 1', {});
console.log('turn 1, 34 listed:', first.carried);
const asIs = await turn(OPENWEBUI_MCP_TOOLS.slice(0, 2), 'turn 2', { resume: first.session });
console.log('resumed, 2 listed:', asIs.carried);
const reset = await turn(OPENWEBUI_MCP_TOOLS.slice(0, 2), 'turn 3', { resume: asIs.session, reset: true });
console.log('resumed, 2 listed, server reset before the turn:', reset.carried);
// The same in one process: a turn with the 34, the server reset to 2, a second turn.
{
  carried = [];
  const feed = new InputFeed();
  const q = query({ prompt: feed, options: { cwd: home, env: { ...process.env, ...claudeTestEnv(api.url, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: binary, allowedTools: ['Read'], systemPrompt: { type: 'preset', preset: 'claude_code' }, mcpServers: { client_tools: clientToolsServer(OPENWEBUI_MCP_TOOLS) } } });
  const it = q[Symbol.asyncIterator]();
  const untilResult = async (): Promise<void> => {
    for (;;) {
      const r = await it.next();
      if (r.done || r.value.type === 'result') return;
    }
  };
  await q.initializationResult();
  feed.push([{ role: 'user', content: 'one process, turn 1' }]);
  await untilResult();
  await q.setMcpServers({});
  await q.setMcpServers({ client_tools: clientToolsServer(OPENWEBUI_MCP_TOOLS.slice(0, 2)) });
  feed.push([{ role: 'user', content: 'one process, turn 2' }]);
  await untilResult();
  console.log('one process: 34, then the server reset to 2:', carried);
  feed.end();
  q.close();
}
await api.close();
fs.rmSync(home, { recursive: true, force: true });
process.exit(0);
