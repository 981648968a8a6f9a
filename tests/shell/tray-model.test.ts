import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findItem,
  openWebUiBaseUrl,
  sameModel,
  trayIcon,
  trayMenu,
  trayModel,
  trayTooltip,
  type MenuItemModel,
  type ShellState,
} from '../../main/shell/tray-model.ts';

const base: ShellState = {
  gateway: 'running',
  gatewayUrl: 'http://127.0.0.1:8000',
  oauthPort: 8888,
  activeRuns: 0,
  container: null,
  mcpServers: [],
  startAtLogin: false,
  startAtLoginSupported: true,
  keepRunningInTray: true,
  quitting: false,
};
const state = (over: Partial<ShellState>): ShellState => ({ ...base, ...over });

function item(menu: MenuItemModel[], id: string) {
  const it = findItem(menu, id);
  assert.ok(it, `menu has ${id}`);
  return it;
}

test('icon follows the gateway status, with a badge while an OAuth login waits', () => {
  for (const gateway of ['running', 'starting', 'stopped', 'error'] as const) {
    assert.equal(trayIcon(state({ gateway })), `tray-${gateway}`);
    assert.equal(trayIcon(state({ gateway, mcpServers: [{ name: 'github', status: 'needs-auth' }] })), `tray-${gateway}-badge`);
    assert.equal(trayIcon(state({ gateway, mcpServers: [{ name: 'github', status: 'login-pending' }] })), `tray-${gateway}-badge`);
  }
  assert.equal(trayIcon(state({ mcpServers: [{ name: 'github', status: 'connected' }, { name: 'x', status: 'failed' }] })), 'tray-running');
});

test('tooltip names status, ports and active requests', () => {
  assert.equal(trayTooltip(state({ activeRuns: 2 })), 'Claude Code Gateway: running\nAPI :8000 · OAuth :8888\n2 active requests');
  assert.equal(trayTooltip(state({ activeRuns: 1, oauthPort: null })), 'Claude Code Gateway: running\nAPI :8000\n1 active request');
  assert.equal(trayTooltip(state({ gateway: 'stopped', oauthPort: null })), 'Claude Code Gateway: stopped');
  const err = trayTooltip(state({ gateway: 'error', gatewayError: 'port 8000 in use\nstack…', oauthPort: null }));
  assert.equal(err, 'Claude Code Gateway: error\nport 8000 in use\nAPI :8000');
  assert.match(trayTooltip(state({ mcpServers: [{ name: 'a', status: 'needs-auth' }, { name: 'b', status: 'needs-auth' }] })), /2 MCP servers need login$/);
  assert.ok(trayTooltip(state({ gateway: 'error', gatewayError: 'x'.repeat(500) })).length <= 127);
});

test('gateway item: Stop while running, Start when stopped, Restart after an error, nothing while starting', () => {
  const running = item(trayMenu(state({ activeRuns: 3 })), 'gateway.stop');
  assert.equal(running.kind === 'item' && running.label, 'Stop gateway (3 active requests)');
  assert.deepEqual(running.kind === 'item' && running.action, { type: 'gateway.stop' });
  assert.equal(findItem(trayMenu(state({})), 'gateway.start'), undefined);

  const stopped = item(trayMenu(state({ gateway: 'stopped' })), 'gateway.start');
  assert.equal(stopped.kind === 'item' && stopped.label, 'Start gateway');
  assert.equal(findItem(trayMenu(state({ gateway: 'stopped' })), 'gateway.stop'), undefined);
  const errored = item(trayMenu(state({ gateway: 'error' })), 'gateway.start');
  assert.equal(errored.kind === 'item' && errored.label, 'Restart gateway');

  const starting = trayMenu(state({ gateway: 'starting' }));
  assert.equal(findItem(starting, 'gateway.start'), undefined);
  assert.equal(findItem(starting, 'gateway.stop'), undefined);
  const header = item(starting, 'status');
  assert.ok(header.kind === 'item' && header.label === 'Gateway starting…' && !header.enabled);
});

test('container section only with a container runtime; Up/Down/Rebuild enabled by its state', () => {
  assert.equal(findItem(trayMenu(state({})), 'container.up'), undefined);
  const en = (s: ShellState['container']) => {
    const m = trayMenu(state({ container: s }));
    return [item(m, 'container.up').enabled, item(m, 'container.down').enabled, item(m, 'container.rebuild').enabled];
  };
  assert.deepEqual(en({ status: 'running' }), [false, true, true]);
  assert.deepEqual(en({ status: 'stopped' }), [true, false, true]);
  assert.deepEqual(en({ status: 'missing' }), [true, false, true]);
  assert.deepEqual(en({ status: 'starting' }), [false, false, false]);
  assert.deepEqual(en({ status: 'building', detail: 'step 3/11' }), [false, false, false]);
  assert.deepEqual(en({ status: 'stopping' }), [false, false, false]);
  assert.deepEqual(en({ status: 'error' }), [true, true, true]);
  const header = item(trayMenu(state({ container: { status: 'error', detail: 'exit 1' } })), 'container.status');
  assert.equal(header.kind === 'item' && header.label, 'Container: error (exit 1)');
  const rebuild = item(trayMenu(state({ container: { status: 'running' } })), 'container.rebuild');
  assert.equal(rebuild.kind === 'item' && rebuild.label, 'Rebuild (update Claude Code)');
  assert.deepEqual(rebuild.kind === 'item' && rebuild.action, { type: 'container.rebuild' });
  const up = item(trayMenu(state({ container: { status: 'missing' } })), 'container.up');
  assert.equal(up.kind === 'item' && up.label, 'Start container (up, builds the image)');
});

