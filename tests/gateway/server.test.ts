import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { GatewayServer } from '../../main/gateway/server.ts';

const app = (): http.RequestListener => (_req, res) => void res.end('ok');

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('gateway server lifecycle', () => {
  it('listens, stops and serves /v1 again with the listener kept, then closes', async () => {
    let active = 0;
    let aborted = 0;
    const s = new GatewayServer({ host: '127.0.0.1', port: 0, activeRuns: () => active, abortAll: () => void (aborted++, (active = 0)) });
    const states: string[] = [];
    s.onStateChange(() => states.push(s.state));
    await s.start(app);
    assert.equal(s.state, 'running');
    assert.ok(s.listening && s.serving);
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await (await fetch(s.url)).text(), 'ok');
    active = 1;
    await s.stop(0, 'stopped from a test');
    assert.equal(aborted, 1, 'runs left after the grace period are aborted');
    assert.equal(s.state, 'stopped');
    assert.equal(s.reason, 'stopped from a test');
    assert.ok(s.listening && !s.serving, 'the listener outlives a stop');
    await s.start(() => assert.fail('the app is built once'));
    assert.equal(s.state, 'running');
    const url = s.url;
    await s.close();
    assert.ok(!s.listening);
    await assert.rejects(fetch(url));
    assert.deepEqual(states, ['starting', 'running', 'stopped', 'running', 'stopped']);
  });

  it('a port in use is an error state naming the port, not a crash', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const s = new GatewayServer({ host: '127.0.0.1', port, activeRuns: () => 0, abortAll: () => undefined });
      await s.start(app);
      assert.equal(s.state, 'error');
      assert.equal(s.listening, false);
      assert.equal(s.listenFailure?.code, 'EADDRINUSE');
      assert.equal(s.listenFailure?.port, port);
      assert.match(s.reason ?? '', new RegExp(`port ${port} is already in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('answers a request the HTTP parser rejects in the OpenAI error shape', async () => {
    const s = new GatewayServer({ host: '127.0.0.1', port: 0, activeRuns: () => 0, abortAll: () => undefined });
    await s.start(app);
    try {
      const port = Number(new URL(s.url).port);
      const out = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
      assert.match(out, /^HTTP\/1\.1 400/);
      const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { error: { type: string; code: string } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.code, 'malformed_http');
    } finally {
      await s.close();
    }
  });
});
