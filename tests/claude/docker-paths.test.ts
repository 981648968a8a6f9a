import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Settings } from '@anthropic-ai/claude-agent-sdk';
import { containerPathOf, containerSettings, deniedContainerPaths, hostPathsLeft, type ContainerPathMap } from '../../main/claude/docker-paths.ts';
import { pathMap, settingsForContainer } from '../../main/claude/docker-runtime.ts';
import { confineRun, type PolicyContext } from '../../main/policy/confine.ts';

// The default layout: CLAUDE_CWD = DATA_DIR/workspace, mounted at /workspace; one project at /projects/site.
const map: ContainerPathMap = {
  mounts: [
    { host: '/home/u/.local/share/ccg/workspace', container: '/workspace' },
    { host: '/home/u/code/site', container: '/projects/site' },
  ],
  homes: [
    { host: '/home/u', container: '~' },
    { host: '/opt/claude-config', container: '~/.claude' },
  ],
};
const DATA = '/home/u/.local/share/ccg';
const CHATS = `${DATA}/workspace/chats`;

describe('host paths → container paths', () => {
  it('a chat folder, the chats root and a project folder map exactly, globs kept', () => {
    assert.equal(containerPathOf(`${CHATS}/2026-12-06-aaaaaaaaaaaa`, map), '/workspace/chats/2026-12-06-aaaaaaaaaaaa');
    assert.equal(containerPathOf(`${CHATS}/2026-12-06-aaaaaaaaaaaa/**`, map), '/workspace/chats/2026-12-06-aaaaaaaaaaaa/**');
    assert.equal(containerPathOf(CHATS, map), '/workspace/chats');
    assert.equal(containerPathOf(`${DATA}/workspace`, map), '/workspace');
    assert.equal(containerPathOf('/home/u/code/site/src/a.ts', map), '/projects/site/src/a.ts');
    assert.equal(containerPathOf('/home/u/code/site-other', map), null, 'a sibling with a common prefix is not inside');
    assert.equal(containerPathOf('/tmp/elsewhere', map), null);
  });

  it('a denied folder holding the workspace denies the whole mount; ~ paths map to the container home', () => {
    assert.deepEqual(deniedContainerPaths(DATA, map), ['~/.local/share/ccg', '/workspace']);
    assert.deepEqual(deniedContainerPaths('/home/u/.ssh', map), ['~/.ssh']);
    // Claude Code's own state: the container's counterparts (every chat's session files live in its home volume).
    assert.deepEqual(deniedContainerPaths('/home/u/.claude/projects', map), ['~/.claude/projects']);
    assert.deepEqual(deniedContainerPaths('/opt/claude-config/projects/**', map), ['~/.claude/projects/**']);
    assert.deepEqual(containerSettings({ permissions: { deny: ['Read(~/.claude.json)', 'Read(~/.claude/projects/**)'] }, sandbox: { filesystem: { denyRead: ['~/.claude/projects'] } } }, map).settings,
      { permissions: { deny: ['Read(~/.claude.json)', 'Read(~/.claude/projects/**)'] }, sandbox: { filesystem: { denyRead: ['~/.claude/projects'] } } }, '~ paths stay: Claude resolves them to the container home');
    assert.deepEqual(deniedContainerPaths('/opt/claude-config/.credentials.json', map), ['~/.claude/.credentials.json'], 'Claude config dir → ~/.claude');
    const why: string[] = [];
    assert.deepEqual(deniedContainerPaths('/srv/secret', map, (r) => why.push(r)), []);
    assert.match(why[0] ?? '', /not in the container/);
  });

  it('settings: deny rules and sandbox lists in container terms, grants only when exact, the rest untouched', () => {
    const s: Settings = {
      permissions: {
        deny: [`Read(//${DATA.slice(1)})`, `Read(//${CHATS.slice(1)}/2026-12-06-bbbbbbbbbbbb/**)`, 'Read(~/.ssh)', 'Read(//srv/secret)', 'Bash(rm:*)'],
        allow: ['Bash(npm test:*)', `Edit(//${CHATS.slice(1)}/2026-12-06-aaaaaaaaaaaa/**)`, 'Edit(//tmp/host-only/**)'],
        additionalDirectories: ['/home/u/code/site', '/tmp/host-only'],
        blockWritesOutsideWorkingDirectories: true,
      },
      sandbox: {
        enabled: true,
        filesystem: { denyRead: ['~/.ssh', DATA, '/tmp/host-tmp'], allowRead: [`${CHATS}/2026-12-06-aaaaaaaaaaaa`], allowWrite: ['/tmp/host-tmp'] },
        network: { allowedDomains: ['127.0.0.1'] },
      },
    };
    const { settings, dropped } = containerSettings(s, map);
    assert.deepEqual(settings.permissions?.deny, [
      'Read(~/.local/share/ccg)', 'Read(//workspace)', 'Read(//workspace/**)',
      'Read(//workspace/chats/2026-12-06-bbbbbbbbbbbb/**)', 'Read(~/.ssh)', 'Bash(rm:*)',
    ]);
    assert.deepEqual(settings.permissions?.allow, ['Bash(npm test:*)', 'Edit(//workspace/chats/2026-12-06-aaaaaaaaaaaa/**)']);
    assert.deepEqual(settings.permissions?.additionalDirectories, ['/projects/site']);
    assert.equal(settings.permissions?.blockWritesOutsideWorkingDirectories, true);
    assert.deepEqual(settings.sandbox?.filesystem, { denyRead: ['~/.ssh', '~/.local/share/ccg', '/workspace'], allowRead: ['/workspace/chats/2026-12-06-aaaaaaaaaaaa'], allowWrite: [] });
    assert.deepEqual(settings.sandbox?.network, { allowedDomains: ['127.0.0.1'] });
    assert.deepEqual(dropped.map((d) => `${d.key} ${d.value}`).sort(), [
      'permissions.additionalDirectories /tmp/host-only',
      'permissions.allow /tmp/host-only/**',
      'permissions.deny /srv/secret',
      'sandbox.filesystem.allowWrite /tmp/host-tmp',
      'sandbox.filesystem.denyRead /tmp/host-tmp',
    ].sort());
    assert.deepEqual(hostPathsLeft(settings, [DATA, '/home/u/code', '/tmp', '/srv']), []);
    assert.ok(hostPathsLeft(s, [DATA]).length > 0, 'the safety net sees host paths in the untranslated settings');
  });

  it('what confine emits for a chat (sandboxed, read-only) names no host path once translated', () => {
    const ctx: PolicyContext = { modelApiHosts: ['127.0.0.1'], dataDir: DATA, claudeConfigDir: '/opt/claude-config', sandboxUnavailable: null, chatsRoot: CHATS, configFile: null, fileGuard: null };
    for (const mode of ['sandboxed', 'read-only'] as const) {
      const c = confineRun({ project: null, folder: `${CHATS}/2026-12-06-aaaaaaaaaaaa`, policy: { mode, allow: [], denyRead: ['/home/u/private'], allowedDomains: [] } }, ctx);
      assert.ok(c.settings);
      assert.ok(hostPathsLeft(c.settings, [DATA, '/home/u', '/opt']).length > 0, `${mode}: confine speaks host paths`);
      const out = settingsForContainer(c.settings, map);
      assert.deepEqual(hostPathsLeft(out, [DATA, '/home/u', '/opt']), [], `${mode}: ${JSON.stringify(out)}`);
      const deny = out.permissions?.deny ?? [];
      assert.ok(!deny.some((r) => r.includes('2026-12-06-aaaaaaaaaaaa')), `${mode}: never its own folder`);
      assert.ok(deny.includes('Read(~/.claude/.credentials.json)') && deny.includes('Read(~/private)'));
      if (mode === 'sandboxed') {
        assert.deepEqual(out.sandbox?.filesystem?.allowRead, ['/workspace/chats/2026-12-06-aaaaaaaaaaaa']);
        assert.ok(out.sandbox?.filesystem?.denyRead?.includes('/workspace'), 'DATA_DIR holds the workspace: the mount is denied, the own folder allowed back');
        assert.equal(out.sandbox?.enableWeakerNestedSandbox, true, 'bubblewrap in an unprivileged container cannot mount /proc');
      } else assert.equal(out.sandbox, undefined);
    }
  });

  it('pathMap: the workspace mount, extra mounts, the host home and CLAUDE_CONFIG_DIR from the run env', () => {
    const m = pathMap({ hostWorkspace: '/w/', baseEnv: { HOME: '/home/x', CLAUDE_CONFIG_DIR: '/c/cfg' }, mounts: () => [{ host: '/p', container: '/projects/p' }] });
    assert.deepEqual(m, {
      mounts: [{ host: '/w', container: '/workspace' }, { host: '/p', container: '/projects/p' }],
      homes: [{ host: '/home/x', container: '~' }, { host: '/c/cfg', container: '~/.claude' }],
    });
  });
});
