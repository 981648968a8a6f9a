import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Request, Response } from 'express';
import { loadOrCreateAdminToken } from '../../main/control/admin-token.ts';
import { isAllowedOrigin, isLoopbackAddress, isLoopbackHostHeader, localOnly } from '../../main/control/guard.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

/** Raw request so Host can be set freely (fetch manages Host itself). */
function raw(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control API guard', () => {
  let gw: TestDashboard;
  before(async () => {
    gw = await startTestDashboard({ script: plainAnswer('hi') });
  });
  after(async () => {
    await gw.close();
  });

  test('missing or wrong admin token → 401; the right one → 200', async () => {
    const missing = await fetch(`${gw.baseUrl}/api/info`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'missing_token');
    const wrong = await fetch(`${gw.baseUrl}/api/info`, { headers: { authorization: `Bearer ${gw.token}x` } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_token');
    const other = await fetch(`${gw.baseUrl}/api/transcripts`, { headers: { authorization: 'Basic abc' } });
    assert.equal(other.status, 401);
    const stream = await fetch(`${gw.baseUrl}/api/stream`);
    assert.equal(stream.status, 401, 'the SSE stream needs the token too');
    const ok = await gw.call('/api/info');
    assert.equal(ok.status, 200);
    const info = (await ok.json()) as { gateway: { state: string; v1Url: string } };
    assert.equal(info.gateway.state, 'running');
    assert.equal(info.gateway.v1Url, `${gw.baseUrl}/v1`);
  });

  test('the token is never accepted from the query string', async () => {
    const r = await fetch(`${gw.baseUrl}/api/info?token=${gw.token}`);
    assert.equal(r.status, 401);
  });

  test('foreign Origin → 403, even with the right token', async () => {
    for (const origin of ['https://evil.example', 'http://192.168.1.5:8000', 'null', 'file://']) {
      const r = await gw.call('/api/info', { headers: { origin } });
      assert.equal(r.status, 403, origin);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'bad_origin');
    }
  });

  test('non-loopback Host (DNS rebinding) → 403, even with the right token', async () => {
    const url = `${gw.baseUrl}/api/info`;
    const port = new URL(gw.baseUrl).port;
    for (const host of [`evil.example:${port}`, `attacker.com`, `10.0.0.2:${port}`, `127.0.0.1.evil.com:${port}`]) {
      const r = await raw(url, { host, authorization: `Bearer ${gw.token}` });
      assert.equal(r.status, 403, host);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'bad_host');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const r = await raw(url, { host, authorization: `Bearer ${gw.token}` });
      assert.equal(r.status, 200, host);
    }
  });

  test('a loopback dev-server Origin gets CORS, preflight included', async () => {
    const origin = 'http://localhost:5173';
    const pre = await fetch(`${gw.baseUrl}/api/info`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const r = await gw.call('/api/info', { headers: { origin } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), origin);
  });

  test('the admin token file is 0600 and stable across restarts', () => {
    const st = fs.statSync(gw.control.tokenFile);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(gw.control.tokenFile, 'utf8').trim(), gw.token);
    assert.equal(loadOrCreateAdminToken(gw.dataDir).token, gw.token);
    assert.ok(gw.token.length >= 40);
  });

  test('/v1 answers OpenAI clients without an Origin; a foreign page needs GATEWAY_ALLOWED_ORIGINS (tests/gateway/browser-guard.test.ts)', async () => {
    assert.equal((await fetch(`${gw.v1}/models`)).status, 200);
    const r = await fetch(`${gw.v1}/models`, { headers: { origin: 'https://openwebui.example' } });
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /GATEWAY_ALLOWED_ORIGINS/);
  });
});

describe('guard predicates', () => {
  test('loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '', undefined]) assert.ok(!isLoopbackAddress(a), String(a));
  });
  test('loopback Host headers', () => {
    for (const h of ['localhost', 'localhost:8000', '127.0.0.1:1', '[::1]:8000', '[::1]', 'app.localhost:80']) assert.ok(isLoopbackHostHeader(h), h);
    for (const h of ['evil.com', '127.0.0.1.nip.io', 'localhost.evil.com:80', '[::1]x', '0.0.0.0:8000', '', undefined]) assert.ok(!isLoopbackHostHeader(h), String(h));
  });
  test('origins', () => {
    assert.ok(isAllowedOrigin('http://127.0.0.1:8000'));
    assert.ok(isAllowedOrigin('http://localhost:5173'));
    assert.ok(!isAllowedOrigin('http://evil.com'));
    assert.ok(!isAllowedOrigin('null'));
    assert.ok(isAllowedOrigin('null', ['null']));
    assert.ok(!isAllowedOrigin('ftp://127.0.0.1'));
  });
  test('a client beyond loopback is refused even with a loopback Host (gateway bound to 0.0.0.0)', () => {
    // The machine has no second interface we may target, so the middleware is given the socket a LAN client has.
    const guard = localOnly();
    let status = 0;
    let nextCalled = false;
    const res = { status(s: number) { status = s; return this; }, json() { return this; }, setHeader() {} } as unknown as Response;
    const req = { socket: { remoteAddress: '192.168.1.20' }, get: (h: string) => (h === 'host' ? '127.0.0.1:8000' : undefined), method: 'GET' } as unknown as Request;
    guard(req, res, () => { nextCalled = true; });
    assert.equal(status, 403);
    assert.equal(nextCalled, false);
    const local = { ...req, socket: { remoteAddress: '::ffff:127.0.0.1' } } as unknown as Request;
    guard(local, res, () => { nextCalled = true; });
    assert.equal(nextCalled, true);
  });
});
