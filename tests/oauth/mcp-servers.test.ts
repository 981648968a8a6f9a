import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { claudeFiles, localClaudeCli, MCP_NAMES_FRESH_MS, McpServers, parseMcpList, parseStatus, type ClaudeCli } from '../../main/oauth/mcp-servers.ts';

// Lines as Claude Code 2.1.330 prints them (captured from `claude mcp list`).
const SAMPLE = `Checking MCP server health…

sse1: http://127.0.0.1:9/sse (SSE) - ✘ Failed to connect — SSE error: ECONNREFUSED: Unable to connect. Is the computer able to access the url?
fix: http://127.0.0.1:44391/mcp (HTTP) - ! Needs authentication
ok-server: http://127.0.0.1:5/mcp (HTTP) - ✔ Connected
stdio1: echo hi - ✘ Failed to connect — CONNECTION_CLOSED: Connection closed
proj: npx thing - ⏸ Pending approval
`;

test('parseMcpList reads name, target, transport and status of every line', () => {
  const rows = parseMcpList(SAMPLE);
  assert.deepEqual(rows.map((r) => [r.name, r.transport, r.status]), [
    ['sse1', 'sse', 'failed'],
    ['fix', 'http', 'needs-auth'],
    ['ok-server', 'http', 'connected'],
    ['stdio1', 'stdio', 'failed'],
    ['proj', 'stdio', 'pending'],
  ]);
  assert.equal(rows[0].target, 'http://127.0.0.1:9/sse');
  assert.match(rows[0].statusDetail ?? '', /^SSE error: ECONNREFUSED/);
  assert.equal(rows[3].target, 'echo hi');
  assert.equal(parseMcpList('No MCP servers configured. Use `claude mcp add` to add a server.\n').length, 0);
  assert.equal(parseStatus('✘ Failed to connect').status, 'failed');
  assert.equal(parseStatus('something new').status, 'unknown');
});

test('names() reads the config at most once per MCP_NAMES_FRESH_MS and never makes a request wait for a re-read; a change made in the app counts from the next request', async () => {
  let reads = 0;
  let servers: Record<string, unknown> = { a: {} };
  let gate: Promise<void> = Promise.resolve();
  const cli: ClaudeCli = {
    run: async () => ({ code: 0, stdout: '', stderr: '' }),
    readFile: async () => {
      reads++;
      const text = JSON.stringify({ mcpServers: servers });
      await gate;
      return text;
    },
  };
  let t = 1_000;
  const mcp = new McpServers({ cli, cwd: '/work', now: () => t });
  assert.deepEqual(await Promise.all([mcp.names(), mcp.names()]), [['a'], ['a']], 'the first requests share one read');
  servers = { a: {}, b: {} };
  t += MCP_NAMES_FRESH_MS - 1;
  assert.deepEqual(await mcp.names(), ['a']);
  assert.equal(reads, 1, 'within the freshness window nothing is read');
  // Stale: the request is answered from the last read at once, even while the new read cannot finish.
  let open!: () => void;
  gate = new Promise((r) => { open = r; });
  t += 1;
  assert.deepEqual(await mcp.names(), ['a']);
  assert.deepEqual(await mcp.names(), ['a']);
  assert.equal(reads, 2, 'one re-read at a time');
  open();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(await mcp.names(), ['a', 'b'], 'the next request gets what the re-read found');
  // A change made in the app: the next request reads again and waits for it; a read begun before is not kept.
  gate = new Promise((r) => { open = r; });
  t += MCP_NAMES_FRESH_MS;
  void mcp.names();
  servers = { c: {} };
  mcp.emit('changed');
  const after = mcp.names();
  open();
  assert.deepEqual(await after, ['c']);
  assert.deepEqual(await mcp.names(), ['c']);
  // A failed read is not kept: the next request reads again.
  const failing: ClaudeCli = { ...cli, readFile: async () => { reads++; throw new Error('docker exec failed'); } };
  const broken = new McpServers({ cli: failing, cwd: '/work', now: () => t });
  await assert.rejects(broken.names(), /docker exec failed/);
  const before = reads;
  await assert.rejects(broken.names(), /docker exec failed/);
  assert.equal(reads, before + 1);
});

test('claudeFiles follows CLAUDE_CONFIG_DIR, else HOME', () => {
  assert.deepEqual(claudeFiles({ HOME: '/h', CLAUDE_CONFIG_DIR: '/c' }), { config: '/c/.claude.json', credentials: '/c/.credentials.json' });
  assert.deepEqual(claudeFiles({ HOME: '/h' }), { config: '/h/.claude.json', credentials: '/h/.claude/.credentials.json' });
});

test('names() reads user + local scope servers from the config file without running claude', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-mcp-names-'));
  try {
    fs.writeFileSync(path.join(dir, '.claude.json'), JSON.stringify({ mcpServers: { a: { type: 'http', url: 'http://x' } }, projects: { '/work': { mcpServers: { b: { type: 'stdio', command: 'x' } } }, '/other': { mcpServers: { c: {} } } } }));
    const servers = new McpServers({ cli: localClaudeCli({ claudePath: '/nonexistent/claude', env: { CLAUDE_CONFIG_DIR: dir }, cwd: '/work' }), cwd: '/work' });
    assert.deepEqual((await servers.names()).sort(), ['a', 'b']);
    const noFile = new McpServers({ cli: localClaudeCli({ claudePath: '/nonexistent/claude', env: { CLAUDE_CONFIG_DIR: path.join(dir, 'nope') }, cwd: '/work' }), cwd: '/work' });
    assert.deepEqual(await noFile.names(), []);
    // A missing binary is a clear error, not a crash.
    await assert.rejects(noFile.list(), /claude mcp list failed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
