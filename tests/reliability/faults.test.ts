import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, claudeTestEnv, type TestGateway, adminInit } from '../helpers/gateway.ts';
import { bashThenAnswer, plainAnswer } from '../fixtures/scripts.ts';
import { startScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { TranscriptBus } from '../../main/transcripts/bus.ts';
import { TranscriptStore } from '../../main/transcripts/store.ts';
import { isAlive } from '../../main/claude/process-tree.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Alive and not a zombie waiting for a parent that does not reap (whatever PID 1 does in this sandbox). */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const chat = (gw: TestGateway, stream: boolean) =>
  fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', stream, messages: [{ role: 'user', content: 'go' }] }) });

function frames(raw: string): string[] {
  return raw.split('\n\n').filter((f) => f.startsWith('data: '));
}

describe('faults: Claude and the model API', () => {
  let gw: TestGateway;
  let slow: TestGateway;
  before(async () => {
    // Claude Code retries overloaded/5xx answers by itself; one retry keeps these tests short.
    gw = await startTestGateway({ script: plainAnswer('x'), claudeEnv: { CLAUDE_CODE_MAX_RETRIES: '1' } });
    slow = await startTestGateway({ script: () => ({ blocks: [], stallAfterStart: true }), config: { REQUEST_TIMEOUT_S: 5 } });
  });
  after(async () => { await gw.close(); await slow.close(); });

  it('Claude process killed mid-stream → error chunk then [DONE]; transcript says error', async () => {
    gw.api.setScript(bashThenAnswer('timeout 33.3 tail -f /dev/null'));
    const res = await chat(gw, true);
    const id = res.headers.get('x-request-id')!;
    const text = res.text();
    await waitUntil(() => gw.services.runtime.livePids().length > 0 && (gw.services.store.summary(id)?.toolCalls ?? 0) > 0, { what: 'Claude running its tool' });
    for (const pid of gw.services.runtime.livePids()) process.kill(pid, 'SIGKILL');
    const f = frames(await text);
    assert.equal(f.at(-1), 'data: [DONE]');
    const err = JSON.parse(f.at(-2)!.slice(6)) as { error?: { message: string; type: string } };
    assert.ok(err.error, `error chunk expected, got ${f.at(-2)}`);
    assert.equal(err.error.type, 'server_error');
    await waitUntil(() => gw.services.store.summary(id)?.status === 'error', { what: 'the transcript to say error' });
  });

  it('model API overloaded (529) → OpenAI-shaped 5xx, recorded', async () => {
    gw.api.setScript(() => ({ httpError: 529, errorType: 'overloaded_error', message: 'Overloaded' }));
    const res = await chat(gw, false);
    assert.ok(res.status >= 500, String(res.status));
    const body = (await res.json()) as { error: { message: string; type: string } };
    assert.equal(body.error.type, 'server_error');
    assert.match(body.error.message, /overload|529/i);
    assert.equal(gw.services.store.list().items[0].status, 'error');
  });

  it('a stalled model connection (no bytes) is cut by REQUEST_TIMEOUT_S → 504, no process left', async () => {
    const res = await chat(slow, false);
    assert.equal(res.status, 504);
    await waitUntil(() => slow.services.runtime.livePids().length === 0, { what: 'no Claude process left' });
    assert.equal(slow.services.store.list().items[0].status, 'error');
  });

  it('an unwritable DATA_DIR: the request still answers; health reports the failure', async () => {
    gw.api.setScript(plainAnswer('answered anyway'));
    const dir = gw.services.store.dir;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(dir, 'not a directory');
    try {
      const res = await chat(gw, false);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'answered anyway');
      const health = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { status: string; components: Array<{ name: string; status: string; reason: string | null }> };
      const t = health.components.find((c) => c.name === 'transcripts')!;
      assert.equal(t.status, 'error');
      assert.ok(t.reason);
      assert.equal(health.status, 'degraded');
    } finally {
      fs.rmSync(dir, { force: true });
      fs.mkdirSync(dir);
    }
  });
});

describe('faults: the gateway itself', () => {
  it('port already taken at start → clear reason in health state, nothing half-started', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const gw = await startTestGateway({ script: plainAnswer('x'), config: { GATEWAY_PORT: port } });
    try {
      assert.equal(gw.services.gatewayState, 'error');
      assert.match(gw.services.health().components.find((c) => c.name === 'gateway')!.reason ?? '', new RegExp(`port ${port} is already in use`));
    } finally {
      await gw.close();
      blocker.close();
    }
  });

  it('kill -9 of the gateway mid-stream → on restart the transcript is readable up to its last event and marked interrupted', async () => {
    const api = await startScriptedAnthropic(bashThenAnswer('timeout 20 tail -f /dev/null'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-kill9-'));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const env = { ...process.env, ...claudeTestEnv(api.url, path.join(dataDir, 'home')), DATA_DIR: dataDir, GATEWAY_PORT: String(port), OAUTH_CALLBACK_PORT: '0', CLAUDE_ALLOWED_TOOLS: 'Bash', CLAUDE_SPARE_PROCESSES: '0', LOG_LEVEL: 'warn' };
    let child: ChildProcess | null = spawn(process.execPath, ['--import', 'tsx', 'main/headless.ts'], { env, stdio: 'ignore' });
    let restarted: TestGateway | null = null;
    try {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok).catch(() => false)), { ms: 30_000, everyMs: 100, what: 'the gateway up' });
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'go' }] }) });
      const id = res.headers.get('x-request-id')!;
      const file = path.join(dataDir, 'transcripts', `${id}.jsonl`);
      await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('"tool_use"'), { ms: 30_000, what: 'the tool_use in the transcript file' });
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      child = null;
      await res.text().catch(() => '');
      // Its Claude (own process group) outlives it, still in the middle of the tool.
      const orphans = fs.readdirSync(path.join(dataDir, 'run', 'claude')).map(Number);
      assert.equal(orphans.length, 1);
      assert.ok(running(orphans[0]), 'the killed gateway left its Claude running');
      const before = fs.readFileSync(file, 'utf8').trim().split('\n').length;

      // The next start closes the transcript as interrupted and stops the orphan before serving.
      restarted = await startTestGateway({ script: plainAnswer('back'), dataDir, api });
      await waitUntil(() => !running(orphans[0]), { what: 'the orphaned Claude to be stopped on restart' });
      assert.deepEqual(fs.readdirSync(path.join(dataDir, 'run', 'claude')), []);
      const store = restarted.services.store;
      const events = store.events(id)!;
      assert.equal(events.length, before + 1, 'every event kept, one end event added');
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
      const end = events.at(-1)!;
      assert.ok(end.type === 'end' && end.status === 'interrupted');
      assert.equal(store.summary(id)!.status, 'interrupted');
      // and a reader that loads the directory afresh sees the same
      const fresh = new TranscriptStore(dataDir, new TranscriptBus());
      fresh.init();
      assert.deepEqual(fresh.events(id), events);
    } finally {
      child?.kill('SIGKILL');
      await restarted?.close();
      await api.close();
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
    }
  });
});
