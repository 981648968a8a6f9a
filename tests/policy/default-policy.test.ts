import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../main/config/load.ts';
import { resolveDefaultPolicy, sandboxHealth, type DefaultPolicyConfig } from '../../main/policy/default-policy.ts';
import { checkSandboxSupport, type SandboxSupport } from '../../main/policy/sandbox-support.ts';

const linuxOk: SandboxSupport = { platform: 'linux', unavailable: null, dependencies: { bwrap: '/usr/bin/bwrap', socat: '/usr/bin/socat' } };
const linuxMissing: SandboxSupport = checkSandboxSupport('linux', '/nonexistent');
const windows = checkSandboxSupport('win32');
const cfg = (DEFAULT_POLICY: DefaultPolicyConfig['DEFAULT_POLICY'], CLAUDE_RUNTIME: 'local' | 'docker' = 'local'): DefaultPolicyConfig => ({
  DEFAULT_POLICY, DEFAULT_POLICY_DENY_READ: ['/srv/x'], DEFAULT_POLICY_ALLOWED_DOMAINS: ['pypi.org'], CLAUDE_RUNTIME,
});
const since = new Date(0).toISOString();

describe('checkSandboxSupport', () => {
  it('names what is missing on Linux with the install command', () => {
    assert.equal(linuxMissing.unavailable, 'bubblewrap (bwrap) and socat are not installed — install with `apt-get install bubblewrap socat`');
    assert.deepEqual(linuxMissing.dependencies, { bwrap: null, socat: null });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-path-'));
    fs.writeFileSync(path.join(dir, 'bwrap'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'socat'), 'not executable', { mode: 0o644 });
    const one = checkSandboxSupport('linux', dir);
    assert.equal(one.dependencies.bwrap, path.join(dir, 'bwrap'));
    assert.equal(one.unavailable, 'socat is not installed — install with `apt-get install bubblewrap socat`');
  });

  it('says Windows has no sandbox; macOS has Seatbelt', () => {
    assert.match(windows.unavailable ?? '', /Windows has no Claude Code command sandbox/);
    assert.equal(checkSandboxSupport('darwin').unavailable, null);
  });
});

describe('resolveDefaultPolicy', () => {
  it('auto: sandboxed where the sandbox runs, else full with a warning naming the install command', () => {
    assert.equal(resolveDefaultPolicy(cfg('auto'), linuxOk).policy.mode, 'sandboxed');
    assert.equal(resolveDefaultPolicy(cfg('auto'), linuxOk).warning, null);
    const fallback = resolveDefaultPolicy(cfg('auto'), linuxMissing);
    assert.equal(fallback.policy.mode, 'full');
    assert.match(fallback.warning ?? '', /unconfined.*apt-get install bubblewrap socat/);
    assert.match(resolveDefaultPolicy(cfg('auto'), windows).warning ?? '', /Windows/);
    assert.equal(resolveDefaultPolicy(cfg('auto', 'docker'), linuxOk).policy.mode, 'full', 'the container is the boundary');
    // …for the host only: between chats, nothing confines commands in the container under full.
    assert.match(resolveDefaultPolicy(cfg('auto', 'docker'), linuxOk).warning ?? '', /other chats' folders.*sandboxed.*bubblewrap and socat.*seccomp/);
  });

  it('explicit sandboxed never falls back: it stays sandboxed and warns that runs fail', () => {
    const r = resolveDefaultPolicy(cfg('sandboxed'), linuxMissing);
    assert.equal(r.policy.mode, 'sandboxed');
    assert.match(r.warning ?? '', /Every run fails/);
  });

  it('carries the configured deny paths and domains', () => {
    const r = resolveDefaultPolicy(cfg('read-only'), linuxOk);
    assert.deepEqual(r.policy, { mode: 'read-only', allow: [], denyRead: ['/srv/x'], allowedDomains: ['pypi.org'] });
  });
});

describe('sandboxHealth', () => {
  it('ok with the dependencies in words when the sandbox runs', () => {
    const h = sandboxHealth(resolveDefaultPolicy(cfg('auto'), linuxOk), linuxOk, 'local', since);
    assert.equal(h.status, 'ok');
    assert.equal(h.details?.full, false);
    assert.equal(h.details?.dependencies, 'bwrap: /usr/bin/bwrap, socat: /usr/bin/socat');
  });

  it('error naming the install command when bubblewrap is missing on Linux; full flagged', () => {
    const h = sandboxHealth(resolveDefaultPolicy(cfg('auto'), linuxMissing), linuxMissing, 'local', since);
    assert.equal(h.status, 'error');
    assert.match(h.reason ?? '', /apt-get install bubblewrap socat/);
    assert.equal(h.details?.full, true);
    assert.equal(h.details?.dependencies, 'bwrap: missing, socat: missing');
  });

  it('Windows: a plain fact (stopped), full flagged with the reason', () => {
    const h = sandboxHealth(resolveDefaultPolicy(cfg('auto'), windows), windows, 'local', since);
    assert.equal(h.status, 'stopped');
    assert.equal(h.details?.full, true);
    assert.match(h.reason ?? '', /Windows has no Claude Code command sandbox/);
  });
});

describe('config keys', () => {
  it('DEFAULT_POLICY defaults to auto; bad values and relative deny paths name the key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-cfg-'));
    const c = loadConfig({ DATA_DIR: dir });
    assert.equal(c.DEFAULT_POLICY, 'auto');
    assert.deepEqual(c.DEFAULT_POLICY_DENY_READ, []);
    assert.deepEqual(loadConfig({ DATA_DIR: dir, DEFAULT_POLICY_DENY_READ: '~/.kube, /srv/keys' }).DEFAULT_POLICY_DENY_READ, ['~/.kube', '/srv/keys']);
    assert.throws(() => loadConfig({ DATA_DIR: dir, DEFAULT_POLICY: 'open' }), /DEFAULT_POLICY/);
    assert.throws(() => loadConfig({ DATA_DIR: dir, DEFAULT_POLICY_DENY_READ: 'relative/path' }), /DEFAULT_POLICY_DENY_READ/);
  });
});
