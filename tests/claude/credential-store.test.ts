/**
 * The stored Claude credential: 0600 file, value through the SecretBox, never in what may be shown, and a file
 * written by one box handled by another (headless → desktop upgrade; desktop → headless unreadable).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ClaudeCredentialStore } from '../../main/claude/credential-store.ts';
import type { SecretBox } from '../../main/claude/secret-box.ts';

const KEY = 'sk-ant-api03-StoredKeyValue0123456789-WXYZ';
const TOKEN = 'sk-ant-oat01-StoredTokenValue0123456789-T0K3';

/** Stands in for safeStorage: a reversible transform whose output never contains the plain bytes. */
const xorBox: SecretBox = {
  kind: 'test-xor',
  encrypt: (p) => Buffer.from(Buffer.from(p, 'utf8').map((b) => b ^ 0x5a)),
  decrypt: (d) => Buffer.from(d.map((b) => b ^ 0x5a)).toString('utf8'),
};

describe('ClaudeCredentialStore', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-cred-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('nothing stored: no env, no info', () => {
    const s = new ClaudeCredentialStore({ dataDir: dir });
    assert.deepEqual(s.env(), {});
    assert.equal(s.info(), null);
  });

  test('an API key: 0600 file, ANTHROPIC_API_KEY for runs, info with a hint and no value; survives a restart', () => {
    const s = new ClaudeCredentialStore({ dataDir: dir });
    s.save('api_key', KEY);
    assert.equal(fs.statSync(s.file).mode & 0o777, 0o600);
    assert.deepEqual(s.env(), { ANTHROPIC_API_KEY: KEY });
    const info = s.info();
    assert.equal(info?.kind, 'api_key');
    assert.equal(info?.hint, 'sk-ant-api03-…WXYZ');
    assert.equal(info?.protection, 'file-permissions');
    assert.ok(!JSON.stringify(info).includes('StoredKeyValue'));
    assert.deepEqual(new ClaudeCredentialStore({ dataDir: dir }).env(), { ANTHROPIC_API_KEY: KEY });
  });

  test('an OAuth token replaces the key and goes to CLAUDE_CODE_OAUTH_TOKEN; clear forgets it', () => {
    const s = new ClaudeCredentialStore({ dataDir: dir });
    s.save('api_key', KEY);
    s.save('oauth_token', TOKEN);
    assert.deepEqual(s.env(), { CLAUDE_CODE_OAUTH_TOKEN: TOKEN });
    assert.equal(s.clear(), true);
    assert.deepEqual(s.env(), {});
    assert.equal(fs.existsSync(s.file), false);
    assert.equal(s.clear(), false);
  });

  test('with an encrypting box the file never holds the plain value', () => {
    const s = new ClaudeCredentialStore({ dataDir: dir, box: xorBox });
    s.save('api_key', KEY);
    assert.ok(!fs.readFileSync(s.file).includes(Buffer.from('StoredKeyValue')));
    assert.deepEqual(new ClaudeCredentialStore({ dataDir: dir, box: xorBox }).env(), { ANTHROPIC_API_KEY: KEY });
  });

  test('saved headless, opened with an encrypting box: moved into it', () => {
    new ClaudeCredentialStore({ dataDir: dir }).save('api_key', KEY);
    const s = new ClaudeCredentialStore({ dataDir: dir, box: xorBox });
    assert.deepEqual(s.env(), { ANTHROPIC_API_KEY: KEY });
    assert.equal(s.info()?.protection, 'test-xor');
    assert.ok(!fs.readFileSync(s.file).includes(Buffer.from('StoredKeyValue')));
  });

  test('saved by another box, or damaged: unusable, said once without the value, not deleted', () => {
    new ClaudeCredentialStore({ dataDir: dir, box: xorBox }).save('api_key', KEY);
    const problems: string[] = [];
    const s = new ClaudeCredentialStore({ dataDir: dir, onProblem: (m) => problems.push(m) });
    assert.deepEqual(s.env(), {});
    assert.equal(s.info()?.readable, false);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /test-xor/);
    assert.ok(fs.existsSync(s.file));
    fs.writeFileSync(s.file, '{"version":1,');
    const damaged = new ClaudeCredentialStore({ dataDir: dir, onProblem: (m) => problems.push(m) });
    assert.equal(damaged.info(), null);
    assert.match(problems[1], /damaged/);
  });
});
