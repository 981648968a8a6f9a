/**
 * Probe (not a test): does Claude Code honour an in-process (SDK) MCP server's tools/list_changed between turns of
 * one stream-json session, for a prewarmed spare and a cold query()? Records the client tools of each model request.
 * Run: node --experimental-strip-types bench/probes/client-tools-list-changed.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prewarm, query, type Options, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { InputFeed } from '../../main/claude/input-feed.ts';
import { startScriptedAnthropic } from '../../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../../tests/helpers/gateway.ts';

type Tool = { name: string; description: string; inputSchema: Record<string, unknown> };
const T = (name: string): Tool => ({ name, description: `tool ${name}`, inputSchema: { type: 'object', properties: { q: { type: 'string' } } } });

let current: Tool[] = [];
let lists = 0;
const mcp = new McpServer({ name: 'client_tools', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
mcp.server.setRequestHandler(ListToolsRequestSchema, () => {
  lists++;
  return { tools: current.map((t) => ({ ...t, _meta: { 'anthropic/alwaysLoad': true } })) };
});
mcp.server.setRequestHandler(CallToolRequestSchema, (req) => {
  const known = current.some((t) => t.name === req.params.name);
  return { content: [{ type: 'text', text: known ? `ran ${req.params.name}` : `STALE ${req.params.name}` }], isError: !known };
});
function setTools(tools: Tool[]): void {
  current = tools;
  if (mcp.isConnected()) void mcp.server.sendToolListChanged();
}

const requests: string[][] = [];
const api = await startScriptedAnthropic((req, info) => {
  if (!info.isMainLoop) return { blocks: [{ type: 'text', text: 'side' }] };
  requests.push((req.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('mcp__client_tools__')));
  const last = info.userTexts.at(-1) ?? '';
  const m = /CALL (\S+)/.exec(last);
  if (m && info.lastToolResults.length === 0) return { blocks: [{ type: 'tool_use', name: `mcp__client_tools__${m[1]}`, input: { q: 'x' } }], stopReason: 'tool_use' };
  const r = info.lastToolResults.map((b) => JSON.stringify(b.content)).join(' ');
  return { blocks: [{ type: 'text', text: `ok ${r}` }] };
});
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
const env = { ...process.env, ...claudeTestEnv(api.url, home) };
const binary = resolveClaudeBinary('');
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-cwd-'));
const base: Options = {
  env, includePartialMessages: false, allowedTools: ['mcp__client_tools'], systemPrompt: { type: 'preset', preset: 'claude_code' },
  mcpServers: { client_tools: { type: 'sdk', name: 'client_tools', instance: mcp } },
  ...(binary ? { pathToClaudeCodeExecutable: binary } : {}),
};

async function turn(it: AsyncIterator<SDKMessage>, label: string): Promise<void> {
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    const m = r.value;
    if (m.type === 'system' && m.subtype === 'init') console.log(`${label} init tools:`, m.tools.filter((t) => t.startsWith('mcp__')).join(','));
    if (m.type === 'result') { console.log(`${label} result:`, m.subtype === 'success' ? m.result : m.subtype); return; }
  }
}

async function scenario(mode: 'spare' | 'cold', waitForList: boolean): Promise<void> {
  requests.length = 0;
  lists = 0;
  const feed = new InputFeed([]);
  let q;
  setTools(mode === 'spare' ? [] : [T('alpha'), T('beta')]);
  if (mode === 'spare') {
    const spare = await prewarm({ options: base });
    q = spare.claim({ prompt: feed, options: { cwd } });
    await spare.claimed;
    const before = lists;
    setTools([T('alpha'), T('beta')]);
    if (waitForList) while (lists === before) await new Promise((r) => setTimeout(r, 5));
  } else {
    q = query({ prompt: feed, options: { ...base, cwd } });
  }
  const it = q[Symbol.asyncIterator]();
  const t0 = Date.now();
  feed.push([{ role: 'user', content: 'turn1 CALL beta' }]);
  await turn(it, `${mode} t1`);
  const before = lists;
  setTools([T('alpha'), T('gamma')]);
  const tw = Date.now();
  if (waitForList) while (lists === before) await new Promise((r) => setTimeout(r, 5));
  console.log(`${mode} list refetch after ${Date.now() - tw} ms (lists=${lists})`);
  feed.push([{ role: 'user', content: 'turn2 CALL beta' }]);
  await turn(it, `${mode} t2`);
  feed.push([{ role: 'user', content: 'turn3 no call' }]);
  await turn(it, `${mode} t3`);
  console.log(`${mode} waitForList=${waitForList} request tool lists:`, JSON.stringify(requests), `${Date.now() - t0} ms`);
  feed.end();
  q.close();
}
await scenario('spare', true);
await scenario('cold', true);
await scenario('spare', false);
await api.close();
process.exit(0);
