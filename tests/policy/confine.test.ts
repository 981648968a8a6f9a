import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PolicyMode, RunPlace } from '../../main/contract/projects.ts';
import { confineRun, modelApiHosts, runTempDir, type PolicyContext } from '../../main/policy/confine.ts';

const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({
  modelApiHosts: ['127.0.0.1'],
  dataDir: '/data',
  chatsRoot: '/data/workspaces',
  claudeConfigDir: null,
  configFile: null,
  fileGuard: { command: '/usr/bin/env', args: ['node', '/data/run/file-guard.cjs'] },
  sandboxUnavailable: null,
  ...over,
});
const place = (mode: PolicyMode, over: Partial<RunPlace['policy']> = {}, folder = '/data/workspaces/chat-a'): RunPlace => ({
  project: null,
  folder,
  policy: { mode, allow: [], denyRead: [], allowedDomains: [], ...over },
});

describe('confineRun', () => {
  it("sandboxed: the folder's own temp folder (from the folder alone), the temp root unreadable but for it", () => {
    const a = confineRun(place('sandboxed'), ctx({ tempRoot: '/tmp/ccg-tmp-1' })).settings;
    const again = confineRun(place('sandboxed'), ctx({ tempRoot: '/tmp/ccg-tmp-1' })).settings;
    const b = confineRun(place('sandboxed', {}, '/data/workspaces/chat-b'), ctx({ tempRoot: '/tmp/ccg-tmp-1' })).settings;
    const own = runTempDir('/tmp/ccg-tmp-1', '/data/workspaces/chat-a');
    assert.equal(path.dirname(own), '/tmp/ccg-tmp-1');
    assert.deepEqual(a?.env, { CLAUDE_CODE_TMPDIR: own });
    assert.deepEqual(a, again, 'the same settings for the same folder (spares and kept processes match on them)');
    assert.notEqual(b?.env?.CLAUDE_CODE_TMPDIR, own);
    assert.ok(a?.sandbox?.filesystem?.denyRead?.includes('/tmp/ccg-tmp-1'));
    assert.ok(a?.sandbox?.filesystem?.allowRead?.includes(own));
    assert.ok(!a?.sandbox?.filesystem?.denyWrite?.includes('/tmp/ccg-tmp-1'), 'its own temp folder stays writable');
    const guard = a?.hooks?.PreToolUse?.[0]?.hooks[0];
    assert.ok(guard && 'args' in guard && guard.args?.includes(`--own=${own}`) && guard.args.includes('/tmp/ccg-tmp-1'), 'the file guard too');
    assert.equal(confineRun(place('sandboxed'), ctx()).settings?.env, undefined, 'no temp root: Claude Code keeps its own');
  });

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
    assert.deepEqual(sb.filesystem?.denyRead, ['~/.ssh', '~/.aws', '~/.claude/.credentials.json', '/srv/secrets', '~/.claude', '~/.claude.json', '/data', '/data/workspaces']);
    assert.deepEqual(sb.filesystem?.allowRead, ['/data/workspaces/chat-a'], 'the folder stays readable inside the denied data dir');
    assert.deepEqual(sb.network?.allowedDomains, ['registry.npmjs.org'], 'a loopback model API is not opened to commands (every loopback port would be)');
    for (const host of ['localhost', '::1', '127.0.0.2']) {
      assert.deepEqual(confineRun(place('sandboxed'), { ...ctx(), modelApiHosts: [host] }).settings?.sandbox?.network?.allowedDomains, [], host);
    }
    assert.deepEqual(confineRun(place('sandboxed', { allowedDomains: ['registry.npmjs.org'] }), { ...ctx(), modelApiHosts: ['api.anthropic.com'] }).settings?.sandbox?.network?.allowedDomains, ['api.anthropic.com', 'registry.npmjs.org'], 'a remote model API first');
    assert.equal(sb.network?.strictAllowlist, true);
    assert.equal(c.settings?.permissions?.blockWritesOutsideWorkingDirectories, true, 'file tools write only in the folder');
    assert.deepEqual(c.extraArgs, {});
    assert.equal(c.tools, undefined);
    assert.equal(c.refusal, null);
    assert.deepEqual(c.disallowedTools, ['WebSearch'], 'WebSearch cannot be held to the list; WebFetch is, by the guard');
    assert.ok((c.settings?.hooks?.PreToolUse?.[0].hooks[0] as { args?: string[] }).args?.includes('--domain=registry.npmjs.org'));
    assert.deepEqual(confineRun(place('sandboxed'), ctx()).disallowedTools, ['WebSearch', 'WebFetch'], 'no domains: no WebFetch');
    assert.ok(c.settings?.permissions?.ask?.includes('Edit(**/.mcp.json)'), 'a write to .mcp.json always asks');
  });

  it('sandboxed: the file guard keeps the file tools out of the roots but for the folder; state and secrets denied; roots holding the folder need no rule', () => {
    const settings = confineRun(place('sandboxed'), ctx()).settings;
    const perms = settings?.permissions;
    const hook = settings?.hooks?.PreToolUse?.[0];
    assert.match(hook?.matcher ?? '', /Read\|Grep\|Glob/);
    assert.deepEqual((hook?.hooks[0] as { args?: string[] }).args, ['node', '/data/run/file-guard.cjs', '/data/workspaces/chat-a', '/data', '/data/workspaces'], 'the guard: the folder, then the roots');
    const deny = perms?.deny ?? [];
    for (const r of ['Read(~/.claude/**)', 'Read(~/.claude.json)', 'Read(~/.ssh/**)', 'Edit(~/.claude/**)']) assert.ok(deny.includes(r), r);
    assert.ok(!deny.some((r) => r.startsWith('Read(//data')), 'the folder lies in DATA_DIR: no rule could deny DATA_DIR without it');
    const wide = confineRun(place('sandboxed', {}, '/'), ctx()).settings?.permissions?.deny ?? [];
    for (const r of ['Read(//data/**)', 'Edit(//data/**)', 'Read(//data/workspaces/**)']) assert.ok(wide.includes(r), `a folder holding DATA_DIR: ${r}`);
  });

  it('settings depend on the folder alone, never on which other chats exist (a kept process stays claimable)', () => {
    const a = JSON.stringify(confineRun(place('sandboxed'), ctx()).settings);
    assert.ok(!a.includes('chat-b'));
    assert.equal(JSON.stringify(confineRun(place('sandboxed'), ctx()).settings), a);
  });

  it('sandboxed commands: data dir, chats root, state denied for reads; the folder re-allowed; credentials unset', () => {
    const fsb = confineRun(place('sandboxed', {}, '/cwd/chats/chat-a'), ctx({ chatsRoot: '/cwd/chats', claudeConfigDir: '/cfg', configFile: '/etc/ccg.json' })).settings?.sandbox;
    for (const p of ['/data', '/cwd/chats', '~/.claude', '~/.claude.json', '/cfg', '/cfg/.claude.json', '/etc/ccg.json']) assert.ok(fsb?.filesystem?.denyRead?.includes(p), p);
    assert.deepEqual(fsb?.filesystem?.allowRead, ['/cwd/chats/chat-a']);
    for (const p of ['/data', '~/.claude', '/cfg', '/etc/ccg.json']) assert.ok(fsb?.filesystem?.denyWrite?.includes(p), p);
    assert.ok(!fsb?.filesystem?.denyWrite?.includes('/cwd/chats'), "an ancestor of the folder is not write-denied (only the folder is writable anyway)");
    assert.ok(fsb?.credentials?.envVars?.some((v) => v.name === 'ANTHROPIC_API_KEY' && v.mode === 'deny'));
  });

  it('a project folder holding DATA_DIR (a project at $HOME): DATA_DIR denied for writes too, nothing carved', () => {
    const c = confineRun(place('sandboxed', {}, '/'), ctx());
    assert.ok(c.settings?.sandbox?.filesystem?.denyWrite?.includes('/data'));
    assert.deepEqual(c.settings?.sandbox?.filesystem?.allowRead, []);
  });

  it('sandboxed with the folder outside DATA_DIR and the chats root: both denied whole, nothing re-allowed', () => {
    const c = confineRun(place('sandboxed', {}, '/home/u/repo'), ctx());
    assert.deepEqual(c.settings?.sandbox?.filesystem?.allowRead, []);
    assert.ok(c.settings?.permissions?.deny?.includes('Read(//data/**)'));
  });

  it('sandboxed where no sandbox can run: refused with the reason, never confined by nothing', () => {
    const c = confineRun(place('sandboxed'), ctx({ sandboxUnavailable: 'bubblewrap (bwrap) is not installed — install with `apt-get install bubblewrap socat`' }));
    assert.match(c.refusal ?? '', /bubblewrap.*apt-get install bubblewrap socat.*never runs unconfined/);
    assert.equal(c.full, false);
  });

  it("CLAUDE_CONFIG_DIR is Claude Code's state too", () => {
    const c = confineRun(place('sandboxed'), ctx({ claudeConfigDir: '/cfg' }));
    assert.ok(c.settings?.sandbox?.filesystem?.denyRead?.includes('/cfg'));
    assert.ok(c.settings?.permissions?.deny?.includes('Read(//cfg/**)'));
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
