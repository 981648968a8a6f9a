import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ListenerHealth } from '../../main/contract/mcp-api.ts';
import { OAuthCallbackListener, type CallbackEvent } from '../../main/oauth/listener.ts';
import { parseLsof, parseSs } from '../../main/oauth/port-owner.ts';
import type { CallbackRelay, RelayResult } from '../../main/oauth/relay.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Records what reaches it; answers like the relay it stands for. */
class RecordingRelay implements CallbackRelay {
  readonly urls: string[] = [];
  constructor(readonly target: string, private readonly result: RelayResult = { ok: true, detail: 'tokens stored' }) {}
  async deliver(url: string): Promise<RelayResult> {
    this.urls.push(url);
    return this.result;
  }
}

const ADMIN = 'admin-secret-token';

async function started(opts: Partial<ConstructorParameters<typeof OAuthCallbackListener>[0]> = {}): Promise<{ l: OAuthCallbackListener; base: string; events: CallbackEvent[] }> {
  const l = new OAuthCallbackListener({ host: '127.0.0.1', port: 0, checkAdminToken: (t) => t === ADMIN, ...opts });
  const h = await l.start();
  assert.equal(h.status, 'listening');
  const events: CallbackEvent[] = [];
  l.on('callback', (e) => events.push(e));
  return { l, base: `http://127.0.0.1:${l.port}`, events };
}

async function health(base: string): Promise<ListenerHealth> {
  const r = await fetch(`${base}/health`);
  assert.equal(r.status, 200);
  return (await r.json()) as ListenerHealth;
}

