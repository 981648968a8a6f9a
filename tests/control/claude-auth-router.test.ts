/**
 * /api/claude-auth beyond saving a key (tests/gateway/claude-sign-in.test.ts): a Claude subscription login read
 * from Claude Code itself, `claude auth logout` through the API, refresh, the guard, and bodies that must not be
 * echoed. Real binary, fresh HOME holding a (fake, never used for a request) subscription login.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClaudeAuthStatus } from '../../main/contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES } from '../../main/contract/claude-auth-routes.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

describe('/api/claude-auth: subscription login, logout, refresh, guard (real Claude Code)', () => {
  let d: TestDashboard;
  let dataDir: string;
  let credentialsFile: string;
  const status = async (): Promise<ClaudeAuthStatus> => (await (await d.call(CLAUDE_AUTH_ROUTES.status.path)).json()) as ClaudeAuthStatus;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-claude-auth-'));
    credentialsFile = path.join(dataDir, 'home', '.claude', '.credentials.json');
    fs.mkdirSync(path.dirname(credentialsFile), { recursive: true });
    const login = { claudeAiOauth: { accessToken: 'sk-ant-oat01-fake-access', refreshToken: 'sk-ant-ort01-fake-refresh', expiresAt: Date.now() + 86_400_000, scopes: ['user:inference'], subscriptionType: 'max' } };
    fs.writeFileSync(credentialsFile, JSON.stringify(login), { mode: 0o600 });
    d = await startTestDashboard({ script: plainAnswer('unused'), dataDir, claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined } });
  });
  after(async () => {
    await d.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('needs the admin token', async () => {
    const res = await fetch(`${d.baseUrl}${CLAUDE_AUTH_ROUTES.status.path}`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'missing_token');
    const put = await fetch(`${d.baseUrl}${CLAUDE_AUTH_ROUTES.saveCredential.path}`, { method: 'PUT', body: '{"kind":"api_key","value":"sk-ant-api03-abcdefghijklmnopqrstuvwx"}' });
    assert.equal(put.status, 401);
    assert.equal(fs.existsSync(path.join(dataDir, 'claude-credential.json')), false);
  });

  it('a subscription login, as Claude Code reports it', async () => {
    const st = await status();
    assert.equal(st.state, 'signed_in');
    assert.equal(st.method, 'claude.ai');
    assert.equal(st.subscription, 'max');
    assert.equal(st.summary, 'Signed in with a Claude subscription (Max plan, login in ~/.claude/.credentials.json)');
    assert.equal(st.fix, null);
    assert.ok(!JSON.stringify(st).includes('fake-access'));
  });

  it('bodies that are not a credential request: 400, without repeating them', async () => {
    for (const body of ['not json sk-ant-api03-SHOULDNOTECHO', '{"kind":"password","value":"sk-ant-api03-SHOULDNOTECHO"}', '{"kind":"api_key"}', '']) {
      const res = await d.call(CLAUDE_AUTH_ROUTES.saveCredential.path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, body);
      const text = await res.text();
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'invalid_request');
      assert.ok(!text.includes('SHOULDNOTECHO'));
    }
    const huge = await d.call(CLAUDE_AUTH_ROUTES.saveCredential.path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'api_key', value: `sk-ant-api03-${'A'.repeat(20_000)}` }) });
    assert.equal(huge.status, 413);
    assert.ok(!(await huge.text()).includes('AAAAAAAA'));
  });

  it('DELETE with nothing saved changes nothing', async () => {
    const res = await d.call(CLAUDE_AUTH_ROUTES.saveCredential.path, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as ClaudeAuthStatus).state, 'signed_in');
  });

  it('POST /logout runs `claude auth logout` where Claude runs: the subscription login ends', async () => {
    const res = await d.call(CLAUDE_AUTH_ROUTES.logout.path, { method: 'POST' });
    assert.equal(res.status, 200);
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(st.state, 'signed_out');
    assert.equal(st.summary, 'Not signed in');
    assert.match(st.fix ?? '', /claude setup-token/);
    assert.equal(fs.existsSync(credentialsFile) && fs.readFileSync(credentialsFile, 'utf8').includes('fake-access'), false);
  });

  it('POST /refresh reads again: a login that appears outside the app is seen', async () => {
    fs.writeFileSync(credentialsFile, JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-fake-access-2', refreshToken: 'sk-ant-ort01-r', expiresAt: Date.now() + 86_400_000, scopes: ['user:inference'], subscriptionType: 'pro' } }), { mode: 0o600 });
    assert.equal((await status()).state, 'signed_out', 'GET answers the last reading');
    const res = await d.call(CLAUDE_AUTH_ROUTES.refresh.path, { method: 'POST' });
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(st.state, 'signed_in');
    assert.equal(st.subscription, 'pro');
  });
});
