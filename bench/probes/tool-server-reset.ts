/**
 * Probe (issue 22): can a Claude Code session drop the client tools it was shown? A `claude` starts with the
 * client-tools server listing OpenWebUI's 34 tools and a user MCP server (`echo`, stdio, from its .claude.json), is
 * warmed, then the client-tools server is removed and added again, empty or with 2 tools (ADD=few), through
 * `setMcpServers`. NORESET=1 skips that. Prints how long each step took, the MCP servers' status and the client tools
 * of the next model request.
 * Measured 2026-12-06 with Claude Code 2.1.330: the model request carries only the new server's tools (0, or the 2),
 * `echo` stays connected, and the remove and the add took 4–15 ms and 4–24 ms. Without the reset, all 34 are carried.
 * That holds only for tools no model request carried yet (here: listed, never shown). Once a request carried a tool,
 * the reset does not take it back, in the same process or after `--resume` (bench/probes/resumed-tool-reset.ts): a
 * chat that drops a tool it was shown still needs a fresh session (client-tool-endpoint.ts).
 * Run: npx tsx bench/probes/tool-server-reset.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { InputFeed } from '../../main/claude/input-feed.ts';
import { clientToolsServer, OPENWEBUI_MCP_TOOLS } from './client-tools-server.ts';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../../tests/helpers/gateway.ts';
let lastTools: string[] = [];
const script: Script = (req) => { lastTools = (req.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('mcp__')); return { blocks: [{ type: 'text', text: 'hello there', chunks: 2 }] }; };
const api = await startScriptedAnthropic(script, { keepRequests: 0 });
const binary = resolveClaudeBinary()!;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-exp-'));
// A user MCP server of its own (stdio): it must stay connected through the reset.
const echoServer = path.join(home, 'echo-mcp.mjs');
const sdk = path.dirname(fileURLToPath(import.meta.resolve('@modelcontextprotocol/sdk/server/mcp.js')));
fs.writeFileSync(echoServer, [
  `import { McpServer } from ${JSON.stringify(path.join(sdk, 'mcp.js'))};`,
  `import { StdioServerTransport } from ${JSON.stringify(path.join(sdk, 'stdio.js'))};`,
  "const s = new McpServer({ name: 'echo', version: '1' });",
  "s.tool('ping', 'Answers pong.', async () => ({ content: [{ type: 'text', text: 'pong' }] }));",
  'await s.connect(new StdioServerTransport());',
].join('\n'));
const env0 = claudeTestEnv(api.url, home);
fs.writeFileSync(path.join(home, '.claude', '.claude.json'), JSON.stringify({ mcpServers: { echo: { type: 'stdio', command: 'node', args: [echoServer] } } }));
const feed = new InputFeed();
const options: Options = { cwd: home, env: { ...process.env, ...env0 }, includePartialMessages: true, pathToClaudeCodeExecutable: binary,
  allowedTools: ['Bash', 'Read', 'mcp__echo__ping'], systemPrompt: { type: 'preset', preset: 'claude_code' }, mcpServers: { client_tools: clientToolsServer(OPENWEBUI_MCP_TOOLS) } };
const q = query({ prompt: feed, options });
const it = q[Symbol.asyncIterator]();
await q.initializationResult();
console.log('status before', JSON.stringify((await q.mcpServerStatus()).map((x) => [x.name, x.status])));
await q.getContextUsage({ detail: 'summary' });
for (let i = 0; i < 100; i++) { const st = await q.mcpServerStatus(); if (st.find((x) => x.name === 'echo')?.status !== 'pending') break; await new Promise((r) => setTimeout(r, 100)); }
console.log('status settled', JSON.stringify((await q.mcpServerStatus()).map((x) => [x.name, x.status])));
const t0 = performance.now();
if (!process.env.NORESET) console.log('remove', JSON.stringify(await q.setMcpServers({})));
const t1 = performance.now();
if (!process.env.NORESET) console.log('add', JSON.stringify(await q.setMcpServers({ client_tools: clientToolsServer(process.env.ADD === 'few' ? OPENWEBUI_MCP_TOOLS.slice(0, 2) : []) })));
const t2 = performance.now();
console.log('status after', JSON.stringify((await q.mcpServerStatus()).map((x) => [x.name, x.status])));
console.log('remove ms', (t1 - t0).toFixed(1), 'add ms', (t2 - t1).toFixed(1));
feed.push([{ role: 'user', content: 'hello' }]);
for (;;) { const r = await it.next(); if (r.done) break; if (r.value.type === 'result') break; }
console.log('model request MCP tools:', lastTools.length, lastTools.slice(0, 5));
feed.end(); q.close(); await api.close(); process.exit(0);
