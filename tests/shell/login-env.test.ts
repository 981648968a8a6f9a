/**
 * The login shell's environment for an app started from Finder, the dock or a desktop launcher: when it is resolved,
 * how the marked output is read (hostile content included), how it merges into the app's own environment, and the
 * runner against real shells (a fake login shell with a banner and a profile, a hanging one, a failing one, bash).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../main/claude/process-tree.ts';
import {
  applyLoginShellEnv,
  loginShellArgs,
  mergeLoginEnv,
  parseMarkedEnv,
  resolveLoginShellEnv,
  shouldResolveLoginEnv,
} from '../../main/shell/login-env.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('shouldResolveLoginEnv', () => {
  test('resolved on macOS and Linux when started outside a terminal', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      assert.equal(shouldResolveLoginEnv({ platform, env: { PATH: '/usr/bin:/bin', HOME: '/Users/u' } }).resolve, true, platform);
    }
  });

  test('skipped on Windows, from a terminal (TERM set), and when CCG_SKIP_LOGIN_ENV=1', () => {
    const cases = [
      { platform: 'win32', env: { PATH: 'C:\\Windows' } },
      { platform: 'darwin', env: { TERM: 'xterm-256color' } },
      { platform: 'linux', env: { TERM: 'dumb', SHLVL: '2' } },
      { platform: 'linux', env: { CCG_SKIP_LOGIN_ENV: '1' } },
    ] as const;
    for (const c of cases) {
      const d = shouldResolveLoginEnv(c);
      assert.equal(d.resolve, false, JSON.stringify(c));
      assert.ok(d.reason.length > 0);
    }
  });

  test('SHLVL alone does not mean a terminal (GNOME starts its session through a login shell)', () => {
    assert.equal(shouldResolveLoginEnv({ platform: 'linux', env: { SHLVL: '1' } }).resolve, true);
    assert.equal(shouldResolveLoginEnv({ platform: 'linux', env: { TERM: '' } }).resolve, true);
    assert.equal(shouldResolveLoginEnv({ platform: 'linux', env: { CCG_SKIP_LOGIN_ENV: '0' } }).resolve, true);
  });
});

describe('loginShellArgs', () => {
  test('interactive login for sh-like shells, fish and unknown ones, -ic for csh, none for shells that do not speak sh', () => {
    for (const s of ['/bin/zsh', '/bin/bash', '/usr/local/bin/fish', '/bin/sh', '/bin/dash', '/bin/ksh', '/opt/zsh-5.9']) assert.deepEqual(loginShellArgs(s), ['-i', '-l', '-c'], s);
    assert.deepEqual(loginShellArgs('/bin/tcsh'), ['-ic']);
    assert.deepEqual(loginShellArgs('/bin/csh'), ['-ic']);
    for (const s of ['/opt/homebrew/bin/nu', '/usr/local/bin/pwsh', '/usr/bin/xonsh', '/usr/bin/elvish']) assert.equal(loginShellArgs(s), null, s);
  });
});

/** What the printer in the login shell writes: `env -0` between `<mark><<` and `>><mark>`. */
function markedEnvOutput(mark: string, env: Record<string, string>): string {
  return `${mark}<<${Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join('')}CCG_LOGIN_ENV_MARK=${mark}\0>>${mark}`;
}

