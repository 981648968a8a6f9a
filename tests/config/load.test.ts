import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, isLoopbackHost, loadConfig } from '../../main/config/load.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-cfg-'));

describe('config', () => {
  it('has the documented defaults', () => {
    const dir = tmp();
    const c = loadConfig({ DATA_DIR: dir });
    assert.equal(c.GATEWAY_HOST, '127.0.0.1');
    assert.equal(c.GATEWAY_PORT, 8000);
    assert.deepEqual(c.GATEWAY_API_KEYS, []);
    assert.equal(c.REQUEST_TIMEOUT_S, 300);
    assert.equal(c.SSE_KEEPALIVE_S, 5, 'shorter than the timeouts people give n8n');
    assert.equal(c.CLAUDE_API_RETRIES, '', "Claude Code's own retry count unless set");
    assert.equal(loadConfig({ DATA_DIR: dir, CLAUDE_API_RETRIES: '2' }).CLAUDE_API_RETRIES, 2);
    assert.equal(c.OAUTH_CALLBACK_PORT, 8888);
    assert.equal(c.claudeCwd, path.join(dir, 'workspace'));
  });

  it('layers defaults < JSON file < env', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ GATEWAY_PORT: 9100, CLAUDE_MODEL: 'opus', CLAUDE_ALLOWED_TOOLS: ['Read'] }));
    const c = loadConfig({ DATA_DIR: dir, CLAUDE_MODEL: 'haiku', CLAUDE_ALLOWED_TOOLS: 'Bash, Read ,Grep' });
    assert.equal(c.GATEWAY_PORT, 9100);
    assert.equal(c.CLAUDE_MODEL, 'haiku');
    assert.deepEqual(c.CLAUDE_ALLOWED_TOOLS, ['Bash', 'Read', 'Grep']);
  });

  it('names the bad key', () => {
    const dir = tmp();
    for (const [env, key] of [[{ GATEWAY_PORT: 'eighty' }, 'GATEWAY_PORT'], [{ CLAUDE_PERMISSION_MODE: 'yolo' }, 'CLAUDE_PERMISSION_MODE'], [{ REQUEST_TIMEOUT_S: '-1' }, 'REQUEST_TIMEOUT_S'], [{ CLAUDE_API_RETRIES: 'many' }, 'CLAUDE_API_RETRIES']] as const) {
      assert.throws(() => loadConfig({ DATA_DIR: dir, ...env }), (e: unknown) => e instanceof ConfigError && e.key === key && e.message.includes(key));
    }
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ GATEWAY_PROT: 1 }));
    assert.throws(() => loadConfig({ DATA_DIR: dir }), /unknown config key\(s\): GATEWAY_PROT/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{not json');
    assert.throws(() => loadConfig({ DATA_DIR: dir }), /CONFIG_FILE: .* is not valid JSON/);
  });

  it('refuses a non-loopback bind without an API key', () => {
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), GATEWAY_HOST: '0.0.0.0' }), (e: unknown) => e instanceof ConfigError && e.key === 'GATEWAY_HOST');
    assert.equal(loadConfig({ DATA_DIR: tmp(), GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS: 'k1' }).GATEWAY_HOST, '0.0.0.0');
    assert.ok(isLoopbackHost('localhost') && isLoopbackHost('127.0.0.5') && isLoopbackHost('::1'));
    assert.ok(!isLoopbackHost('192.168.1.2') && !isLoopbackHost('0.0.0.0'));
  });

  it('refuses TRUSTED_PROXY without an API key (behind a proxy every client looks local), naming the keys', () => {
    assert.throws(
      () => loadConfig({ DATA_DIR: tmp(), TRUSTED_PROXY: 'loopback' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'TRUSTED_PROXY' && e.message.includes('GATEWAY_API_KEYS'),
    );
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), TRUSTED_PROXY: 'loopback', GATEWAY_API_KEYS: 'k1' }).TRUSTED_PROXY, ['loopback']);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/headless.ts'], {
      env: { ...process.env, DATA_DIR: tmp(), TRUSTED_PROXY: '127.0.0.1', GATEWAY_API_KEYS: '', GATEWAY_PORT: '0' }, encoding: 'utf8', timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /TRUSTED_PROXY.*GATEWAY_API_KEYS/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it('GATEWAY_ALLOWED_ORIGINS takes exact web origins only (never * or null); GATEWAY_ALLOWED_HOSTS bare names', () => {
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), GATEWAY_ALLOWED_ORIGINS: 'https://chat.example.com, http://10.0.0.5:3000' }).GATEWAY_ALLOWED_ORIGINS, ['https://chat.example.com', 'http://10.0.0.5:3000']);
    for (const bad of ['*', 'null', 'https://chat.example.com/path', 'chat.example.com', 'file://']) {
      assert.throws(() => loadConfig({ DATA_DIR: tmp(), GATEWAY_ALLOWED_ORIGINS: bad }), (e: unknown) => e instanceof ConfigError && e.key === 'GATEWAY_ALLOWED_ORIGINS', bad);
    }
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), GATEWAY_ALLOWED_HOSTS: 'gateway.lan' }).GATEWAY_ALLOWED_HOSTS, ['gateway.lan']);
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), GATEWAY_ALLOWED_HOSTS: 'http://gateway.lan:8000' }), (e: unknown) => e instanceof ConfigError && e.key === 'GATEWAY_ALLOWED_HOSTS');
  });

  it('the headless entry exits with a message naming the bad key and never starts', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/headless.ts'], {
      env: { ...process.env, DATA_DIR: tmp(), GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS: '', GATEWAY_PORT: '0' }, encoding: 'utf8', timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /GATEWAY_HOST/);
    assert.doesNotMatch(r.stdout, /listening/);
    const r2 = spawnSync(process.execPath, ['--import', 'tsx', 'main/headless.ts'], { env: { ...process.env, DATA_DIR: tmp(), GATEWAY_PORT: 'abc' }, encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /GATEWAY_PORT/);
  });
});
