/**
 * The shell backend with the real OAuth callback listener: its port in the tooltip, a login waiting for the browser
 * badges the tray, and quitting stops the listener.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuthCallbackListener } from '../../main/oauth/listener.ts';
import { servicesBackend, shellState, type ShellBackend } from '../../main/shell/backend.ts';
import { planQuit, runQuit } from '../../main/shell/quit-sequence.ts';
import { trayModel } from '../../main/shell/tray-model.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { plainAnswer } from '../fixtures/scripts.ts';

const shell = { startAtLogin: false, startAtLoginSupported: false, keepRunningInTray: true, quitting: false };

describe('shell backend with the OAuth callback listener', () => {
  let gw: TestGateway;
  let oauth: OAuthCallbackListener;
  let backend: ShellBackend;

  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi') });
    oauth = new OAuthCallbackListener({ host: '127.0.0.1', port: 0 });
    await oauth.start();
    backend = servicesBackend(gw.services, { oauth });
  });
  after(async () => {
    await oauth.stop();
    await gw.close();
  });

  it('shows the listener port and badges the tray while a login waits for its callback', () => {
    const port = new URL(gw.baseUrl).port;
    assert.ok(oauth.port);
    assert.equal(trayModel(shellState(backend, shell)).tooltip, `Claude Code Gateway: running\nAPI :${port} · OAuth :${oauth.port}\n0 active requests`);
    let changes = 0;
    const off = backend.onChange(() => changes++);
    const withdraw = oauth.expect({ state: 'state-abcdefgh', serverName: 'github', relay: { target: 'nowhere (test)', deliver: async () => ({ ok: true }) } });
    const m = trayModel(shellState(backend, shell));
    assert.equal(m.icon, 'tray-running-badge');
    assert.match(m.tooltip, /1 MCP server needs login$/);
    const sub = m.menu.find((i) => i.kind === 'submenu' && i.id === 'mcp');
    assert.ok(sub && sub.kind === 'submenu' && sub.items.some((i) => i.kind === 'item' && i.label === 'github (waiting for browser…)'));
    withdraw();
    off();
    assert.ok(changes >= 2, 'the listener announces both changes');
    assert.equal(trayModel(shellState(backend, shell)).icon, 'tray-running');
  });

  it('quitting stops the listener', async () => {
    const report = await runQuit(planQuit({ activeRuns: 0, graceMs: 1000 }), backend.quitHandlers(1000));
    assert.deepEqual(report.steps.map((s) => [s.id, s.outcome]), [
      ['stop-accepting', 'done'], ['stop-claude', 'done'], ['stop-oauth', 'done'], ['stop-services', 'done'],
    ]);
    assert.equal(oauth.health().status, 'stopped');
    assert.equal(backend.oauthPort(), null);
  });
});