describe('OAuth callback listener', () => {
  test('matches state to the pending login, relays the full redirect URL once, then refuses the replay', async () => {
    const { l, base, events } = await started();
    try {
      const relay = new RecordingRelay('claude control channel');
      l.expect({ state: 'state-abc-123', serverName: 'github', relay });
      assert.equal((await health(base)).pendingLogins.length, 1);

      const first = await fetch(`${base}/callback?code=the-code&state=state-abc-123&iss=x`);
      const html = await first.text();
      assert.equal(first.status, 200);
      assert.match(html, /Signed in to github/);
      assert.doesNotMatch(html, /<script|https?:\/\/(?!localhost)/i, 'self-contained page: no scripts, no external assets');
      assert.deepEqual(relay.urls, [`${base}/callback?code=the-code&state=state-abc-123&iss=x`]);

      const replay = await fetch(`${base}/callback?code=the-code&state=state-abc-123`);
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already used/);
      assert.equal(relay.urls.length, 1, 'nothing is relayed twice');

      const h = await health(base);
      assert.equal(h.completed, 1);
      assert.equal(h.failed, 1);
      assert.equal(h.pendingLogins.length, 0);
      assert.deepEqual(events.map((e) => e.outcome.kind), ['relayed', 'replayed']);
    } finally {
      await l.stop();
    }
  });

  test('/oauth/callback is an alias; concurrent duplicates are relayed once', async () => {
    const { l, base } = await started();
    try {
      const relay = new RecordingRelay('r');
      l.expect({ state: 'dup-state-1', serverName: 'notion', relay });
      const [a, b] = await Promise.all([fetch(`${base}/oauth/callback?code=c&state=dup-state-1`), fetch(`${base}/oauth/callback?code=c&state=dup-state-1`)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 400]);
      assert.equal(relay.urls.length, 1);
    } finally {
      await l.stop();
    }
  });

  test('unknown state → error page, nothing relayed; missing state too', async () => {
    const { l, base, events } = await started();
    try {
      const relay = new RecordingRelay('r');
      l.expect({ state: 'known-state-1', serverName: 'x', relay });
      const r = await fetch(`${base}/callback?code=c&state=forged-state`);
      assert.equal(r.status, 400);
      const html = await r.text();
      assert.match(html, /Unknown sign-in/);
      assert.match(html, /Nothing was forwarded/);
      const m = await fetch(`${base}/callback?code=c`);
      assert.equal(m.status, 400);
      assert.match(await m.text(), /no state parameter/);
      assert.equal(relay.urls.length, 0);
      assert.deepEqual(events.map((e) => e.outcome.kind), ['unknown_state', 'missing_state']);
      assert.equal((await health(base)).failed, 2);
    } finally {
      await l.stop();
    }
  });

  test('expired state (TTL) → expired page naming the server, nothing relayed', async () => {
    const { l, base } = await started({ stateTtlMs: 150 });
    try {
      const relay = new RecordingRelay('r');
      l.expect({ state: 'slow-state-1', serverName: 'gmail', relay });
      await waitUntil(() => l.health().pendingLogins.length === 0, { what: 'the state to expire' });
      const res = await fetch(`${base}/callback?code=c&state=slow-state-1`);
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /Sign-in expired/);
      assert.match(html, /gmail/);
      assert.equal(relay.urls.length, 0);
      assert.equal((await health(base)).pendingLogins.length, 0);
    } finally {
      await l.stop();
    }
  });

  test('withdrawn login (cancelled) → its callback is refused', async () => {
    const { l, base } = await started();
    try {
      const relay = new RecordingRelay('r');
      const withdraw = l.expect({ state: 'cancel-state-1', serverName: 's', relay });
      withdraw();
      const res = await fetch(`${base}/callback?code=c&state=cancel-state-1`);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /no longer waiting/);
      assert.equal(relay.urls.length, 0);
    } finally {
      await l.stop();
    }
  });

  test("provider error= → error page with the provider's reason; the waiting flow is told once", async () => {
    const { l, base, events } = await started();
    try {
      const relay = new RecordingRelay('r', { ok: false, reason: 'OAuth error: access_denied - The user denied access' });
      l.expect({ state: 'deny-state-1', serverName: 'linear', relay });
      const res = await fetch(`${base}/callback?error=access_denied&error_description=The+user+denied+access&state=deny-state-1`);
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /refused by the provider/);
      assert.match(html, /access_denied/);
      assert.match(html, /The user denied access/);
      assert.match(html, /linear/);
      assert.equal(relay.urls.length, 1);
      assert.deepEqual(events[0].outcome, { kind: 'provider_error', error: 'access_denied', description: 'The user denied access' });
      const h = await health(base);
      assert.equal(h.failed, 1);
      assert.equal(h.completed, 0);
    } finally {
      await l.stop();
    }
  });

  test('relay failure → 502 page with the reason, counted as failed', async () => {
    const { l, base } = await started();
    try {
      l.expect({ state: 'fail-state-1', serverName: 'srv', relay: new RecordingRelay('container', { ok: false, reason: 'container not running' }) });
      const res = await fetch(`${base}/callback?code=c&state=fail-state-1`);
      assert.equal(res.status, 502);
      assert.match(await res.text(), /container not running/);
      assert.equal((await health(base)).failed, 1);
    } finally {
      await l.stop();
    }
  });

  describe('POST /oauth/register', () => {
    let claude: http.Server;
    let claudePort: number;
    const hits: string[] = [];
    before(async () => {
      // Stands in for Claude Code's own callback listener (it serves only /callback on 127.0.0.1).
      claude = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        res.writeHead(req.url?.startsWith('/callback') ? 200 : 404, { 'content-type': 'text/html' });
        res.end('Authentication successful');
      });
      await new Promise<void>((r) => claude.listen(0, '127.0.0.1', r));
      claudePort = (claude.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => claude.close(() => r())));

    test('needs the admin token; a registered state is relayed by HTTP to the target port, once', async () => {
      const { l, base } = await started();
      try {
        const body = JSON.stringify({ state: 'external-state-1', serverName: 'ext', target: { runtime: 'local', callbackPort: claudePort } });
        const noAuth = await fetch(`${base}/oauth/register`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        assert.equal(noAuth.status, 401);
        const wrong = await fetch(`${base}/oauth/register`, { method: 'POST', body, headers: { authorization: 'Bearer nope' } });
        assert.equal(wrong.status, 401);
        const bad = await fetch(`${base}/oauth/register`, { method: 'POST', body: '{"state":"x"}', headers: { authorization: `Bearer ${ADMIN}` } });
        assert.equal(bad.status, 400);
        const docker = await fetch(`${base}/oauth/register`, { method: 'POST', body: JSON.stringify({ state: 'docker-state-1', target: { runtime: 'docker', callbackPort: 8888 } }), headers: { authorization: `Bearer ${ADMIN}` } });
        assert.equal(docker.status, 400, 'no docker relay factory given → refused, not silently accepted');

        const ok = await fetch(`${base}/oauth/register`, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN}` } });
        assert.equal(ok.status, 201);
        assert.equal(((await ok.json()) as { relay: string }).relay, `127.0.0.1:${claudePort}`);
        const again = await fetch(`${base}/oauth/register`, { method: 'POST', body, headers: { 'x-admin-token': ADMIN } });
        assert.equal(again.status, 409);

        const h = await health(base);
        assert.equal(h.pendingLogins[0].source, 'registered');

        const cb = await fetch(`${base}/oauth/callback?code=zz&state=external-state-1`);
        assert.equal(cb.status, 200);
        assert.match(await cb.text(), /Signed in to ext/);
        assert.deepEqual(hits, ['/callback?code=zz&state=external-state-1'], 'redirect re-targeted at /callback of the registered port');
        const replay = await fetch(`${base}/callback?code=zz&state=external-state-1`);
        assert.equal(replay.status, 400);
        assert.equal(hits.length, 1);
      } finally {
        await l.stop();
      }
    });

    test('a 1 MB body gets a 413 answer (not a reset connection), with or without the token, and the listener keeps serving', async () => {
      const { l, base } = await started();
      try {
        const big = JSON.stringify({ state: 'x'.repeat(1024 * 1024), target: { runtime: 'local', callbackPort: claudePort } });
        const r = await fetch(`${base}/oauth/register`, { method: 'POST', body: big, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });
        assert.equal(r.status, 413);
        assert.match(((await r.json()) as { error: string }).error, /too large/);
        const noAuth = await fetch(`${base}/oauth/register`, { method: 'POST', body: big });
        assert.equal(noAuth.status, 401);
        assert.equal((await fetch(`${base}/health`)).status, 200);
      } finally {
        await l.stop();
      }
    });

    test('disabled when no token checker is injected', async () => {
      const { l, base } = await started({ checkAdminToken: undefined });
      try {
        const r = await fetch(`${base}/oauth/register`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${ADMIN}` } });
        assert.equal(r.status, 403);
      } finally {
        await l.stop();
      }
    });

    test('unknownStateRelay (docker: the container listener) receives unknown states, still only once', async () => {
      const fallback = new RecordingRelay('container 127.0.0.1:8888');
      const { l, base } = await started({ unknownStateRelay: fallback, relayTarget: 'container claude' });
      try {
        const r = await fetch(`${base}/callback?code=c&state=started-in-container`);
        assert.equal(r.status, 200);
        const r2 = await fetch(`${base}/callback?code=c&state=started-in-container`);
        assert.equal(r2.status, 400);
        assert.equal(fallback.urls.length, 1);
        assert.equal((await health(base)).relayTarget, 'container claude');
      } finally {
        await l.stop();
      }
    });
  });

  test('port already in use → start() resolves with error status naming the owner; nothing thrown', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const l = new OAuthCallbackListener({ host: '127.0.0.1', port });
    try {
      const h = await l.start();
      assert.equal(h.status, 'error');
      assert.ok(h.error?.startsWith(`port ${port} in use by `), h.error ?? '');
      const hasSs = ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss'].some((p) => fs.existsSync(p));
      if (hasSs) assert.match(h.error ?? '', new RegExp(`pid ${process.pid}\\b`), 'ss names this very process');
      assert.equal(l.port, null);
      assert.equal(l.health().redirectUri, null);
    } finally {
      await l.stop();
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  test('port-owner parsers', () => {
    assert.deepEqual(parseSs('LISTEN 0      511        127.0.0.1:8888      0.0.0.0:*    users:(("node",pid=27734,fd=28))\n', 8888), { name: 'node', pid: 27734 });
    assert.equal(parseSs('LISTEN 0 511 127.0.0.1:18888 0.0.0.0:*\n', 8888), null);
    assert.deepEqual(parseLsof('p4242\ncpython3\nf7\n'), { pid: 4242, name: 'python3' });
  });
});
