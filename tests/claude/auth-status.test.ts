/**
 * Reading `claude auth status --json` from the real binary with the environment a run would get, and turning it
 * into the sentence Health shows. Only a well-formed answer counts as "signed out".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localClaudeCommand, parseAuthStatus, readAuthStatus, dockerClaudeCommand, type AuthStatusJson } from '../../main/claude/auth-status.ts';
import { describeSignIn } from '../../main/claude/auth-summary.ts';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';

const binary = resolveClaudeBinary();

describe('readAuthStatus with the real Claude Code', () => {
  let home: string;
  const env = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({
    PATH: process.env.PATH, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ...extra,
  });
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-auth-'));
    fs.mkdirSync(path.join(home, '.claude'));
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  test('a fresh home without a key: signed out (exit 1 is its answer, not a failure)', async () => {
    const r = await readAuthStatus(localClaudeCommand(binary), env());
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.status.loggedIn, false);
    assert.equal(r.status.authMethod, 'none');
  });

  test('an API key or an OAuth token in the env: signed in, with the method', async () => {
    const key = await readAuthStatus(localClaudeCommand(binary), env({ ANTHROPIC_API_KEY: 'sk-ant-api03-status-test-key-0000' }));
    assert.ok(key.ok);
    assert.equal(key.status.loggedIn, true);
    assert.equal(key.status.authMethod, 'api_key');
    assert.equal(key.status.apiKeySource, 'ANTHROPIC_API_KEY');
    const token = await readAuthStatus(localClaudeCommand(binary), env({ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-status-test-token-0000' }));
    assert.ok(token.ok);
    assert.equal(token.status.authMethod, 'oauth_token');
  });

  test('no binary, or no container: a failed reading with the reason, never "signed out"', async () => {
    const none = await readAuthStatus(localClaudeCommand(null), env());
    assert.deepEqual(none, { ok: false, reason: 'Claude Code binary not found' });
    const down = await readAuthStatus(dockerClaudeCommand({ container: () => Promise.reject(new Error('the container is stopped')) }), env());
    assert.deepEqual(down, { ok: false, reason: 'container not running' });
  });
});

describe('parseAuthStatus', () => {
  test('garbage, other JSON, or a sign-in claimed with a failing exit are failures to read', () => {
    assert.equal(parseAuthStatus({ code: 1, stdout: '', stderr: 'error: unknown command auth' }).ok, false);
    assert.equal(parseAuthStatus({ code: 0, stdout: '{"hello":1}', stderr: '' }).ok, false);
    assert.equal(parseAuthStatus({ code: 0, stdout: '{not json}', stderr: '' }).ok, false);
    assert.equal(parseAuthStatus({ code: 2, stdout: '{"loggedIn":true,"authMethod":"api_key"}', stderr: '' }).ok, false);
    const out = parseAuthStatus({ code: 1, stdout: 'banner\n{"loggedIn":false,"authMethod":"none","extra":{"x":1}}\n', stderr: '' });
    assert.deepEqual(out, { ok: true, status: { loggedIn: false, authMethod: 'none' } });
  });
});

describe('describeSignIn', () => {
  const s = (o: Partial<AuthStatusJson>): AuthStatusJson => ({ loggedIn: true, apiProvider: 'firstParty', ...o });
  test('each method as people say it, with where the credential comes from', () => {
    assert.equal(describeSignIn(s({ loggedIn: false, authMethod: 'none' }), null), 'Not signed in');
    assert.equal(describeSignIn(s({ authMethod: 'api_key', apiKeySource: 'ANTHROPIC_API_KEY' }), { kind: 'API key', where: 'ANTHROPIC_API_KEY from the environment' }), 'Signed in with an API key (ANTHROPIC_API_KEY from the environment)');
    assert.equal(describeSignIn(s({ authMethod: 'api_key', apiKeySource: 'ANTHROPIC_API_KEY' }), null), 'Signed in with an API key (ANTHROPIC_API_KEY)');
    assert.equal(describeSignIn(s({ authMethod: 'oauth_token' }), { kind: 'OAuth token', where: 'CLAUDE_CODE_OAUTH_TOKEN saved in the app' }), 'Signed in with an OAuth token (CLAUDE_CODE_OAUTH_TOKEN saved in the app)');
    assert.equal(describeSignIn(s({ authMethod: 'oauth_token' }), { kind: 'Auth token', where: 'ANTHROPIC_AUTH_TOKEN from your login shell' }), 'Signed in with an auth token (ANTHROPIC_AUTH_TOKEN from your login shell)');
    assert.equal(describeSignIn(s({ authMethod: 'third_party', apiProvider: 'bedrock' }), { kind: 'Amazon Bedrock', where: 'CLAUDE_CODE_USE_BEDROCK from the environment' }), 'Using Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK from the environment)');
    assert.equal(describeSignIn(s({ authMethod: 'third_party', apiProvider: 'vertex' }), null), 'Using Google Vertex AI');
    assert.equal(
      describeSignIn(s({ authMethod: 'claude.ai', subscriptionType: 'pro', loginExpiresAt: Date.UTC(2027, 0, 3, 14, 0) }), { kind: 'Claude login', where: '~/.claude/.credentials.json' }),
      'Signed in with a Claude subscription (Pro plan, expires 3 Jan 2027, 14:00 UTC, login in ~/.claude/.credentials.json)',
    );
    assert.equal(describeSignIn(s({ authMethod: 'something_new' }), null), 'Signed in (something_new)');
  });
});
