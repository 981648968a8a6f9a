/**
 * The desktop app's Electron wiring, run for real against a stand-in `electron` module (tests/electron/stand-in): the
 * real services, the real control API on loopback, the real Claude Code binary against the scripted model — only
 * Electron itself is played by the test. What the installed app does at launch, with a tray and without one, with
 * its port taken, and with a bad config file.
 */
import './stand-in/register.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { BRIDGE_CHANNELS, type ControlState } from '../../main/contract/bridge.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';
import { buildRenderer } from '../renderer/chromium.ts';
import { waitForValue } from '../helpers/wait.ts';

// loaded after the hook is registered, so their `electron` is the stand-in
const electron = await import('./stand-in/electron.ts');
const { standIn, BrowserWindow, Tray, app, protocol, shell, dialog } = electron;
const { startDesktop, controlState } = await import('../../main/electron/desktop.ts');
const { openExternal } = await import('../../main/electron/open-external.ts');

const APP_PAGE = 'ccg-app://dashboard/index.html';
const FOREIGN = 'http://127.0.0.1:8000/';

const savedEnv = { ...process.env };
let api: ScriptedAnthropic;
let dataDir = '';

/** A fresh data dir and Electron for each scenario; the scripted model answers every run. */
function scenario(env: Record<string, string> = {}): void {
  standIn.reset();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-desktop-'));
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv, claudeTestEnv(api.url, path.join(dataDir, 'home')), {
    DATA_DIR: dataDir,
    GATEWAY_PORT: '0',
    OAUTH_CALLBACK_PORT: '0',
    CLAUDE_SPARE_PROCESSES: '0',
    LOG_LEVEL: 'error',
    CCG_TRAY: 'on',
    // the login-shell environment has its own tests (tests/shell/login-env.test.ts); here it would only cost time
    CCG_SKIP_LOGIN_ENV: '1',
  }, env);
  delete process.env.CONFIG_FILE;
  for (const [k, v] of Object.entries(env)) if (v === '') delete process.env[k];
}

/** Quits like the user would (before-quit → the quit sequence → app.exit) and waits for it. */
async function quit(): Promise<void> {
  if (app.exitCode !== null) return;
  // No desktop started since the stand-in was reset: no quit sequence would ever set the exit code (a 30 s wait).
  if (standIn.rec.named('app.requestSingleInstanceLock').length === 0) return;
  app.quit();
  await waitForValue(() => app.exitCode, (c) => c !== null, { what: 'the quit sequence to exit', ms: 30_000 });
}

