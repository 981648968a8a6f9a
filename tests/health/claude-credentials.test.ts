/**
 * The Health view's sentence on where Claude Code's credentials come from: Claude Code's own precedence, where an
 * environment variable came from (the login shell or the app's environment), the login files — and never a value.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { claudeCredential, claudeCredentialSource } from '../../main/health/claude-credentials.ts';

const SECRET = 'sk-ant-api03-SECRET-VALUE';

describe('claudeCredentialSource', () => {
  let root: string;
  let n = 0;
  /** A fresh, empty home directory. */
  const home = (): string => {
    const dir = path.join(root, `home-${n++}`);
    fs.mkdirSync(dir);
    return dir;
  };
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-creds-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a credential saved in the app is named as such, ahead of the login shell', () => {
    const env = { HOME: home(), CLAUDE_CODE_OAUTH_TOKEN: SECRET };
    const saved = new Set(['CLAUDE_CODE_OAUTH_TOKEN']);
    assert.equal(claudeCredentialSource(env, { savedInApp: saved, fromLoginShell: saved }), 'OAuth token (CLAUDE_CODE_OAUTH_TOKEN saved in the app)');
    assert.deepEqual(claudeCredential(env, { savedInApp: saved }), { kind: 'OAuth token', where: 'CLAUDE_CODE_OAUTH_TOKEN saved in the app' });
  });

  test('an API key: from the login shell or from the environment', () => {
    const env = { HOME: home(), ANTHROPIC_API_KEY: SECRET };
    assert.equal(claudeCredentialSource(env, { fromLoginShell: new Set(['ANTHROPIC_API_KEY']) }), 'API key (ANTHROPIC_API_KEY from your login shell)');
    assert.equal(claudeCredentialSource(env, { fromLoginShell: new Set(['PATH']) }), 'API key (ANTHROPIC_API_KEY from the environment)');
    assert.equal(claudeCredentialSource(env), 'API key (ANTHROPIC_API_KEY from the environment)');
  });

  test('tokens', () => {
    assert.equal(claudeCredentialSource({ HOME: home(), CLAUDE_CODE_OAUTH_TOKEN: SECRET }), 'OAuth token (CLAUDE_CODE_OAUTH_TOKEN from the environment)');
    assert.equal(claudeCredentialSource({ HOME: home(), ANTHROPIC_AUTH_TOKEN: SECRET }, { fromLoginShell: new Set(['ANTHROPIC_AUTH_TOKEN']) }), 'Auth token (ANTHROPIC_AUTH_TOKEN from your login shell)');
  });

  test('cloud providers, set the way Claude Code reads a flag', () => {
    assert.equal(claudeCredentialSource({ HOME: home(), CLAUDE_CODE_USE_BEDROCK: '1' }), 'Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK from the environment)');
    assert.equal(claudeCredentialSource({ HOME: home(), CLAUDE_CODE_USE_VERTEX: 'true' }, { fromLoginShell: new Set(['CLAUDE_CODE_USE_VERTEX']) }), 'Google Vertex AI (CLAUDE_CODE_USE_VERTEX from your login shell)');
    assert.equal(claudeCredentialSource({ HOME: home(), CLAUDE_CODE_USE_FOUNDRY: 'YES' }), 'Microsoft Foundry (CLAUDE_CODE_USE_FOUNDRY from the environment)');
    assert.equal(claudeCredentialSource({ HOME: home(), CLAUDE_CODE_USE_BEDROCK: '0', CLAUDE_CODE_USE_VERTEX: '' }), null);
  });

  test('Claude Code\'s precedence: cloud provider, auth token, API key, key helper, OAuth token, login', () => {
    const h = home();
    fs.mkdirSync(path.join(h, '.claude'));
    fs.writeFileSync(path.join(h, '.claude', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: SECRET } }));
    fs.writeFileSync(path.join(h, '.claude', 'settings.json'), JSON.stringify({ apiKeyHelper: '~/bin/get-key.sh' }));
    const all = { HOME: h, CLAUDE_CODE_USE_BEDROCK: '1', ANTHROPIC_AUTH_TOKEN: SECRET, ANTHROPIC_API_KEY: SECRET, CLAUDE_CODE_OAUTH_TOKEN: SECRET };
    const order = ['CLAUDE_CODE_USE_BEDROCK', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY', 'apiKeyHelper', 'CLAUDE_CODE_OAUTH_TOKEN', '.credentials.json'];
    const env: Record<string, string> = { ...all };
    for (const expected of order) {
      const sentence = claudeCredentialSource(env, { platform: 'linux' });
      assert.ok(sentence?.includes(expected), `${expected} in ${sentence}`);
      if (expected === 'apiKeyHelper') fs.rmSync(path.join(h, '.claude', 'settings.json'));
      else delete env[expected];
    }
  });

  test('a Claude login: the credentials file (under CLAUDE_CONFIG_DIR when set), shown with ~ for the home directory', () => {
    const h = home();
    fs.mkdirSync(path.join(h, '.claude'));
    fs.writeFileSync(path.join(h, '.claude', '.credentials.json'), '{}');
    assert.equal(claudeCredentialSource({ HOME: h }, { platform: 'linux' }), 'Claude login (~/.claude/.credentials.json)');
    const configDir = path.join(root, 'elsewhere');
    fs.mkdirSync(configDir);
    assert.equal(claudeCredentialSource({ HOME: h, CLAUDE_CONFIG_DIR: configDir }, { platform: 'linux' }), null, 'CLAUDE_CONFIG_DIR replaces ~/.claude');
    fs.writeFileSync(path.join(configDir, '.credentials.json'), '{}');
    assert.equal(claudeCredentialSource({ HOME: h, CLAUDE_CONFIG_DIR: configDir }, { platform: 'linux' }), `Claude login (${path.join(configDir, '.credentials.json')})`);
  });

  test('macOS: a login kept in the Keychain shows as the account in .claude.json', () => {
    const h = home();
    fs.writeFileSync(path.join(h, '.claude.json'), JSON.stringify({ oauthAccount: { emailAddress: 'u@example.com' }, mcpServers: {} }));
    assert.equal(claudeCredentialSource({ HOME: h }, { platform: 'darwin' }), 'Claude login (macOS Keychain)');
    assert.equal(claudeCredentialSource({ HOME: h }, { platform: 'linux' }), null, 'elsewhere the tokens live in the file');
  });

  test('nothing found, unreadable or malformed files: null', () => {
    const h = home();
    assert.equal(claudeCredentialSource({ HOME: h }, { platform: 'darwin' }), null);
    fs.writeFileSync(path.join(h, '.claude.json'), '{not json');
    fs.mkdirSync(path.join(h, '.claude'));
    fs.writeFileSync(path.join(h, '.claude', 'settings.json'), JSON.stringify({ apiKeyHelper: 42 }));
    assert.equal(claudeCredentialSource({ HOME: h }, { platform: 'darwin' }), null);
    assert.equal(claudeCredentialSource({ HOME: h, ANTHROPIC_API_KEY: '' }, { platform: 'darwin' }), null, 'an empty key is no key');
  });

  test('never a secret in the sentence', () => {
    for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']) {
      const sentence = claudeCredentialSource({ HOME: home(), [k]: SECRET });
      assert.ok(sentence && !sentence.includes(SECRET), k);
    }
  });
});
