/**
 * Probe (issue 22): when does Claude Code keep a client tool it was shown? One session, its client-tools server listing
 * `recall`, then nothing (list_changed, waiting each time for Claude Code's tools/list), a turn; then `recall` for a
 * turn, then nothing again and a last turn (WARM=1: a summary context-usage request after the first listing, as bound
 * spares do). Prints the client tools of each model request.
 * Measured 2026-12-06 with Claude Code 2.1.330: [[], ["recall"], ["recall"]], with or without WARM. A tool only
 * listed is taken back by the next list; once a model request carried it, it stays in the session's requests. So a
 * spare may list the tools new chats keep bringing ahead of its first turn, and still serve a chat without them.
 * Run: npx tsx bench/probes/listed-tools-taken-back.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { InputFeed } from '../../main/claude/input-feed.ts';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../../tests/helpers/gateway.ts';
let seen: string[][] = [];
const script: Script = (req) => { seen.push((req.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('mcp__'))); return { blocks: [{ type: 'text', text: 'hi', chunks: 1 }] }; };
const api = await startScriptedAnthropic(script, { keepRequests: 0 });
const T = [{ name: 'recall', description: 'r', inputSchema: { type: 'object', properties: {} }, _meta: { 'anthropic/alwaysLoad': true } }];
let tools: typeof T = [];
let listed: () => void = () => {};
const mcp = new McpServer({ name: 'client_tools', version: '1' }, { capabilities: { tools: { listChanged: true } } });
mcp.server.setRequestHandler(ListToolsRequestSchema, () => { listed(); return { tools } as never; });
const relist = async (t: typeof T) => { tools = t; const p = new Promise<void>((r) => { listed = r; }); await mcp.server.sendToolListChanged(); await p; };
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-exp-'));
const feed = new InputFeed();
const options: Options = { cwd: home, env: { ...process.env, ...claudeTestEnv(api.url, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: resolveClaudeBinary()!,
  allowedTools: ['Bash'], systemPrompt: { type: 'preset', preset: 'claude_code' }, mcpServers: { client_tools: { type: 'sdk', name: 'client_tools', instance: mcp } } };
const q = query({ prompt: feed, options });
const it = q[Symbol.asyncIterator]();
await q.initializationResult();
await relist(T);
if (process.env.WARM) await q.getContextUsage({ detail: 'summary' });
await relist([]);
const turn = async (text: string) => { feed.push([{ role: 'user', content: text }]); for (;;) { const r = await it.next(); if (r.done || r.value.type === 'result') break; } };
await turn('one');
await relist(T);
await turn('two-with');
await relist([]);
await turn('three-without');
console.log('model requests\' client tools:', JSON.stringify(seen));
feed.end(); q.close(); await api.close(); process.exit(0);
