/**
 * The shell's view of the real services: the tray model follows the real gateway through stop/start, and the quit
 * plan run with the real handlers lets a real Claude Code request finish while no new request gets in, then closes
 * the server. (With the OAuth callback listener: backend-oauth.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ComposeStatus } from '../../main/compose/types.ts';
import { containerFromCompose, mergeMcpServers, servicesBackend, shellState, type ShellBackend } from '../../main/shell/backend.ts';
import { planQuit, runQuit } from '../../main/shell/quit-sequence.ts';
import { trayModel } from '../../main/shell/tray-model.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { waitUntil } from '../helpers/wait.ts';

const shell = { startAtLogin: false, startAtLoginSupported: false, keepRunningInTray: true, quitting: false };

const until = (cond: () => boolean, ms = 20_000): Promise<void> => waitUntil(cond, { ms, what: 'the condition' });

const chat = (url: string, content: string) => fetch(`${url}/v1/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content }] }),
});

describe('shell backend over the real services', () => {
  let gw: TestGateway;
  let backend: ShellBackend;

  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi') });
    backend = servicesBackend(gw.services, { control: { token: 'tok-123' } });
  });
  after(async () => gw.close());

  it('tray model follows the gateway through stop and start; the dashboard listener stays up', async () => {
    const changes: string[] = [];
    const off = backend.onChange(() => changes.push(backend.gatewayStatus()));
    const running = trayModel(shellState(backend, shell));
    assert.equal(running.icon, 'tray-running');
    const port = new URL(gw.baseUrl).port;
    assert.equal(running.tooltip, `Claude Code Gateway: running\nAPI :${port}\n0 active requests`);
    assert.equal(backend.controlUrl(), gw.baseUrl);
    assert.equal(backend.adminToken(), 'tok-123');

    await backend.stopGateway();
    const stopped = trayModel(shellState(backend, shell));
    assert.equal(stopped.icon, 'tray-stopped');
    assert.ok(stopped.menu.some((i) => i.kind === 'item' && i.id === 'gateway.start'));
    assert.equal((await chat(gw.baseUrl, 'while stopped')).status, 503, '/v1 refuses while stopped');
    assert.equal((await fetch(`${gw.baseUrl}/health`)).status, 200, 'the listener (dashboard, control API) stays up');

    await backend.startGateway();
    assert.equal(trayModel(shellState(backend, shell)).icon, 'tray-running');
    assert.equal((await fetch(`${backend.gatewayUrl()}/v1/models`)).status, 200);
    off();
    assert.deepEqual(changes, ['stopped', 'running']);
    assert.equal(backend.logsDir(), `${gw.dataDir}/logs`);
  });

  it('quit: stops accepting at once, lets the running request finish, then everything stops', async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'text', text: 'slow answer' }], delayMs: 1500 }));
    const url = backend.gatewayUrl();
    const inflight = chat(url, 'take your time');
    await until(() => backend.activeRuns() === 1);
    assert.match(trayModel(shellState(backend, shell)).tooltip, /1 active request$/);

    const plan = planQuit({ activeRuns: backend.activeRuns(), graceMs: 30_000 });
    const seen: string[] = [];
    let statusDuringDrain: Promise<number> | null = null;
    const report = await runQuit(plan, backend.quitHandlers(30_000), {
      onStep: (r) => {
        seen.push(r.id);
        if (r.id === 'stop-accepting') statusDuringDrain = chat(url, 'too late').then((res) => res.status);
      },
    });
    const res = await inflight;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0].message.content, 'slow answer');
    assert.equal(await statusDuringDrain, 503, 'no new request is taken once quitting started');
    assert.deepEqual(seen, ['stop-accepting', 'drain', 'stop-claude', 'stop-oauth', 'stop-services']);
    assert.equal(report.clean, true, JSON.stringify(report));
    // no OAuth listener in these parts: its step has nothing to stop
    assert.deepEqual(report.steps.map((s) => s.outcome), ['done', 'done', 'done', 'no-handler', 'done']);
    assert.equal(backend.gatewayStatus(), 'stopped');
    await assert.rejects(fetch(`${url}/health`), 'the listener is closed');
    assert.deepEqual(gw.services.runtime.livePids(), []);
  });
});

test('container line from compose status', () => {
  const st = (overall: ComposeStatus['overall'], problem: ComposeStatus['problem'] = null): ComposeStatus =>
    ({ overall, project: 'p', services: [], problem, compose: null, checkedAt: '' });
  assert.deepEqual(containerFromCompose(null, null), { status: 'unknown' });
  assert.deepEqual(containerFromCompose(st('running'), null), { status: 'running' });
  assert.deepEqual(containerFromCompose(st('running'), { action: 'down', stage: 'stopping', step: null }), { status: 'stopping' });
  assert.deepEqual(containerFromCompose(st('stopped'), { action: 'up', stage: null, step: null }), { status: 'starting' });
  assert.deepEqual(containerFromCompose(st('stopped'), { action: 'rebuild', stage: 'starting', step: null }), { status: 'starting' });
  // A build (Up of a missing image, or Rebuild) shows its step, not the stale status under it.
  const step = { index: 3, total: 11, instruction: 'RUN npm install' };
  assert.deepEqual(containerFromCompose(st('error', { code: 'image-missing', reason: 'x', fix: '' }), { action: 'up', stage: 'building', step }), { status: 'building', detail: 'step 3/11' });
  assert.deepEqual(containerFromCompose(st('running'), { action: 'rebuild', stage: 'building', step: null }), { status: 'building' });
  assert.deepEqual(containerFromCompose(st('unhealthy', { code: 'unhealthy', reason: 'healthcheck failing', fix: '' }), null), { status: 'error', detail: 'healthcheck failing' });
  assert.deepEqual(containerFromCompose(st('error', { code: 'image-missing', reason: 'image not built', fix: '' }), null), { status: 'missing', detail: 'image not built' });
  assert.deepEqual(containerFromCompose(st('error', { code: 'daemon-not-running', reason: 'docker is not running', fix: '' }), null), { status: 'error', detail: 'docker is not running' });
});

test('pending OAuth logins mark servers as waiting for the browser', () => {
  const health = { boundPort: 8888, pendingLogins: [{ serverName: 'gmail' }, { serverName: 'notion' }] };
  assert.deepEqual(mergeMcpServers([{ name: 'gmail', status: 'needs-auth' }, { name: 'github', status: 'connected' }], health), [
    { name: 'gmail', status: 'login-pending' },
    { name: 'github', status: 'connected' },
    { name: 'notion', status: 'login-pending' },
  ]);
  assert.deepEqual(mergeMcpServers([{ name: 'x', status: 'needs-auth' }], null), [{ name: 'x', status: 'needs-auth' }]);
});
