import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_ORIGIN, APP_START_URL } from '../../main/shell/app-protocol.ts';
import {
  closeDecision,
  ipcSenderAllowed,
  isAppUrl,
  isSafeExternalUrl,
  navigationDecision,
  originOf,
  permissionAllowed,
  secureWebPreferences,
  windowOpenDecision,
} from '../../main/shell/window-rules.ts';

test('navigation stays in the app only on its own scheme and host — never on the gateway port', () => {
  assert.equal(navigationDecision(APP_START_URL), 'allow');
  assert.equal(navigationDecision(`${APP_ORIGIN}/index.html#/transcripts/abc`), 'allow');
  // the gateway's own port is NOT the app: another program may hold it
  assert.equal(navigationDecision('http://127.0.0.1:8000/'), 'external');
  assert.equal(navigationDecision('ccg-app://evil/index.html'), 'deny');
  assert.equal(navigationDecision('ccg-app://dashboard:99/index.html'), 'deny');
  assert.equal(navigationDecision('ccg-app://user@dashboard/index.html'), 'deny');
  assert.equal(navigationDecision('https://github.com/login/oauth/authorize?client_id=1'), 'external');
});

test('only http(s) ever leave the app; every other scheme is dropped', () => {
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<b>x', 'vscode://x', 'smb://host/share', 'mailto:a@b.test', 'ccg-app://dashboard/', 'not a url', '', 'http://']) {
    assert.equal(windowOpenDecision(url), 'deny', url);
    assert.equal(isSafeExternalUrl(url), false, url);
  }
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'vscode://x', '']) assert.equal(navigationDecision(url), 'deny', url);
  assert.equal(isSafeExternalUrl('https://user:pw@example.test/'), false);
  assert.equal(windowOpenDecision('https://docs.example.test/page'), 'external');
  // window.open of the app's own page still never makes a second app window
  assert.equal(windowOpenDecision(APP_START_URL), 'deny');
});

test('IPC is answered only for the app\'s own page', () => {
  assert.ok(ipcSenderAllowed(APP_START_URL));
  assert.ok(ipcSenderAllowed(`${APP_ORIGIN}/index.html#/health`));
  // a foreign page on the configured port is exactly what must never get the admin token
  assert.ok(!ipcSenderAllowed('http://127.0.0.1:8000/'));
  assert.ok(!ipcSenderAllowed('https://example.test/'));
  assert.ok(!ipcSenderAllowed('file:///tmp/x.html'));
  assert.ok(!ipcSenderAllowed(undefined));
  assert.ok(isAppUrl(APP_ORIGIN));
});

test('web preferences isolate the renderer', () => {
  const p = secureWebPreferences('/app/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.webviewTag, false);
  assert.equal(p.preload, '/app/preload.cjs');
});

test('permissions: only clipboard writes from the app', () => {
  assert.ok(permissionAllowed('clipboard-sanitized-write', APP_START_URL));
  assert.ok(permissionAllowed('clipboard-sanitized-write', APP_ORIGIN));
  assert.ok(!permissionAllowed('media', APP_START_URL));
  assert.ok(!permissionAllowed('notifications', APP_START_URL));
  assert.ok(!permissionAllowed('clipboard-sanitized-write', 'http://127.0.0.1:8000/'));
});

test('close hides to tray; without a tray (or when the user wants close to quit) it quits, asking while requests run', () => {
  const base = { quitting: false, keepRunningInTray: true, trayAvailable: true, activeRuns: 0 };
  assert.equal(closeDecision(base), 'hide');
  assert.equal(closeDecision({ ...base, activeRuns: 3 }), 'hide');
  assert.equal(closeDecision({ ...base, quitting: true }), 'close');
  assert.equal(closeDecision({ ...base, keepRunningInTray: false }), 'quit');
  assert.equal(closeDecision({ ...base, trayAvailable: false }), 'quit');
  assert.equal(closeDecision({ ...base, trayAvailable: false, activeRuns: 1 }), 'confirm-quit');
  assert.equal(closeDecision({ ...base, trayAvailable: false, activeRuns: 1, quitting: true }), 'close');
});

test('origins', () => {
  assert.equal(originOf('http://127.0.0.1:43121/x'), 'http://127.0.0.1:43121');
  assert.equal(originOf('file:///x'), null);
});
