import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SANDBOXED_PROJECT_POLICY, type RunPlace } from '../../main/contract/projects.ts';
import { RunPolicy } from '../../main/policy/run-policy.ts';

describe('RunPolicy.confine: one computation per run place, never shared between runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-run-policy-'));
  const chatsRoot = path.join(dir, 'workspace', 'chats');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ANTHROPIC_BASE_URL: 'https://api.anthropic.com' };
  const policy = new RunPolicy({
    config: { DEFAULT_POLICY: 'sandboxed', DEFAULT_POLICY_DENY_READ: [], DEFAULT_POLICY_ALLOWED_DOMAINS: [], CLAUDE_RUNTIME: 'local', DATA_DIR: path.join(dir, 'data'), claudeCwd: path.join(dir, 'workspace') },
    claudeEnv: () => env,
    support: { platform: 'linux', unavailable: null, dependencies: {} },
    chatsRoot,
    fileGuard: null,
    tempRoot: path.join(dir, 'tmp'),
  });
  const chat = (id: string, over: Partial<RunPlace> = {}): RunPlace => ({ project: null, folder: path.join(chatsRoot, id), policy: SANDBOXED_PROJECT_POLICY, ...over });
  const sandbox = (place: RunPlace) => policy.confine(place).settings?.sandbox;

  it('the refusal check and the run options of one place share one confinement', () => {
    const place = chat('a');
    assert.equal(policy.confine(place), policy.confine(place));
  });

  it("another chat's run never gets this chat's folder carved out of the chats root", () => {
    const a = chat('a');
    const b = chat('b');
    assert.deepEqual(sandbox(a)?.filesystem?.allowRead?.filter((p) => p.startsWith(chatsRoot)), [a.folder]);
    assert.deepEqual(sandbox(b)?.filesystem?.allowRead?.filter((p) => p.startsWith(chatsRoot)), [b.folder]);
  });

  it('the same folder under another policy, or after the model API moved, is confined anew', () => {
    const folder = chat('c').folder;
    assert.equal(policy.confine(chat('c')).mode, 'sandboxed');
    assert.equal(policy.confine({ project: 'p', folder, policy: { ...SANDBOXED_PROJECT_POLICY, mode: 'read-only' } }).mode, 'read-only');
    assert.ok(sandbox(chat('c'))?.network?.allowedDomains?.includes('api.anthropic.com'));
    env.ANTHROPIC_BASE_URL = 'https://proxy.example.com';
    const hosts = sandbox(chat('c'))?.network?.allowedDomains ?? [];
    assert.ok(hosts.includes('proxy.example.com') && !hosts.includes('api.anthropic.com'), hosts.join(', '));
  });
});
