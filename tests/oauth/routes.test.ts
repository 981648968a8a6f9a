/**
 * The dashboard's MCP API, built the way the composition root builds it (createOAuthServices + mcpRouter), with the
 * real Claude Code binary: add a server, log in through the API (the answer carries the authorization URL), watch
 * the steps on the SSE stream, see it connected, log out, remove.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { loadConfig } from '../../main/config/load.ts';
import { createOAuthServices, type OAuthServices } from '../../main/oauth/index.ts';
import type { ListenerHealth, LoginEvent, LoginSnapshot, McpServerInfo } from '../../main/contract/mcp-api.ts';
import { mcpRouter } from '../../main/oauth/routes.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';

describe('MCP control API (createOAuthServices + mcpRouter, real Claude Code)', { timeout: 420_000 }, () => {
  let fx: OAuthMcpServer;
  let dataDir: string;
  let oauth: OAuthServices;
  let server: http.Server;
  let base: string;
  const opened: string[] = [];

  before(async () => {
    fx = await startOAuthMcpServer({ secret: 'api-secret' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-oauth-api-'));
    const home = path.join(dataDir, 'home');
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    const config = loadConfig({ DATA_DIR: dataDir } as NodeJS.ProcessEnv, { OAUTH_CALLBACK_PORT: 0, LOG_LEVEL: 'warn' });
    fs.mkdirSync(config.claudeCwd, { recursive: true });
    oauth = createOAuthServices({
      config,
      claudePath: resolveClaudeBinary(),
      claudeEnv: { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_API_KEY: 'sk-test', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
      checkAdminToken: (t) => t === 'x',
      openUrl: (url) => {
        opened.push(url);
      },
    });
    const h = await oauth.start();
    assert.equal(h.status, 'listening');
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
    await oauth?.stop();
    await fx?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
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
    const events: LoginEvent[] = [];
    let serversChanged = 0;
    const ac = new AbortController();
    const sse = await fetch(`${base}/events`, { signal: ac.signal });
    const reading = (async () => {
      const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (ev === 'login' && data) events.push(JSON.parse(data) as LoginEvent);
          if (ev === 'servers') serversChanged++;
        }
      }
    })();

    const login = await json<{ login: LoginSnapshot }>('/servers/apisrv/login', { method: 'POST' });
    assert.equal(login.status, 202);
    assert.equal(login.body.login.step, 'waiting_for_browser', JSON.stringify(login.body.login));
    const authUrl = login.body.login.authUrl ?? '';
    assert.ok(authUrl.startsWith(`${fx.origin}/authorize?`), authUrl);
    assert.deepEqual(opened, [authUrl], 'openUrl got the same URL');
    const listener = await json<ListenerHealth>('/listener');
    assert.equal(listener.body.pendingLogins.length, 1);
    assert.equal(listener.body.pendingLogins[0].serverName, 'apisrv');

    const html = await (await fetch(authUrl)).text();
    const consentId = /name="consent_id" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const post = await fetch(`${fx.origin}/consent`, { method: 'POST', body: new URLSearchParams({ consent_id: consentId, decision: 'approve' }), redirect: 'manual' });
    const page = await fetch(post.headers.get('location') ?? '');
    assert.equal(page.status, 200);

    let snap = (await json<LoginSnapshot>(`/logins/${login.body.login.loginId}`)).body;
    for (let i = 0; i < 120 && !snap.done; i++) {
      await new Promise((r) => setTimeout(r, 250));
      snap = (await json<LoginSnapshot>(`/logins/${login.body.login.loginId}`)).body;
    }
    assert.equal(snap.step, 'connected', snap.reason ?? '');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events.map((e) => e.step), ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected']);
    assert.ok(serversChanged >= 1, 'servers-changed pushed after the login');
    ac.abort();
    await reading;

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