before(async () => {
  // the window's page comes from the built renderer (dist/renderer), as in the installed app
  if (!fs.existsSync(path.join('dist', 'renderer', 'index.html'))) buildRenderer(path.resolve('dist', 'renderer'));
  api = await startScriptedAnthropic(plainAnswer('hello from the desktop test'));
});
after(async () => {
  Object.assign(process.env, savedEnv);
  await api.close();
});
afterEach(async () => {
  await quit().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('desktop app wiring (stand-in electron)', () => {
  it('starts: scheme before ready, handlers before the services, window on the app scheme, bridge only for the app page, tray, clean quit', async () => {
    scenario();
    const started = startDesktop();
    // Before `ready`: the private scheme is registered, and second-instance/activate are already listened for.
    await waitForValue(() => standIn.rec.named('app.requestSingleInstanceLock').length, (n) => n === 1, { what: 'the single-instance lock', ms: 30_000 });
    assert.equal(standIn.rec.named('protocol.registerSchemesAsPrivileged').length, 1);
    const [schemes] = standIn.rec.named('protocol.registerSchemesAsPrivileged')[0].args as [Array<{ scheme: string; privileges: Record<string, boolean> }>];
    assert.equal(schemes[0].scheme, 'ccg-app');
    assert.equal(schemes[0].privileges.standard && schemes[0].privileges.secure, true);
    for (const ev of ['app.on:second-instance', 'app.on:activate', 'app.on:before-quit']) {
      assert.ok(standIn.rec.named(ev).some((c) => !c.afterReady), `${ev} registered before ready (before the services exist)`);
    }
    standIn.ready();
    await started;

    // the window loads the app's own page, never the gateway's port
    const win = BrowserWindow.all[0];
    assert.ok(win, 'the window opened');
    assert.deepEqual(win.loaded, [APP_PAGE]);
    const prefs = win.options.webPreferences as Record<string, unknown>;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.ok(String(prefs.preload).endsWith(path.join('dist', 'preload', 'index.cjs')));

    // the scheme serves the built renderer with its CSP (dist/ is built by npm test's build step)
    const handler = protocol.handlers.get('ccg-app');
    assert.ok(handler);
    const page = await handler(new Request(APP_PAGE));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<div id="root">|<script/);
    assert.equal((await handler(new Request('ccg-app://dashboard/..%2f..%2fpackage.json'))).status, 403);

    // the bridge: the app page gets the URL the server really bound + the token; a foreign page gets nothing
    const control = (await standIn.invoke(BRIDGE_CHANNELS.control, `${APP_PAGE}#/health`)) as ControlState;
    assert.equal(control.state, 'ready');
    assert.ok(control.state === 'ready');
    assert.match(control.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(control.url).port, '0');
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    assert.equal(control.token, token);
    await assert.rejects(standIn.invoke(BRIDGE_CHANNELS.control, FOREIGN), /not allowed/);
    await assert.rejects(standIn.invoke(BRIDGE_CHANNELS.control, `${control.url}/`), /not allowed/, 'not even our own server\'s page');
    // …and the control API answers the window's origin (CORS for the private scheme), with the token
    const info = await fetch(`${control.url}/api/info`, { headers: { origin: 'ccg-app://dashboard', authorization: `Bearer ${token}` } });
    assert.equal(info.status, 200);
    assert.equal(info.headers.get('access-control-allow-origin'), 'ccg-app://dashboard');

    // every URL leaves through the one safe opener
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openExternal, APP_PAGE, 'javascript:alert(1)'), false);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openExternal, APP_PAGE, 'file:///etc/passwd'), false);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openExternal, APP_PAGE, 'https://docs.example.test/'), true);
    // folders open with shell.openPath, and only a project's (or a chat workspace's)
    const projectDir = fs.mkdtempSync(path.join(dataDir, 'proj-'));
    const added = await fetch(`${control.url}/api/projects`, { method: 'POST', headers: { origin: 'ccg-app://dashboard', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'desk', folder: projectDir }) });
    assert.equal(added.status, 201);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openFolder, APP_PAGE, '/etc'), false);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openFolder, APP_PAGE, `${projectDir}/../..`), false);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openFolder, APP_PAGE, projectDir), true);
    assert.deepEqual(standIn.rec.named('shell.openPath').map((c) => c.args[0]), [projectDir]);
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.openFolder, FOREIGN, projectDir), false, 'a foreign page opens nothing');
    // the folder picker (adding a project): the chosen folder, or null when cancelled
    dialog.nextFolder = projectDir;
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.pickFolder, APP_PAGE), projectDir);
    dialog.nextFolder = null;
    assert.equal(await standIn.invoke(BRIDGE_CHANNELS.pickFolder, APP_PAGE), null);
    await assert.rejects(standIn.invoke(BRIDGE_CHANNELS.pickFolder, FOREIGN), /not allowed/);
    assert.equal(win.webContents.windowOpenHandler?.({ url: 'vscode://evil' }).action, 'deny');
    assert.equal(win.webContents.windowOpenHandler?.({ url: 'https://example.test/x' }).action, 'deny');
    let prevented = false;
    win.webContents.emit('will-navigate', { url: FOREIGN, preventDefault: () => (prevented = true) });
    assert.ok(prevented, 'navigation to the gateway port is not the app');
    await waitForValue(() => standIn.rec.named('shell.openExternal').map((c) => c.args[0]), (u) => u.length === 3, { what: 'external opens', ms: 30_000 });
    assert.deepEqual(standIn.rec.named('shell.openExternal').map((c) => c.args[0]), ['https://docs.example.test/', 'https://example.test/x', FOREIGN]);

    // permissions: clipboard writes from the app page only
    const ses = electron.session.defaultSession;
    assert.equal(ses.permissionCheck?.(null, 'clipboard-sanitized-write', 'ccg-app://dashboard'), true);
    assert.equal(ses.permissionCheck?.(null, 'media', 'ccg-app://dashboard'), false);
    assert.equal(ses.permissionCheck?.(null, 'clipboard-sanitized-write', 'http://127.0.0.1:8000'), false);

    // the tray shows the gateway; its menu is not rebuilt while nothing visible changes (an open menu would close)
    const tray = Tray.all[0];
    assert.ok(tray, 'a tray icon');
    assert.match(String((tray.image as { path: string }).path), /build[\\/]tray[\\/]tray-running\.png$/);
    assert.match(tray.tooltip, /Claude Code Gateway: running/);
    const builds = tray.menuBuilds;
    await new Promise((r) => setTimeout(r, 2_300)); // two ticks of the 1 s refresh
    assert.equal(tray.menuBuilds, builds, 'no rebuild without a visible change');

    // the menu is the tray model's: clicking Stop gateway stops /v1 and the icon follows
    type Item = { id?: string; click?: () => void; submenu?: Item[] };
    const find = (items: Item[], id: string): Item | undefined => items.flatMap((i) => [i, ...(i.submenu ?? [])]).find((i) => i.id === id);
    find((tray.menu?.template ?? []) as Item[], 'gateway.stop')?.click?.();
    await waitForValue(() => String((tray.image as { path: string }).path), (p) => p.endsWith('tray-stopped.png'), { what: 'the stopped icon', ms: 30_000 });
    assert.equal((await fetch(`${control.url}/v1/models`)).status, 503);
    assert.ok(find((tray.menu?.template ?? []) as Item[], 'gateway.start'), 'the menu now offers Start');
    find((tray.menu?.template ?? []) as Item[], 'gateway.start')?.click?.();
    await waitForValue(() => String((tray.image as { path: string }).path), (p) => p.endsWith('tray-running.png'), { what: 'the running icon', ms: 30_000 });

    // a Claude key pasted into the app is sealed by the OS keychain (safeStorage), never written in clear
    const key = 'sk-ant-api03-desktop-test-key-0123456789';
    const put = await fetch(`${control.url}/api/claude-auth/credential`, { method: 'PUT', headers: { 'content-type': 'application/json', origin: 'ccg-app://dashboard', authorization: `Bearer ${token}` }, body: JSON.stringify({ kind: 'api_key', value: key }) });
    assert.equal(put.status, 200, await put.clone().text());
    assert.ok(!(await put.text()).includes(key), 'never answered back');
    const stored = fs.readFileSync(path.join(dataDir, 'claude-credential.json'), 'utf8');
    assert.ok(!stored.includes(key), 'not in clear on disk');
    assert.match(stored, /electron-safe-storage/);

    // closing the window hides it to the tray; a second launch shows it again
    assert.equal(win.userClose(), false);
    assert.equal(win.visible, false);
    app.emit('second-instance');
    assert.equal(win.visible, true);

    await quit();
    assert.equal(app.exitCode, 0);
    assert.ok(tray.destroyed);
    assert.equal((await fetch(`${control.url}/health`).catch(() => null)), null, 'the server is closed');
  });

  it('port taken: the bridge says by whom and hands over no token; a new port is saved for the restart', async () => {
    const squatter = http.createServer((_q, s) => s.end('<h1>someone else</h1>'));
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      scenario({ GATEWAY_PORT: '' });
      fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ GATEWAY_PORT: port }));
      const started = startDesktop();
      standIn.ready();
      await started;
      const state = (await standIn.invoke(BRIDGE_CHANNELS.control, APP_PAGE)) as ControlState;
      assert.equal(state.state, 'unavailable');
      assert.ok(state.state === 'unavailable');
      assert.equal(state.port, port);
      assert.match(state.reason, new RegExp(`Port ${port} is in use by`));
      assert.ok(!JSON.stringify(state).includes(fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()), 'no token while the port is someone else\'s');
      // the window still shows the app's own page (which renders this state), not the squatter's
      assert.deepEqual(BrowserWindow.all[0]?.loaded, [APP_PAGE]);

      assert.deepEqual(await standIn.invoke(BRIDGE_CHANNELS.setGatewayPort, APP_PAGE, 70000), { ok: false, message: 'A port is a whole number from 1 to 65535.' });
      const saved = (await standIn.invoke(BRIDGE_CHANNELS.setGatewayPort, APP_PAGE, port + 1)) as { ok: boolean; file: string };
      assert.equal(saved.ok, true);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')).GATEWAY_PORT, port + 1);
      await standIn.invoke(BRIDGE_CHANNELS.relaunch, APP_PAGE);
      assert.equal(standIn.rec.named('app.relaunch').length, 1);
      await waitForValue(() => app.exitCode, (c) => c === 0, { what: 'the relaunch to quit this instance', ms: 30_000 });
    } finally {
      squatter.close();
    }
  });

  it('no tray host: the window opens even when started hidden, close quits (asking while requests run), the notice is said once', async () => {
    scenario({ CCG_TRAY: 'off' });
    const argv = process.argv;
    process.argv = [...argv, '--hidden'];
    try {
      const started = startDesktop();
      standIn.ready();
      await started;
    } finally {
      process.argv = argv;
    }
    assert.equal(Tray.all.length, 0);
    const win = BrowserWindow.all[0];
    assert.ok(win, 'the window opened although --hidden: without a tray it is the only way in');
    assert.equal(standIn.rec.named('Notification.show').length, 1);
    assert.match(String(standIn.rec.named('Notification.show')[0].args[0]), /No system tray/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'shell.json'), 'utf8')).noTrayNoticeShown, true);
    // closing quits (no runs active: no question)
    assert.equal(win.userClose(), false);
    await waitForValue(() => app.exitCode, (c) => c === 0, { what: 'close to quit', ms: 30_000 });
    assert.equal(standIn.rec.named('dialog.showMessageBox').length, 0);

    // a second start with the same data dir: no second notice
    const keep = dataDir;
    standIn.reset();
    dataDir = keep;
    const again = startDesktop();
    standIn.ready();
    await again;
    assert.equal(standIn.rec.named('Notification.show').length, 0);
  });

  it('launched from a desktop launcher: the login shell\'s environment reaches Claude, and Health says the key came from it', async () => {
    scenario({ CCG_SKIP_LOGIN_ENV: '', TERM: '', ANTHROPIC_API_KEY: '' });
    // a login shell whose profile exports the key (as ~/.zshrc would); the launcher's environment lacks it
    const shellPath = path.join(dataDir, 'fake-login-shell');
    fs.writeFileSync(shellPath, '#!/bin/sh\n# -i -l -c CMD\nexport ANTHROPIC_API_KEY=sk-from-profile\nexport CCG_FROM_PROFILE=yes\neval "$4"\n', { mode: 0o755 });
    process.env.SHELL = shellPath;
    const started = startDesktop();
    standIn.ready();
    await started;
    assert.equal(process.env.CCG_FROM_PROFILE, 'yes');
    assert.equal(process.env.ANTHROPIC_API_KEY, 'sk-from-profile');
    const state = (await standIn.invoke(BRIDGE_CHANNELS.control, APP_PAGE)) as ControlState;
    assert.ok(state.state === 'ready');
    const health = (await (await fetch(`${state.url}/health`, { headers: { authorization: `Bearer ${state.token}` } })).json()) as { claudeCode: { authenticated: string | null } };
    assert.match(health.claudeCode.authenticated ?? '', /ANTHROPIC_API_KEY.*login shell/);
    assert.ok(!JSON.stringify(health).includes('sk-from-profile'), 'never the value');
    // and a request really runs Claude with it
    const res = await fetch(`${state.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 200);
    assert.match(JSON.stringify(await res.json()), /hello from the desktop test/);
  });

  it('a bad config file: the error is shown after ready, naming the key, the file and the fix, and the app exits 78', async () => {
    scenario({ GATEWAY_PORT: '' });
    const file = path.join(dataDir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ GATEWAY_PORT: 'eighty' }));
    const started = startDesktop();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(standIn.rec.named('dialog.showErrorBox').length, 0, 'nothing shown before ready (Linux has no dialog then)');
    standIn.ready();
    await started;
    const [box] = standIn.rec.named('dialog.showErrorBox');
    assert.ok(box?.afterReady, 'shown after ready');
    const [title, detail] = box.args as [string, string];
    assert.match(title, /invalid configuration/);
    assert.match(detail, /GATEWAY_PORT/);
    assert.ok(detail.includes(file), 'names the file');
    assert.match(detail, /Fix: /);
    assert.equal(app.exitCode, 78);
    assert.equal(BrowserWindow.all.length, 0);
  });

  it('a second instance hands over to the first and exits without building anything', async () => {
    scenario();
    app.singleInstance = false;
    await startDesktop();
    assert.equal(app.exitCode, 0);
    assert.equal(standIn.rec.named('BrowserWindow.new').length, 0);
    assert.ok(!fs.existsSync(path.join(dataDir, 'admin-token')));
  });
});

describe('what the bridge tells the page', () => {
  const built = (s: Record<string, unknown>) => ({ services: { listening: false, url: 'http://127.0.0.1:8000', listenFailure: null, gatewayState: 'starting', gatewayStateReason: null, ...s }, control: { token: 'tok' } }) as unknown as Parameters<typeof controlState>[0];
  it('starting until our own server listens: no URL, no token', () => {
    assert.deepEqual(controlState(built({})), { state: 'starting' });
  });
  it('ready with the bound URL and the token once it listens', () => {
    assert.deepEqual(controlState(built({ listening: true, url: 'http://127.0.0.1:43121', gatewayState: 'running' })), { state: 'ready', url: 'http://127.0.0.1:43121', token: 'tok' });
  });
  it('unavailable, naming the holder, when the port is taken; any other failure says why', () => {
    assert.deepEqual(controlState(built({ listenFailure: { port: 8000, code: 'EADDRINUSE', holder: 'pid 7 (python3)' }, gatewayState: 'error' })), { state: 'unavailable', reason: 'Port 8000 is in use by pid 7 (python3).', port: 8000, holder: 'pid 7 (python3)' });
    assert.deepEqual(controlState(built({ gatewayState: 'error', gatewayStateReason: 'EACCES' })), { state: 'unavailable', reason: 'EACCES', port: null, holder: null });
  });
});

describe('the one external-URL opener', () => {
  it('opens http(s) and refuses every other scheme, credentials in URLs, and garbage', async () => {
    standIn.reset();
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://x/y', 'vscode://ext', 'mailto:a@b.test', 'https://u:p@example.test/', 'not a url']) {
      assert.equal(await openExternal(bad), false, bad);
    }
    assert.equal(await openExternal('https://login.example.test/authorize?x=1'), true);
    assert.deepEqual(standIn.rec.named('shell.openExternal').map((c) => c.args[0]), ['https://login.example.test/authorize?x=1']);
  });

  it('is the only caller of shell.openExternal in the app', () => {
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|cts|tsx)$/.test(e.name) && /\bshell\.openExternal\(/.test(fs.readFileSync(p, 'utf8'))) hits.push(p);
      }
    };
    for (const d of ['main', 'preload', 'renderer/src']) walk(d);
    assert.deepEqual(hits, [path.join('main', 'electron', 'open-external.ts')]);
  });
});
