import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyMode, RunPlace } from '../../main/contract/projects.ts';
import { confineRun, dataDirSiblings, modelApiHosts, type PolicyContext } from '../../main/policy/confine.ts';

const tree: Record<string, string[]> = {
  '/data': ['workspace', 'workspaces', 'transcripts', 'admin-token', 'api-keys.json'],
  '/data/workspaces': ['chat-a', 'chat-b'],
};
const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({
  modelApiHosts: ['127.0.0.1'],
  dataDir: '/data',
  claudeConfigDir: null,
  sandboxUnavailable: null,
  listDir: (d) => tree[d] ?? [],
  ...over,
});
const place = (mode: PolicyMode, over: Partial<RunPlace['policy']> = {}, folder = '/data/workspaces/chat-a'): RunPlace => ({
  project: null,
  folder,
  policy: { mode, allow: [], denyRead: [], allowedDomains: [], ...over },
});

describe('confineRun', () => {
  it('full: nothing added, flagged', () => {
    const c = confineRun(place('full'), ctx());
    assert.equal(c.full, true);
    assert.equal(c.settings, null);
    assert.deepEqual(c.extraArgs, {});
    assert.equal(c.tools, undefined, "Claude Code's own tool set");
    assert.deepEqual(c.disallowedTools, []);
    assert.equal(c.refusal, null);
  });

  it('read-only: --restricted, read tools only, writers and Bash denied, secrets unreadable by the file tools', () => {
    const c = confineRun(place('read-only'), ctx());
    assert.equal(c.full, false);
    assert.deepEqual(c.extraArgs, { restricted: null });
    assert.deepEqual(c.tools, ['Read', 'Glob', 'Grep']);
    for (const t of ['Bash', 'Write', 'Edit', 'NotebookEdit', 'WebFetch']) assert.ok(c.disallowedTools.includes(t), t);
    const perms = c.settings?.permissions;
    assert.equal(perms?.blockWritesOutsideWorkingDirectories, true);
    assert.equal(perms?.blockReadsOutsideWorkingDirectories, true);
    assert.ok(perms?.deny?.includes('Read(~/.ssh/**)'));
    assert.equal(c.settings?.sandbox, undefined, 'no commands to sandbox');
  });

  it('sandboxed: every sandbox switch set on purpose', () => {
    const c = confineRun(place('sandboxed', { denyRead: ['/srv/secrets'], allowedDomains: ['registry.npmjs.org'] }), ctx());
    const sb = c.settings?.sandbox;
    assert.ok(sb);
    assert.equal(sb.enabled, true);
    assert.equal(sb.failIfUnavailable, true, 'never silently unconfined');
    assert.equal(sb.allowUnsandboxedCommands, false, 'dangerouslyDisableSandbox refused');
    assert.deepEqual(sb.excludedCommands, []);
    assert.equal(sb.autoAllowBashIfSandboxed, false);
    assert.deepEqual(sb.filesystem?.denyRead, ['~/.ssh', '~/.aws', '~/.claude/.credentials.json', '/srv/secrets', '/data']);
    assert.deepEqual(sb.filesystem?.allowRead, ['/data/workspaces/chat-a'], 'the folder stays readable inside the denied data dir');
    assert.deepEqual(sb.network?.allowedDomains, ['127.0.0.1', 'registry.npmjs.org'], 'model API first, always');
    assert.equal(sb.network?.strictAllowlist, true);
    assert.equal(c.settings?.permissions?.blockWritesOutsideWorkingDirectories, true, 'file tools write only in the folder');
    assert.deepEqual(c.extraArgs, {});
    assert.equal(c.tools, undefined);
    assert.equal(c.refusal, null);
  });

  it('sandboxed: the file tools cannot read other chats, transcripts or keys, but can read the folder', () => {
    const deny = confineRun(place('sandboxed'), ctx()).settings?.permissions?.deny ?? [];
    for (const p of ['//data/workspaces/chat-b', '//data/transcripts', '//data/admin-token', '//data/api-keys.json', '//data/workspace']) {
      assert.ok(deny.includes(`Read(${p}/**)`), p);
    }
    assert.ok(!deny.some((r) => r.includes('chat-a')), 'its own folder');
    assert.ok(!deny.includes('Read(//data/**)'));
  });

  it('sandboxed with the folder outside DATA_DIR: DATA_DIR denied whole, nothing re-allowed', () => {
    const c = confineRun(place('sandboxed', {}, '/home/u/repo'), ctx());
    assert.deepEqual(c.settings?.sandbox?.filesystem?.allowRead, []);
    assert.ok(c.settings?.permissions?.deny?.includes('Read(//data/**)'));
  });

  it('sandboxed where no sandbox can run: refused with the reason, never confined by nothing', () => {
    const c = confineRun(place('sandboxed'), ctx({ sandboxUnavailable: 'bubblewrap (bwrap) is not installed — install with `apt-get install bubblewrap socat`' }));
    assert.match(c.refusal ?? '', /bubblewrap.*apt-get install bubblewrap socat.*never runs unconfined/);
    assert.equal(c.full, false);
  });

  it("CLAUDE_CONFIG_DIR's credentials are a secret too", () => {
    const c = confineRun(place('sandboxed'), ctx({ claudeConfigDir: '/cfg' }));
    assert.ok(c.settings?.sandbox?.filesystem?.denyRead?.includes('/cfg/.credentials.json'));
    assert.ok(c.settings?.permissions?.deny?.includes('Read(//cfg/.credentials.json)'));
  });
});

describe('dataDirSiblings', () => {
  it('lists what lies beside the path down to the folder', () => {
    assert.deepEqual(dataDirSiblings('/data', '/data/workspaces/chat-a', (d) => tree[d] ?? []).sort(), [
      '/data/admin-token', '/data/api-keys.json', '/data/transcripts', '/data/workspace', '/data/workspaces/chat-b',
    ]);
    assert.deepEqual(dataDirSiblings('/data', '/data', (d) => tree[d] ?? []), []);
    assert.deepEqual(dataDirSiblings('/data', '/database/x', (d) => tree[d] ?? []), ['/data'], 'a prefix is not inside');
  });
});

describe('modelApiHosts', () => {
  it("is ANTHROPIC_BASE_URL's host, else the public API", () => {
    assert.deepEqual(modelApiHosts({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000/x' }), ['127.0.0.1']);
    assert.deepEqual(modelApiHosts({ ANTHROPIC_BASE_URL: 'http://[::1]:4000' }), ['::1']);
    assert.deepEqual(modelApiHosts({}), ['api.anthropic.com']);
    assert.deepEqual(modelApiHosts({ ANTHROPIC_BASE_URL: 'not a url' }), ['api.anthropic.com']);
  });
});
