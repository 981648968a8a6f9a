/**
 * The dashboard's MCP API, built the way the composition root builds it (createOAuthServices + mcpRouter), with the
 * real Claude Code binary: add a server, log in through the API (the answer carries the authorization URL), watch
 * the steps on the SSE stream, see it connected, log out, remove.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { OAuthServices } from '../../main/oauth/index.ts';
import type { ListenerHealth, LoginEvent, LoginSnapshot, McpServerInfo } from '../../main/contract/mcp-api.ts';
import { mcpRouter } from '../../main/oauth/routes.ts';
import type { OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { startOAuthServicesFixture, type OAuthServicesFixture } from '../fixtures/oauth-setup.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { waitFor } from '../helpers/wait.ts';

describe('MCP control API (createOAuthServices + mcpRouter, real Claude Code)', { timeout: 420_000 }, () => {
  let setup: OAuthServicesFixture;
  let fx: OAuthMcpServer;
  let oauth: OAuthServices;
  let server: http.Server;
  let base: string;
  const opened: string[] = [];

  before(async () => {
    setup = await startOAuthServicesFixture({ secret: 'api-secret' }, { checkAdminToken: (t) => t === 'x', openUrl: (url) => void opened.push(url) });
    ({ fx, oauth } = setup);
    assert.equal(oauth.listener.health().status, 'listening');
    const component = oauth.health();
    assert.equal(component.status, 'ok');
    assert.equal(component.name, 'oauth-listener');
    const app = express();
    app.use('/api/mcp', mcpRouter(oauth));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mcp`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await setup?.close();
  });

  const json = async <T>(p: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${base}${p}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
    return { status: r.status, body: (await r.json()) as T };
  };

  test('add → login (URL in the answer, steps on SSE) → connected → logout → remove', async () => {
    const bad = await json<{ error: { code: string; message: string } }>('/servers', { method: 'POST', body: JSON.stringify({ name: 'x y', url: 'nope' }) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'mcp_action_failed', 'the /api error shape, like every /api route');
    assert.equal(typeof bad.body.error.message, 'string');
    const unknown = await json<{ error: { code: string } }>('/servers/nosuch/login', { method: 'POST' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'unknown_server']);
    const add = await json<{ ok: boolean }>('/servers', { method: 'POST', body: JSON.stringify({ name: 'apisrv', url: fx.mcpUrl }) });
    assert.equal(add.status, 201, JSON.stringify(add.body));

    const listed = await json<{ servers: McpServerInfo[] }>('/servers');
    assert.equal(listed.body.servers.find((s) => s.name === 'apisrv')?.status, 'needs-auth');

    // Live steps over SSE.
    const sse = await SseReader.open(`${base}/events`, {});
    assert.equal(sse.status, 200);
    const steps = (): string[] => sse.ofEvent<LoginEvent>('login').map((e) => e.step);

    const login = await json<{ login: LoginSnapshot }>('/servers/apisrv/login', { method: 'POST' });
    assert.equal(login.status, 202);
    assert.equal(login.body.login.step, 'waiting_for_browser', JSON.stringify(login.body.login));
    const authUrl = login.body.login.authUrl ?? '';
    assert.ok(authUrl.startsWith(`${fx.origin}/authorize?`), authUrl);
    assert.deepEqual(opened, [authUrl], 'openUrl got the same URL');
    const listener = await json<ListenerHealth>('/listener');
    assert.equal(listener.body.pendingLogins.length, 1);
    assert.equal(listener.body.pendingLogins[0].serverName, 'apisrv');

    assert.equal((await fx.signIn(authUrl)).status, 200);

    const snap = await waitFor(async () => {
      const polled = (await json<LoginSnapshot>(`/logins/${login.body.login.loginId}`)).body;
      return polled.done && polled;
    }, { what: 'the login to end', ms: 30_000, everyMs: 250 });
    assert.equal(snap.step, 'connected', snap.reason ?? '');
    // The stream says so too: every step, then the servers' change.
    await sse.when(() => steps().includes('connected') && sse.frames.some((f) => f.event === 'servers'), 10_000, 'the connected step and a servers event');
    assert.deepEqual(steps(), ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected']);
    sse.close();

    const after1 = await json<{ servers: McpServerInfo[] }>('/servers');
    assert.equal(after1.body.servers.find((s) => s.name === 'apisrv')?.status, 'connected');
    assert.equal((await json<{ logins: LoginSnapshot[] }>('/logins')).body.logins[0].loginId, snap.loginId);

    const out = await json<{ ok: boolean }>('/servers/apisrv/logout', { method: 'POST' });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    const del = await json<{ ok: boolean }>('/servers/apisrv', { method: 'DELETE' });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.ok(!(await json<{ servers: McpServerInfo[] }>('/servers')).body.servers.some((s) => s.name === 'apisrv'));
  });
});
