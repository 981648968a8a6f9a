import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { APP_START_URL, appCsp, appResponseHeaders, resolveAppRequest } from '../../main/shell/app-protocol.ts';

const dir = path.join(path.sep, 'app', 'dist', 'renderer');

test('the app scheme serves the renderer\'s own files', () => {
  assert.deepEqual(resolveAppRequest(APP_START_URL, dir), { kind: 'file', file: path.join(dir, 'index.html'), mime: 'text/html; charset=utf-8' });
  assert.deepEqual(resolveAppRequest('ccg-app://dashboard/', dir), { kind: 'file', file: path.join(dir, 'index.html'), mime: 'text/html; charset=utf-8' });
  const js = resolveAppRequest('ccg-app://dashboard/assets/index-abc.js?v=1#x', dir);
  assert.deepEqual(js, { kind: 'file', file: path.join(dir, 'assets', 'index-abc.js'), mime: 'text/javascript; charset=utf-8' });
});

test('nothing outside the renderer folder, no other host, no unknown types', () => {
  for (const url of [
    'ccg-app://dashboard/assets/..%2f..%2fpackage.json',
    'ccg-app://dashboard/a%5c..%5c..%5cx.js',
    'ccg-app://dashboard/%00.js',
    'ccg-app://other/index.html',
    'http://dashboard/index.html',
    'ccg-app://dashboard/%E0%A4%A.js',
    'garbage',
  ]) {
    assert.equal(resolveAppRequest(url, dir).kind, 'forbidden', url);
  }
  assert.equal(resolveAppRequest('ccg-app://dashboard/secret.key', dir).kind, 'not-found');
  // the URL parser folds a literal `..` away: what remains is still inside the renderer folder
  const folded = resolveAppRequest('ccg-app://dashboard/../../package.json', dir);
  assert.ok(folded.kind === 'file' && folded.file === path.join(dir, 'package.json'));
});

test('CSP: own scripts only, network only to loopback (the control API), nothing framed', () => {
  const d = new Map(appCsp().split(';').map((x) => { const [k, ...v] = x.trim().split(/\s+/); return [k, v]; }));
  assert.deepEqual(d.get('script-src'), ["'self'"]);
  assert.deepEqual(d.get('connect-src'), ['http://127.0.0.1:*', 'http://localhost:*', 'http://[::1]:*']);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.doesNotMatch(appCsp(), /unsafe-eval/);
  assert.equal(appResponseHeaders('text/html')['content-security-policy'], appCsp());
});
