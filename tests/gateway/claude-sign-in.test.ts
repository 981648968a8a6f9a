/**
 * Claude Code not signed in, then signed in from the app: the real binary in a fresh HOME with no credential, the
 * scripted model requiring the credential the app saved, the control API to save and remove it. A request while
 * Claude is known to be signed out is refused before any process starts; a credential refused mid-run is reported
 * the same way; the secret reaches the model and nothing else.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClaudeAuthStatus } from '../../main/contract/claude-auth-api.ts';
import { CREDENTIAL_FILE } from '../../main/claude/credential-store.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { adminInit } from '../helpers/gateway.ts';

const KEY = 'sk-ant-api03-GatewaySignInTestKey0123456789abcdefXYZ4';
const WRONG_KEY = 'sk-ant-api03-WrongKeyTheModelRefuses0123456789abcdW0NG';
const TOKEN = 'sk-ant-oat01-GatewaySignInTestToken0123456789abcdefT0K3';
const NOT_SIGNED_IN = {
  error: {
    message: 'Claude Code is not signed in. Open the dashboard → Claude account, or set ANTHROPIC_API_KEY.',
    type: 'authentication_error',
    param: null,
    code: 'claude_not_signed_in',
  },
};

/** Every file under dir (recursively) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesContaining(p, needle));
    else if (entry.isFile() && fs.readFileSync(p).includes(Buffer.from(needle))) out.push(p);
  }
  return out;
}

/** The SSE `data:` payloads of a response, in order. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').map((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')).filter(Boolean);
}

describe('Claude account: not signed in → signed in from the app (real Claude Code)', () => {
  let d: TestDashboard;
  const chat = (body: Record<string, unknown>): Promise<Response> =>
    fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hello?' }], ...body }) });
  const responses = (body: Record<string, unknown>): Promise<Response> =>
    fetch(`${d.v1}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', input: 'hello?', ...body }) });
  const authStatus = async (): Promise<ClaudeAuthStatus> => (await (await d.call('/api/claude-auth')).json()) as ClaudeAuthStatus;
  const health = async (): Promise<{ status: string; components: Array<{ name: string; status: string; reason: string | null }> }> =>
    (await (await fetch(`${d.baseUrl}/health`, adminInit(d.dataDir))).json()) as { status: string; components: Array<{ name: string; status: string; reason: string | null }> };
  const claudeAuthComponent = async () => (await health()).components.find((c) => c.name === 'claude-auth');
  const putCredential = (kind: string, value: string): Promise<Response> =>
    d.call('/api/claude-auth/credential', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, value }) });

  before(async () => {
    d = await startTestDashboard({
      script: plainAnswer('signed-in answer'),
      config: { LOG_LEVEL: 'debug' },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined },
    });
  });
  after(async () => d.close());

  it('signed out: Health says so with the fix, /health is degraded', async () => {
    const st = await authStatus();
    assert.equal(st.state, 'signed_out');
    assert.equal(st.summary, 'Not signed in');
    assert.equal(st.stored, null);
    const h = await health();
    assert.equal(h.status, 'degraded');
    const c = h.components.find((x) => x.name === 'claude-auth');
    assert.equal(c?.status, 'error');
    assert.match(c?.reason ?? '', /^Not signed in\. Fix: .*Claude account.*ANTHROPIC_API_KEY/);
  });

  it('every request is refused with 401 claude_not_signed_in before any Claude process starts', async () => {
    for (const res of [await chat({}), await chat({ stream: true }), await responses({}), await responses({ stream: true })]) {
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await res.json(), NOT_SIGNED_IN);
    }
    assert.equal(d.api.auths.length, 0, 'the model API saw no request');
    assert.equal(d.services.store.list({ limit: 10, offset: 0 }).total, 0, 'no run began (a run always opens a transcript)');
  });

  it('refuses a malformed credential without repeating it', async () => {
    const res = await putCredential('api_key', 'sk-ant-oat01-PastedIntoTheWrongField0123456789');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_credential');
    assert.match(body.error.message, /OAuth token/);
    assert.ok(!JSON.stringify(body).includes('PastedIntoTheWrongField'));
    const bad = await d.call('/api/claude-auth/credential', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `{"kind":"api_key","value":"${KEY}` });
    assert.equal(bad.status, 400);
    assert.ok(!(await bad.text()).includes('GatewaySignInTestKey'), 'a JSON error must not echo the body');
    assert.equal((await authStatus()).state, 'signed_out');
  });

  it('an API key saved through the control API: signed in, and the next request reaches the model carrying it', async () => {
    d.api.setAuthCheck((a) => a.apiKey === KEY);
    const res = await putCredential('api_key', KEY);
    assert.equal(res.status, 200);
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(st.state, 'signed_in');
    assert.equal(st.method, 'api_key');
    assert.equal(st.summary, 'Signed in with an API key (ANTHROPIC_API_KEY saved in the app)');
    assert.equal(st.stored?.hint, 'sk-ant-api03-…XYZ4');
    assert.equal(st.stored?.protection, 'file-permissions');

    const r = await chat({});
    assert.equal(r.status, 200);
    const body = (await r.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0].message.content, 'signed-in answer');
    assert.ok(d.api.auths.length > 0);
    assert.ok(d.api.auths.every((a) => a.apiKey === KEY), 'every model request carried the saved key');

    const c = await claudeAuthComponent();
    assert.equal(c?.status, 'ok');
    assert.equal(c?.reason, 'Signed in with an API key (ANTHROPIC_API_KEY saved in the app)');
    assert.equal((await health()).status, 'ok');
  });

  it('the key is in no log, transcript or control API answer; only in the 0600 credential file', async () => {
    const answers = await Promise.all(['/api/claude-auth', '/api/health', '/api/info', '/api/config', '/api/logs?lines=5000', '/api/transcripts'].map(async (p) => (await d.call(p)).text()));
    answers.push(await (await fetch(`${d.baseUrl}/health`, adminInit(d.dataDir))).text());
    for (const a of answers) assert.ok(!a.includes(KEY) && !a.includes('GatewaySignInTestKey'), a.slice(0, 200));
    const credentialFile = path.join(d.dataDir, CREDENTIAL_FILE);
    assert.equal(fs.statSync(credentialFile).mode & 0o777, 0o600);
    // The headless box does not encrypt; the file is base64 of the value, so look for either form.
    const found = [...filesContaining(d.dataDir, KEY), ...filesContaining(d.dataDir, Buffer.from(KEY).toString('base64'))];
    assert.deepEqual(found, [credentialFile]);
    assert.ok(fs.statSync(d.services.logFile).size > 0, 'the log was written (debug level), just not with the key');
  });

  it('an OAuth token replaces it: sent as Authorization: Bearer, never as x-api-key', async () => {
    d.api.setAuthCheck((a) => a.bearer === TOKEN);
    const res = await putCredential('oauth_token', `${TOKEN}\n`);
    assert.equal(res.status, 200);
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(st.state, 'signed_in');
    assert.equal(st.method, 'oauth_token');
    assert.equal(st.summary, 'Signed in with an OAuth token (CLAUDE_CODE_OAUTH_TOKEN saved in the app)');
    assert.equal(st.stored?.hint, 'sk-ant-oat01-…T0K3');
    const before = d.api.auths.length;
    const r = await chat({ stream: true });
    const data = await sseData(r);
    assert.equal(data.at(-1), '[DONE]');
    assert.ok(!data.some((x) => x.includes('"error"')), data.join('\n'));
    const sent = d.api.auths.slice(before);
    assert.ok(sent.length > 0 && sent.every((a) => a.bearer === TOKEN && a.apiKey === null), JSON.stringify(sent.map((a) => [a.apiKey !== null, a.bearer !== null])));
    for (const f of filesContaining(d.dataDir, TOKEN)) assert.equal(f, path.join(d.dataDir, CREDENTIAL_FILE));
    assert.ok(!(await (await d.call('/api/claude-auth')).text()).includes(TOKEN));
  });

  it('a credential the model API refuses mid-run: stream gets an error chunk claude_credential_refused then [DONE]; non-stream 502, not retriable', async () => {
    d.api.setAuthCheck((a) => a.apiKey === KEY);
    assert.equal((await putCredential('api_key', WRONG_KEY)).status, 200);
    const r = await chat({ stream: true });
    assert.equal(r.status, 200);
    const data = await sseData(r);
    assert.equal(data.at(-1), '[DONE]');
    const err = JSON.parse(data.at(-2) ?? '{}') as { error?: { type: string; code: string; message: string } };
    assert.equal(err.error?.code, 'claude_credential_refused');
    assert.equal(err.error?.type, 'authentication_error');
    assert.match(err.error?.message ?? '', /Invalid API key/);
    assert.ok(!(data.join('\n')).includes(WRONG_KEY));

    const n = await chat({});
    assert.equal(n.status, 502);
    assert.equal(n.headers.get('x-should-retry'), 'false');
    const body = (await n.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'claude_credential_refused');
    assert.equal(body.error.type, 'authentication_error');

    // The Responses API says it with its own failure event, carrying the same code.
    const failed = (await sseData(await responses({ stream: true }))).map((x) => JSON.parse(x) as { type: string; response?: { error: { code: string } | null } }).find((e) => e.type === 'response.failed');
    assert.equal(failed?.response?.error?.code, 'claude_credential_refused');

    const c = await claudeAuthComponent();
    assert.equal(c?.status, 'error');
    assert.match(c?.reason ?? '', /refused.*Invalid API key/);
    assert.equal((await authStatus()).rejected?.message.includes('Invalid API key'), true);
  });

  it('removing the saved credential signs Claude out again: back to 401 before any run', async () => {
    const res = await d.call('/api/claude-auth/credential', { method: 'DELETE' });
    assert.equal(res.status, 200);
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(st.state, 'signed_out');
    assert.equal(st.stored, null);
    assert.equal(fs.existsSync(path.join(d.dataDir, CREDENTIAL_FILE)), false);
    const seen = d.api.auths.length;
    const transcripts = d.services.store.list({ limit: 1, offset: 0 }).total;
    const r = await chat({});
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), NOT_SIGNED_IN);
    assert.equal(d.api.auths.length, seen);
    assert.equal(d.services.store.list({ limit: 1, offset: 0 }).total, transcripts);
  });
});

describe('Claude account with a warm spare: a spare started before the key was saved never serves a request', () => {
  let d: TestDashboard;
  /** Waits (no deadline of its own: the test's timeout bounds it) until the pool's state satisfies `ok`. */
  const sparesUntil = async (ok: (s: NonNullable<ReturnType<NonNullable<TestDashboard['services']['runtime']['spares']>>>) => boolean): Promise<void> => {
    for (;;) {
      const s = d.services.runtime.spares?.();
      assert.ok(s, 'the local runtime keeps spares');
      if (ok(s)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    d = await startTestDashboard({
      script: plainAnswer('answered by a spare'),
      config: { CLAUDE_SPARE_PROCESSES: 1 },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined },
    });
  });
  after(async () => d.close());

  it('the key saved while a keyless spare waits: the spare is replaced, and the next request is served warm with the key', { timeout: 120_000 }, async () => {
    await sparesUntil((s) => s.parked + s.bound === 1 && s.starting === 0);
    d.api.setAuthCheck((a) => a.apiKey === KEY);
    assert.equal((await putCredential(d, 'api_key', KEY)).status, 200);
    await sparesUntil((s) => s.parked + s.bound === 1 && s.starting === 0);
    const claimsBefore = d.services.runtime.spares?.()?.claims ?? 0;
    const r = await fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'warm?' }] }) });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(((await r.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'answered by a spare');
    assert.equal(d.services.runtime.spares?.()?.claims, claimsBefore + 1, 'served by the new spare, not a cold start');
    assert.ok(d.api.auths.length > 0 && d.api.auths.every((a) => a.apiKey === KEY));
  });
});

function putCredential(d: TestDashboard, kind: string, value: string): Promise<Response> {
  return d.call('/api/claude-auth/credential', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, value }) });
}
