import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closeDecision,
  dashboardCsp,
  dashboardUrl,
  ipcSenderAllowed,
  isSafeExternalUrl,
  navigationDecision,
  originOf,
  permissionAllowed,
  secureWebPreferences,
  windowOpenDecision,
} from '../../main/shell/window-rules.ts';

const app = 'http://127.0.0.1:43121';

test('navigation stays in the app only on its exact origin', () => {
  assert.equal(navigationDecision('http://127.0.0.1:43121/', app), 'allow');
  assert.equal(navigationDecision('http://127.0.0.1:43121/runs/abc?x=1#y', app), 'allow');
  // same host, other port or scheme, or a look-alike host: not the app
  assert.equal(navigationDecision('http://127.0.0.1:8000/v1/models', app), 'external');
  assert.equal(navigationDecision('https://127.0.0.1:43121/', app), 'external');
  assert.equal(navigationDecision('http://localhost:43121/', app), 'external');
  assert.equal(navigationDecision('http://127.0.0.1.evil.test:43121/', app), 'external');
  assert.equal(navigationDecision('http://127.0.0.1:43121.evil.test/', app), 'deny'); // not even a valid URL
  assert.equal(navigationDecision('https://github.com/login/oauth/authorize?client_id=1', app), 'external');
});

test('only http(s)/mailto ever leave the app; other schemes are dropped', () => {
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<b>x', 'vscode://x', 'smb://host/share', 'not a url', '']) {
    assert.equal(navigationDecision(url, app), 'deny', url);
    assert.equal(windowOpenDecision(url), 'deny', url);
    assert.equal(isSafeExternalUrl(url), false, url);
  }
  assert.equal(isSafeExternalUrl('https://user:pw@example.test/'), false);
  assert.equal(isSafeExternalUrl('mailto:someone@example.test'), true);
  assert.equal(windowOpenDecision('https://docs.example.test/page'), 'external');
  // window.open of the app's own page still never makes a second app window
  assert.equal(windowOpenDecision(`${app}/other`), 'external');
});

test('IPC is answered only for the dashboard origin', () => {
  assert.ok(ipcSenderAllowed(`${app}/`, app));
  assert.ok(!ipcSenderAllowed('https://example.test/', app));
  assert.ok(!ipcSenderAllowed('file:///tmp/x.html', app));
  assert.ok(!ipcSenderAllowed(undefined, app));
});

test('CSP forbids inline/eval scripts, foreign connections, framing and plugins', () => {
  const csp = dashboardCsp();
  const directives = new Map(csp.split(';').map((d) => { const [k, ...v] = d.trim().split(/\s+/); return [k, v.join(' ')]; }));
  assert.equal(directives.get('script-src'), "'self'");
  assert.equal(directives.get('default-src'), "'self'");
  assert.equal(directives.get('connect-src'), "'self'");
  assert.equal(directives.get('object-src'), "'none'");
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.equal(directives.get('base-uri'), "'none'");
  assert.doesNotMatch(csp, /unsafe-eval|\*/);
  assert.doesNotMatch(directives.get('script-src') ?? '', /unsafe-inline/);
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
  assert.ok(permissionAllowed('clipboard-sanitized-write', `${app}/`, app));
  assert.ok(!permissionAllowed('media', `${app}/`, app));
  assert.ok(!permissionAllowed('notifications', `${app}/`, app));
  assert.ok(!permissionAllowed('clipboard-sanitized-write', 'https://example.test/', app));
});

test('close hides to tray, unless quitting, tray-less, or the user wants close to quit', () => {
  assert.equal(closeDecision({ quitting: false, keepRunningInTray: true, trayAvailable: true }), 'hide');
  assert.equal(closeDecision({ quitting: true, keepRunningInTray: true, trayAvailable: true }), 'close');
  assert.equal(closeDecision({ quitting: false, keepRunningInTray: false, trayAvailable: true }), 'quit');
  assert.equal(closeDecision({ quitting: false, keepRunningInTray: true, trayAvailable: false }), 'quit');
});

test('dashboard URL and origins', () => {
  assert.equal(dashboardUrl('http://127.0.0.1:43121'), 'http://127.0.0.1:43121/');
  assert.equal(dashboardUrl('http://127.0.0.1:43121//'), 'http://127.0.0.1:43121/');
  assert.equal(dashboardUrl('http://127.0.0.1:43121', 'a b+c'), 'http://127.0.0.1:43121/#token=a%20b%2Bc');
  assert.equal(navigationDecision(dashboardUrl('http://127.0.0.1:43121', 'tok'), app), 'allow');
  assert.equal(originOf('http://127.0.0.1:43121/x'), 'http://127.0.0.1:43121');
  assert.equal(originOf('file:///x'), null);
});
