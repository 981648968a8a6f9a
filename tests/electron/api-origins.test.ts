/**
 * The desktop window calls every area of the control API from its own origin (`ccg-app://dashboard`): run the desktop
 * entry on the stand-in electron and walk every entry of every route table (main/contract/*-routes.ts) with the
 * window's origin and the admin token — no 403 anywhere — then from a foreign page — 403 everywhere, preflights too.
 */
import './stand-in/register.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APPROVAL_ROUTES, APPROVAL_STREAMS } from '../../main/contract/approvals-routes.ts';
import { BRIDGE_CHANNELS, type ControlState } from '../../main/contract/bridge.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS } from '../../main/contract/claude-auth-routes.ts';
import { CONTROL_ROUTES, CONTROL_STREAMS } from '../../main/contract/control-routes.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../../main/contract/docker-routes.ts';
import { MCP_ROUTES, MCP_STREAMS } from '../../main/contract/mcp-routes.ts';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from '../../main/contract/projects-routes.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';
import { buildRenderer } from '../renderer/chromium.ts';
import { waitForValue } from '../helpers/wait.ts';

const electron = await import('./stand-in/electron.ts');
const { standIn, app } = electron;
const { startDesktop } = await import('../../main/electron/desktop.ts');

const WINDOW = 'ccg-app://dashboard';
const APP_PAGE = `${WINDOW}/index.html`;

interface Entry { method: string; path: string }
const entries: Entry[] = [
  ...[CONTROL_ROUTES, PROJECT_ROUTES, WORKSPACE_ROUTES, APPROVAL_ROUTES, DOCKER_ROUTES, MCP_ROUTES, CLAUDE_AUTH_ROUTES].flatMap((table) => Object.values(table).map((r) => ({ method: r.method, path: r.path }))),
  ...[CONTROL_STREAMS, APPROVAL_STREAMS, DOCKER_STREAMS, MCP_STREAMS, CLAUDE_AUTH_STREAMS].flatMap((table) => Object.values(table).map((s) => ({ method: 'GET', path: s.path }))),
];

const savedEnv = { ...process.env };
let api: ScriptedAnthropic;
let dataDir = '';
let control: { url: string; token: string };

/** One call; a stream's body is dropped once its status is known. A made-up id fills each path parameter, and a body
 * no route accepts keeps side effects away (a 400/404 is as good as a 200 here: only 403 counts). */
async function call(e: Entry, origin: string, token: string | null): Promise<number> {
  const url = `${control.url}${e.path.replace(/:([a-z]+)/gi, 'walk-$1')}`;
  const ac = new AbortController();
  const headers: Record<string, string> = { origin };
  if (token) headers.authorization = `Bearer ${token}`;
  const withBody = e.method !== 'GET';
  if (withBody) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: e.method, headers, body: withBody ? '{"walk":[]}' : undefined, signal: ac.signal });
  ac.abort();
  return res.status;
}

before(async () => {
  if (!fs.existsSync(path.join('dist', 'renderer', 'index.html'))) buildRenderer(path.resolve('dist', 'renderer'));
  api = await startScriptedAnthropic(plainAnswer('hello'));
  standIn.reset();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-api-origins-'));
  Object.assign(process.env, claudeTestEnv(api.url, path.join(dataDir, 'home')), {
    DATA_DIR: dataDir, GATEWAY_PORT: '0', OAUTH_CALLBACK_PORT: '0', CLAUDE_SPARE_PROCESSES: '0', LOG_LEVEL: 'error', CCG_TRAY: 'on', CCG_SKIP_LOGIN_ENV: '1',
  });
  delete process.env.CONFIG_FILE;
  const started = startDesktop();
  await waitForValue(() => standIn.rec.named('app.requestSingleInstanceLock').length, (n) => n === 1, { what: 'the single-instance lock', ms: 30_000 });
  standIn.ready();
  await started;
  const state = (await standIn.invoke(BRIDGE_CHANNELS.control, APP_PAGE)) as ControlState;
  assert.ok(state.state === 'ready');
  control = { url: state.url, token: state.token };
});
after(async () => {
  if (app.exitCode === null) {
    app.quit();
    await waitForValue(() => app.exitCode, (c) => c !== null, { what: 'the quit sequence to exit', ms: 60_000 });
  }
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await api.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('every /api route from the desktop window (stand-in electron)', () => {
  it('the window\'s origin with the token: no 403 on any route table entry, and its preflight is granted', async () => {
    assert.ok(entries.length > 40, `the walk covers every table (${entries.length} entries)`);
    const refused: string[] = [];
    for (const e of entries) {
      const status = await call(e, WINDOW, control.token);
      if (status === 403) refused.push(`${e.method} ${e.path}`);
      const pre = await fetch(`${control.url}${e.path.replace(/:([a-z]+)/gi, 'walk-$1')}`, { method: 'OPTIONS', headers: { origin: WINDOW, 'access-control-request-method': e.method, 'access-control-request-headers': 'authorization, content-type' } });
      if (pre.status !== 204 || pre.headers.get('access-control-allow-origin') !== WINDOW) refused.push(`preflight ${e.method} ${e.path} → ${pre.status}`);
    }
    assert.deepEqual(refused, []);
  });

  it('a foreign page, even with the token: 403 on every entry and every preflight', async () => {
    const answered: string[] = [];
    for (const e of entries) {
      for (const origin of ['https://evil.example', 'null']) {
        const status = await call(e, origin, control.token);
        if (status !== 403) answered.push(`${origin} ${e.method} ${e.path} → ${status}`);
      }
      const pre = await fetch(`${control.url}${e.path.replace(/:([a-z]+)/gi, 'walk-$1')}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': e.method } });
      if (pre.status !== 403 || pre.headers.get('access-control-allow-origin') !== null) answered.push(`preflight ${e.method} ${e.path} → ${pre.status}`);
    }
    assert.deepEqual(answered, []);
  });

  it('through a reverse proxy on this machine (X-Forwarded-For / Forwarded): 403, token or not', async () => {
    for (const h of [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }] as Array<Record<string, string>>) {
      const res = await fetch(`${control.url}/api/info`, { headers: { authorization: `Bearer ${control.token}`, ...h } });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'proxied');
    }
  });
});