test('a build shows its step in the container line and the tooltip', () => {
  const building = state({ container: { status: 'building', detail: 'step 6/11' } });
  const header = item(trayMenu(building), 'container.status');
  assert.equal(header.kind === 'item' && header.label, 'Container: building image (step 6/11)');
  assert.equal(trayTooltip(building), 'Claude Code Gateway: running\nAPI :8000 · OAuth :8888\n0 active requests\nContainer: building image (step 6/11)');
  assert.match(trayTooltip(state({ container: { status: 'starting' } })), /\nContainer: starting$/);
  // Settled states stay out of the tooltip (the menu has them).
  assert.doesNotMatch(trayTooltip(state({ container: { status: 'running' } })), /Container/);
});

test('MCP submenu lists exactly the servers needing a login', () => {
  const m = trayMenu(state({ mcpServers: [
    { name: 'github', status: 'needs-auth' },
    { name: 'notion', status: 'connected' },
    { name: 'gmail', status: 'login-pending' },
  ] }));
  const sub = item(m, 'mcp');
  assert.equal(sub.kind, 'submenu');
  if (sub.kind !== 'submenu') return;
  assert.equal(sub.label, 'Log in to MCP server (2)');
  assert.deepEqual(sub.items.map((i) => i.kind === 'item' && i.action), [
    { type: 'mcp.login', server: 'github' },
    { type: 'mcp.login', server: 'gmail' },
  ]);
  assert.equal(sub.items[1].kind === 'item' && sub.items[1].label, 'gmail (waiting for browser…)');
  const none = item(trayMenu(state({})), 'mcp');
  assert.ok(none.kind === 'submenu' && none.items.length === 1 && none.items[0].kind === 'item' && !none.items[0].enabled);
});

test('the fixed entries are all there, in order, and checkboxes toggle', () => {
  const ids = trayMenu(state({ container: { status: 'running' } }))
    .map((i) => (i.kind === 'separator' ? '-' : i.id));
  assert.deepEqual(ids, [
    'status', 'gateway.stop', '-', 'container.status', 'container.up', 'container.down', 'container.rebuild', '-', 'mcp', '-',
    'dashboard.open', 'openwebui.copy-url', 'logs.open', '-', 'start-at-login', 'keep-in-tray', '-', 'quit',
  ]);
  const login = item(trayMenu(state({ startAtLogin: false })), 'start-at-login');
  assert.ok(login.kind === 'checkbox' && !login.checked);
  assert.deepEqual(login.kind === 'checkbox' && login.action, { type: 'start-at-login.set', value: true });
  const loginOn = item(trayMenu(state({ startAtLogin: true })), 'start-at-login');
  assert.deepEqual(loginOn.kind === 'checkbox' && loginOn.action, { type: 'start-at-login.set', value: false });
  assert.equal(item(trayMenu(state({ startAtLoginSupported: false })), 'start-at-login').enabled, false);
  const keep = item(trayMenu(state({ keepRunningInTray: true })), 'keep-in-tray');
  assert.deepEqual(keep.kind === 'checkbox' && keep.action, { type: 'keep-in-tray.set', value: false });
});

test('while quitting, actions that start things are disabled', () => {
  const m = trayMenu(state({ quitting: true, container: { status: 'stopped' }, mcpServers: [{ name: 'g', status: 'needs-auth' }] }));
  assert.equal(item(m, 'gateway.stop').enabled, false);
  assert.equal(item(m, 'container.up').enabled, false);
  assert.equal(item(m, 'container.rebuild').enabled, false);
  assert.equal(item(m, 'mcp.login:g').enabled, false);
  const quit = item(m, 'quit');
  assert.ok(quit.kind === 'item' && quit.label === 'Quitting…' && !quit.enabled);
});

test('OpenWebUI base URL is the gateway URL + /v1, wildcard hosts made connectable', () => {
  assert.equal(openWebUiBaseUrl('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1');
  assert.equal(openWebUiBaseUrl('http://127.0.0.1:8000/'), 'http://127.0.0.1:8000/v1');
  assert.equal(openWebUiBaseUrl('http://0.0.0.0:9000'), 'http://127.0.0.1:9000/v1');
  assert.equal(openWebUiBaseUrl('http://[::]:9000'), 'http://127.0.0.1:9000/v1');
  assert.equal(openWebUiBaseUrl('https://gw.example.test'), 'https://gw.example.test/v1');
});

test('sameModel detects a change in any part of the model', () => {
  const a = trayModel(state({}));
  assert.ok(sameModel(a, trayModel(state({}))));
  assert.ok(!sameModel(null, a));
  assert.ok(!sameModel(a, trayModel(state({ activeRuns: 1 }))));
  assert.ok(!sameModel(a, trayModel(state({ gateway: 'stopped' }))));
});

test('while Claude cannot answer, the tray says so and offers the sign-in first', () => {
  const out = trayModel(state({ claudeSignedIn: false }));
  const signIn = findItem(out.menu, 'claude.signin');
  assert.ok(signIn && signIn.kind === 'item');
  assert.deepEqual(signIn.action, { type: 'claude.signin' });
  assert.equal(out.menu.findIndex((i) => i.kind !== 'separator' && i.id === 'claude.signin'), 2, 'right under the gateway line');
  assert.match(out.tooltip, /Claude: not signed in/);
  for (const known of [true, null, undefined]) {
    const m = trayModel(state({ claudeSignedIn: known }));
    assert.equal(findItem(m.menu, 'claude.signin'), undefined, String(known));
    assert.doesNotMatch(m.tooltip, /not signed in/);
  }
});
