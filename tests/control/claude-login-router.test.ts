/**
 * /api/claude-auth/login*: the subscription sign-in through the control API, against the real gateway and the real
 * `claude auth login` (fresh HOME). The link comes back in the 202, the steps arrive over SSE, a second start is a
 * 409, a pasted code reaches Claude Code (which then fails at the token exchange: Anthropic's servers are not
 * reachable from these machines), cancel answers once the process is gone, and the code is in no answer, log or file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../main/claude/process-tree.ts';
import { type ClaudeLoginCancelResponse, type ClaudeLoginResponse, type ClaudeLoginSnapshot } from '../../main/contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS } from '../../main/contract/claude-auth-routes.ts';
import type { ControlError } from '../../main/contract/control-api.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const CODE = 'RouterTestCode0123456789abcdef#RouterTestState0123456789';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('/api/claude-auth/login (real gateway, real claude auth login)', () => {
  let d: TestDashboard;
  const post = (p: string, body?: string): Promise<Response> => d.call(p, { method: 'POST', ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body } : {}) });
  const errorOf = async (r: Response): Promise<ControlError['error']> => ((await r.json()) as ControlError).error;

  before(async () => {
    d = await startTestDashboard({
      script: plainAnswer('unused'),
      config: { LOG_LEVEL: 'info' },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined, BROWSER: undefined },
    });
  });
  after(async () => {
    await d?.close();
  });

  test('needs the admin token', async () => {
    const r = await fetch(`${d.baseUrl}${CLAUDE_AUTH_ROUTES.login.path}`, { method: 'POST' });
    assert.equal(r.status, 401);
    assert.equal(((await (await d.call(CLAUDE_AUTH_ROUTES.login.path)).json()) as ClaudeLoginResponse).login, null);
  });

  test('bad bodies: 400 in the /api error shape', async () => {
    const r = await post(CLAUDE_AUTH_ROUTES.login.path, '{"method":"password"}');
    assert.equal(r.status, 400);
    assert.equal((await errorOf(r)).code, 'invalid_request');
    const code = await post(CLAUDE_AUTH_ROUTES.loginCode.path, JSON.stringify({ code: CODE }));
    assert.equal(code.status, 409, 'no login waits for a code');
    assert.equal((await errorOf(code)).code, 'not_waiting_for_code');
  });

  test('start → 202 with the link; steps over SSE; a second start → 409; a code → Claude Code → failed at the exchange', async () => {
    const events = await SseReader.open(`${d.baseUrl}${CLAUDE_AUTH_STREAMS.loginEvents.path}`, { authorization: `Bearer ${d.token}` });
    assert.equal(events.status, 200);
    const r = await post(CLAUDE_AUTH_ROUTES.login.path);
    assert.equal(r.status, 202);
    const { login } = (await r.json()) as ClaudeLoginResponse;
    assert.ok(login);
    assert.equal(login.step, 'waiting_for_browser');
    assert.equal(login.method, 'claudeai');
    assert.equal(login.runtime, 'local');
    assert.match(login.url ?? '', /^https:\/\//);
    assert.match(login.returnsByItself ? (login.codeUrl ?? '') : (login.url ?? ''), /^https:\/\/claude\.ai\/oauth\/authorize\?/);

    const again = await post(CLAUDE_AUTH_ROUTES.login.path, '{"method":"console"}');
    assert.equal(again.status, 409);
    assert.equal((await errorOf(again)).code, 'login_in_progress');

    for (const bad of ['not json', '{"code":""}', JSON.stringify({ code: `${CODE} extra` })]) {
      const res = await post(CLAUDE_AUTH_ROUTES.loginCode.path, bad);
      assert.equal(res.status, 400, bad);
      const text = await res.text();
      assert.ok(!text.includes('RouterTestCode'), text);
    }
    const sent = await post(CLAUDE_AUTH_ROUTES.loginCode.path, JSON.stringify({ code: CODE }));
    assert.equal(sent.status, 202);
    assert.equal(((await sent.json()) as ClaudeLoginResponse).login?.step, 'code_received');

    const ours = (): ClaudeLoginSnapshot[] => events.ofEvent<ClaudeLoginSnapshot>('login').filter((s) => s.loginId === login.loginId);
    await events.when(() => ours().some((s) => s.done), 60_000, 'the login to end');
    events.close();
    const seen = ours();
    assert.deepEqual([...new Set(seen.map((s) => s.step))], ['started', 'waiting_for_browser', 'code_received', 'failed']);
    const end = seen.at(-1);
    assert.match(end?.reason ?? '', /^Couldn't log in: /);
    const polled = ((await (await d.call(CLAUDE_AUTH_ROUTES.login.path)).json()) as ClaudeLoginResponse).login;
    assert.equal(polled?.step, 'failed');
  });

  test('cancel: answered once the process is gone; idempotent', async () => {
    const r = await post(CLAUDE_AUTH_ROUTES.login.path, '{"method":"console"}');
    const { login } = (await r.json()) as ClaudeLoginResponse;
    assert.equal(login?.method, 'console');
    assert.match(login?.url ?? '', /^https:\/\/platform\.claude\.com\/oauth\/authorize\?/);
    const proc = d.services.claudeAccount.login?.currentProcess();
    assert.ok(proc?.pid && isAlive(proc.pid));
    const c = (await (await post(CLAUDE_AUTH_ROUTES.loginCancel.path)).json()) as ClaudeLoginCancelResponse;
    assert.equal(c.cancelled, true);
    assert.equal(c.login?.step, 'failed');
    assert.equal(c.login?.reason, 'cancelled');
    assert.equal(isAlive(proc.pid), false);
    const c2 = (await (await post(CLAUDE_AUTH_ROUTES.loginCancel.path)).json()) as ClaudeLoginCancelResponse;
    assert.equal(c2.cancelled, false);
  });

  test('the code is in no log or file of the data dir; the link is logged for headless use', async () => {
    let logged = '';
    for (const file of filesUnder(d.dataDir)) {
      const text = fs.readFileSync(file, 'latin1');
      assert.ok(!text.includes('RouterTestCode') && !text.includes('RouterTestState'), file);
      if (file.endsWith('.log')) logged += text;
    }
    assert.match(logged, /Claude sign-in: open this link to sign in: https:\/\//);
    assert.match(logged, /Claude sign-in \(local, claudeai\): code_received/);
  });
});