describe('parseMarkedEnv', () => {
  const mark = 'f00dfeed0123456789abcdef';
  const env = { PATH: '/opt/bin:/usr/bin', MULTI: 'line one\nline two\r\n', EQ: 'a=b==c', UNI: 'ünïcødé ✓ 🚀', EMPTY: '', QUOTE: '"\'`$(x)' };

  test('reads what sits between the markers, after a banner and before logout noise; the mark does not come back', () => {
    const out = `Last login: Mon on ttys001\nWelcome! PATH=/evil\n${markedEnvOutput(mark, env)}\nlogout\n`;
    assert.deepEqual(parseMarkedEnv(out, mark), env);
  });

  test('a banner that prints the bare mark (an env dump in a profile) does not confuse it', () => {
    const out = `CCG_LOGIN_ENV_MARK=${mark}\n${mark}\n${markedEnvOutput(mark, env)}`;
    assert.deepEqual(parseMarkedEnv(out, mark), env);
  });

  test('plain `env` output (no -0): one NAME=value per line, a value\'s further lines kept', () => {
    const out = `${mark}<<A=1\nMULTI=line one\nline two\nB=x=y\n>>${mark}`;
    assert.deepEqual(parseMarkedEnv(out, mark), { A: '1', MULTI: 'line one\nline two', B: 'x=y' });
  });

  test('missing markers, a cut-off output, or nothing between them: null', () => {
    const full = markedEnvOutput(mark, env);
    assert.equal(parseMarkedEnv('', mark), null);
    assert.equal(parseMarkedEnv('A=1\0', mark), null);
    assert.equal(parseMarkedEnv(full.slice(0, full.length - 5), mark), null);
    assert.equal(parseMarkedEnv(full, 'another-mark'), null);
    assert.equal(parseMarkedEnv(`${mark}<<>>${mark}`, mark), null);
    assert.equal(parseMarkedEnv(`${mark}<<no equals sign>>${mark}`, mark), null);
  });

  test('entries without a name are dropped, the rest kept', () => {
    const out = `${mark}<<OK=yes\0=y\0noequals\0>>${mark}`;
    assert.deepEqual(parseMarkedEnv(out, mark), { OK: 'yes' });
  });
});

describe('mergeLoginEnv', () => {
  test('fills in what is missing, never overrides what the app was given (an empty value included)', () => {
    const current = { HOME: '/Users/u', ANTHROPIC_API_KEY: 'from-app', EMPTY_ON_PURPOSE: '', PATH: '/usr/bin:/bin' };
    const shell = { HOME: '/elsewhere', ANTHROPIC_API_KEY: 'from-shell', EMPTY_ON_PURPOSE: 'x', DOCKER_HOST: 'unix:///x.sock', PATH: '/usr/bin:/bin' };
    const { env, fromShell } = mergeLoginEnv(current, shell);
    assert.equal(env.HOME, '/Users/u');
    assert.equal(env.ANTHROPIC_API_KEY, 'from-app');
    assert.equal(env.EMPTY_ON_PURPOSE, '');
    assert.equal(env.DOCKER_HOST, 'unix:///x.sock');
    assert.deepEqual(fromShell, ['DOCKER_HOST']);
  });

  test('PATH: the shell\'s first, then the app\'s entries it lacks; no duplicates, no empty (= current directory) entries', () => {
    const { env, fromShell } = mergeLoginEnv(
      { PATH: '/usr/bin:/bin:/Applications/X.app/bin::' },
      { PATH: '/opt/homebrew/bin:/usr/local/bin:/usr/bin::/bin:/opt/homebrew/bin' },
    );
    assert.equal(env.PATH, '/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/Applications/X.app/bin');
    assert.deepEqual(fromShell, ['PATH']);
  });

  test('PATH from the shell when the app had none; unchanged PATH is not reported', () => {
    assert.equal(mergeLoginEnv({}, { PATH: '/a:/b' }).env.PATH, '/a:/b');
    assert.deepEqual(mergeLoginEnv({ PATH: '/a:/b' }, { PATH: '/a' }).fromShell, []);
  });

  test('shell-session variables do not leak in', () => {
    const shell = { SHLVL: '2', PWD: '/Users/u', OLDPWD: '/', _: '/usr/bin/node', TERM: 'dumb', PS1: '$ ', ELECTRON_RUN_AS_NODE: '1', CCG_RESOLVING_LOGIN_ENV: '1', KEEP: 'me' };
    const { env, fromShell } = mergeLoginEnv({}, shell);
    assert.deepEqual(fromShell, ['KEEP']);
    for (const k of Object.keys(shell)) if (k !== 'KEEP') assert.equal(env[k], undefined, k);
  });

  test('does not change its input', () => {
    const current = { PATH: '/x' };
    mergeLoginEnv(current, { PATH: '/y', A: 'b' });
    assert.deepEqual(current, { PATH: '/x' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The runner, against real shells.

const posix = process.platform !== 'win32';

/** Alive and not a zombie waiting for a parent (init in a container may never reap). */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

const until = (what: string, cond: () => boolean, ms = 10_000): Promise<void> => waitUntil(cond, { ms, what });

describe('resolveLoginShellEnv on real shells', { skip: posix ? false : 'POSIX shells' }, () => {
  let dir: string;
  /** A login shell in the making: checks it is asked for -i -l -c, prints a banner, sources its profile, runs the command. */
  function fakeShell(name: string, profile: string): string {
    const profileFile = path.join(dir, `${name}.profile`);
    fs.writeFileSync(profileFile, profile);
    const shell = path.join(dir, name);
    fs.writeFileSync(shell, [
      '#!/bin/sh',
      '[ "$1" = -i ] && [ "$2" = -l ] && [ "$3" = -c ] || { echo "unexpected args: $*" >&2; exit 64; }',
      'echo "Welcome to fakeshell. Today: {\\"PATH\\": \\"/banner\\"} <<>>"',
      `. '${profileFile}'`,
      'eval "$4"',
      '',
    ].join('\n'), { mode: 0o755 });
    return shell;
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-login-env-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('returns what the profile exported, past the banner', async () => {
    const shell = fakeShell('ok', [
      'export CCG_TEST_FROM_PROFILE=yes',
      'export PATH="/opt/ccg-test/bin:$PATH"',
      `export CCG_TEST_TRICKY='two\nlines = and ✓'`,
      '',
    ].join('\n'));
    const r = await resolveLoginShellEnv({ shell, timeoutMs: 10_000 });
    assert.equal(r.reason, null);
    assert.ok(r.env);
    assert.equal(r.env.CCG_TEST_FROM_PROFILE, 'yes');
    assert.equal(r.env.CCG_TEST_TRICKY, 'two\nlines = and ✓');
    assert.equal(r.env.PATH?.split(':')[0], '/opt/ccg-test/bin');
    assert.equal(r.env.CCG_RESOLVING_LOGIN_ENV, '1', 'a profile can tell it is being resolved');
    assert.equal(r.env.CCG_LOGIN_ENV_MARK, undefined, 'the mark does not come back');
    assert.equal(r.env.CCG_LOGIN_ENV_NODE, undefined);
  });

  test('the app binary is never run as Node: no ELECTRON_RUN_AS_NODE reaches the shell or what it starts', async () => {
    const seen = path.join(dir, 'seen-env');
    const shell = fakeShell('no-node', `env > '${seen}'\nexport CCG_TEST_SEEN=1\n`);
    const r = await resolveLoginShellEnv({ shell, timeoutMs: 10_000 });
    assert.equal(r.reason, null);
    assert.equal(r.env?.CCG_TEST_SEEN, '1');
    const env = fs.readFileSync(seen, 'utf8');
    assert.ok(!/^ELECTRON_RUN_AS_NODE=/m.test(env), 'ELECTRON_RUN_AS_NODE is not set for the shell');
    assert.ok(!/^CCG_LOGIN_ENV_NODE=/m.test(env), 'no executable handed over to run as Node');
    assert.equal(r.env?.ELECTRON_RUN_AS_NODE, undefined);
  });

  test('a shell that hangs: null after the timeout, and nothing it started is left running', async () => {
    const shellPid = path.join(dir, 'hang.shell.pid');
    const sleepPid = path.join(dir, 'hang.sleep.pid');
    const shell = fakeShell('hang', `echo $$ > '${shellPid}'\nsleep 300 &\necho $! > '${sleepPid}'\nwait\n`);
    const r = await resolveLoginShellEnv({ shell, timeoutMs: 1_500 });
    assert.equal(r.env, null);
    assert.match(r.reason ?? '', /did not finish within 1\.5 s/);
    const pids = [shellPid, sleepPid].map((f) => Number(fs.readFileSync(f, 'utf8').trim()));
    assert.ok(pids.every((p) => p > 1));
    await until('the shell and its sleep to be gone', () => !pids.some(running));
  });

  test('a shell that exits 1: null with the exit code', async () => {
    const shell = fakeShell('fail', 'exit 1\n');
    const r = await resolveLoginShellEnv({ shell, timeoutMs: 10_000 });
    assert.equal(r.env, null);
    assert.match(r.reason ?? '', /exited with code 1/);
  });

  test('a shell that runs the command but prints no markers: null, parse failure named', async () => {
    const shell = fakeShell('mute', 'exec >/dev/null\n');
    const r = await resolveLoginShellEnv({ shell, timeoutMs: 10_000 });
    assert.equal(r.env, null);
    assert.match(r.reason ?? '', /no environment/);
  });

  test('a shell that does not exist, or one that does not speak sh: null with a reason, no throw', async () => {
    const missing = await resolveLoginShellEnv({ shell: path.join(dir, 'nope'), timeoutMs: 10_000 });
    assert.equal(missing.env, null);
    assert.match(missing.reason ?? '', /could not start/);
    const invalid = await resolveLoginShellEnv({ shell: '/bin/s\u0000h', timeoutMs: 10_000 });
    assert.equal(invalid.env, null);
    assert.match(invalid.reason ?? '', /could not start/);
    const nu = await resolveLoginShellEnv({ shell: '/usr/bin/nu', timeoutMs: 10_000 });
    assert.equal(nu.env, null);
    assert.match(nu.reason ?? '', /not supported/);
  });

  const bash = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
  test('real bash as a login shell: ~/.bash_profile is read', { skip: bash ? false : 'no bash' }, async () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, '.bash_profile'), 'echo "motd: hello"\nexport CCG_TEST_FROM_BASH_PROFILE=1\nexport PATH="$HOME/bin:$PATH"\n');
    const r = await resolveLoginShellEnv({ shell: bash, timeoutMs: 10_000, env: { HOME: home, PATH: '/usr/bin:/bin' } });
    assert.equal(r.reason, null);
    assert.equal(r.env?.CCG_TEST_FROM_BASH_PROFILE, '1');
    assert.equal(r.env?.PATH?.split(':')[0], path.join(home, 'bin'));
  });

  test('applyLoginShellEnv: resolves, merges into the given env, reports the keys it added', async () => {
    const shell = fakeShell('apply', 'export CCG_TEST_APPLIED=yes\nexport CCG_TEST_GIVEN=from-shell\nexport PATH="/opt/ccg-apply:$PATH"\n');
    const target: NodeJS.ProcessEnv = { SHELL: shell, HOME: dir, PATH: '/usr/bin:/bin', CCG_TEST_GIVEN: 'from-app' };
    const outcome = await applyLoginShellEnv(target, { platform: 'linux', timeoutMs: 10_000 });
    assert.equal(outcome.status, 'applied');
    assert.equal(target.CCG_TEST_APPLIED, 'yes');
    assert.equal(target.CCG_TEST_GIVEN, 'from-app');
    assert.equal(target.PATH?.split(':')[0], '/opt/ccg-apply');
    assert.ok(outcome.fromLoginShell.has('CCG_TEST_APPLIED') && outcome.fromLoginShell.has('PATH'));
    assert.ok(!outcome.fromLoginShell.has('CCG_TEST_GIVEN'));
  });

  test('applyLoginShellEnv: skipped from a terminal, and a failure leaves the env as it was', async () => {
    const target: NodeJS.ProcessEnv = { SHELL: fakeShell('unused', 'export X_SHOULD_NOT=1\n'), TERM: 'xterm', PATH: '/usr/bin' };
    const skipped = await applyLoginShellEnv(target, { platform: 'linux' });
    assert.equal(skipped.status, 'skipped');
    assert.equal(target.X_SHOULD_NOT, undefined);
    const failing: NodeJS.ProcessEnv = { SHELL: fakeShell('fail2', 'exit 3\n'), PATH: '/usr/bin' };
    const before = { ...failing };
    const failed = await applyLoginShellEnv(failing, { platform: 'linux' });
    assert.equal(failed.status, 'failed');
    assert.match(failed.reason, /code 3/);
    assert.deepEqual(failing, before);
  });
});
