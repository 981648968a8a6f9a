/**
 * The subscription sign-in driver against the real `claude auth login` (the bundled binary, a fresh HOME): the
 * link is surfaced, a pasted code reaches the process, the link Claude Code tried to open returns to it, cancel and
 * the deadline leave no process, one login at a time.
 *
 * Not covered here: the token exchange itself. It needs Anthropic's servers (platform.claude.com), which these
 * machines cannot reach, so every login here ends in Claude Code's own "Couldn't log in: …" after the code was taken.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClaudeAccount } from '../../main/claude/account.ts';
import { localClaudeCommand } from '../../main/claude/auth-status.ts';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { RUN_MARKER } from '../../main/claude/docker-spawn.ts';
import { localLoginLauncher } from '../../main/claude/login-process.ts';
import { isAlive } from '../../main/claude/process-tree.ts';
import { LoginInProgress, NotWaitingForCode, InvalidCode, type SubscriptionLogin } from '../../main/claude/subscription-login.ts';
import type { ClaudeLoginSnapshot } from '../../main/contract/claude-auth-api.ts';

const binary = resolveClaudeBinary();
const BOGUS_CODE = 'BogusAuthorizationCode0123456789#BogusState0123456789';

/** Live processes (Linux /proc) carrying this login's marker in their environment: Claude Code and anything it started. */
function processesWithMarker(marker: string): number[] {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(`${RUN_MARKER}=${marker}`)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Resolves with the first snapshot (current or later) that passes `test`. */
function waitFor(login: SubscriptionLogin, test: (s: ClaudeLoginSnapshot) => boolean): Promise<ClaudeLoginSnapshot> {
  const now = login.snapshot();
  if (now && test(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const on = (s: ClaudeLoginSnapshot): void => {
      if (!test(s)) return;
      login.off('change', on);
      resolve(s);
    };
    login.on('change', on);
  });
}

describe('subscription sign-in with the real claude auth login (local runtime)', { skip: binary ? false : 'no Claude Code binary' }, () => {
  let dir: string;
  let account: ClaudeAccount;
  let login: SubscriptionLogin;
  const logLines: string[] = [];

  const makeAccount = (timeoutMs?: number): ClaudeAccount => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'BROWSER']) delete env[k];
    return new ClaudeAccount({
      dataDir: dir,
      baseEnv: env,
      runtime: 'local',
      command: localClaudeCommand(binary),
      info: (m) => logLines.push(m),
      warn: (m) => logLines.push(m),
      login: { launcher: localLoginLauncher({ binary }), ...(timeoutMs ? { timeoutMs } : {}) },
    });
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-claude-login-'));
    account = makeAccount();
    assert.ok(account.login);
    login = account.login;
  });
  after(async () => {
    await login?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the sign-in link is surfaced; a second start while it runs is refused', async () => {
    const { login: first } = login.start();
    assert.equal(first.step, 'started');
    const shown = await login.whenShown();
    assert.ok(shown);
    assert.equal(shown.step, 'waiting_for_browser', JSON.stringify(shown));
    assert.deepEqual(shown.events.map((e) => e.step), ['started', 'waiting_for_browser']);
    if (process.platform === 'win32') {
      assert.match(shown.url ?? '', /^https:\/\/claude\.ai\/oauth\/authorize\?/);
    } else {
      // The page Claude Code tried to open (caught by the BROWSER recorder) returns to its listener on this machine;
      // the printed link, whose page shows a code to paste, is the fallback.
      assert.equal(shown.returnsByItself, true);
      assert.match(shown.url ?? '', /^https:\/\/claude\.(ai|com)\/.*oauth\/authorize\?.*redirect_uri=http%3A%2F%2Flocalhost%3A\d+%2Fcallback/);
      assert.match(shown.codeUrl ?? '', /^https:\/\/claude\.ai\/oauth\/authorize\?/);
    }
    assert.throws(() => login.start('console'), LoginInProgress);
    assert.equal(login.snapshot()?.loginId, first.loginId, 'the refused start changed nothing');
  });

  test('a code that is not one: refused here without reaching Claude Code, or by Claude Code, which then waits again', async () => {
    assert.throws(() => login.submitCode('two words'), InvalidCode);
    login.submitCode('bogus'); // one piece, but not `<code>#<state>`: Claude Code says so and reads again
    const again = await waitFor(login, (s) => s.step === 'waiting_for_browser' && s.notice !== null);
    assert.match(again.notice ?? '', /doesn't look like the full code/);
    assert.deepEqual(again.events.map((e) => e.step), ['started', 'waiting_for_browser', 'code_received', 'waiting_for_browser']);
    const proc = login.currentProcess();
    assert.ok(proc?.pid && isAlive(proc.pid), 'still waiting for a code');
  });

  test('the pasted code is written to the process: Claude Code takes it to the token exchange (unreachable here) and fails with its reason', async () => {
    const proc = login.currentProcess();
    assert.ok(proc?.pid);
    const before = login.snapshot();
    login.submitCode(` ${BOGUS_CODE}\n`);
    assert.equal(login.snapshot()?.step, 'code_received');
    assert.throws(() => login.submitCode(BOGUS_CODE), NotWaitingForCode);
    const end = await login.whenDone();
    assert.ok(end && before);
    assert.equal(end.loginId, before.loginId);
    assert.equal(end.step, 'failed');
    // Only the exchange with Anthropic's servers can say this: the code went through Claude Code's stdin.
    assert.match(end.reason ?? '', /^Couldn't log in: .*\(exit code 1\)$/);
    assert.equal(isAlive(proc.pid), false);
    assert.deepEqual(processesWithMarker(proc.marker), []);
    assert.equal(login.currentProcess(), null);
    for (const text of [JSON.stringify(end), ...logLines]) assert.ok(!text.includes('BogusAuthorizationCode') && !text.includes('BogusState'), text);
  });

  test("the page Claude Code tried to open returns to its own listener (the browser's redirect, simulated)", { skip: process.platform === 'win32' ? 'no BROWSER recorder on Windows' : false }, async () => {
    login.start();
    const shown = await login.whenShown();
    assert.ok(shown?.url && shown.returnsByItself);
    const u = new URL(shown.url);
    const redirect = new URL(u.searchParams.get('redirect_uri') ?? '');
    assert.equal(redirect.hostname, 'localhost');
    // What the browser does after approval: back to Claude Code with a code and the state it sent.
    const res = await fetch(`${redirect.href}?code=BrowserCode0123456789&state=${encodeURIComponent(u.searchParams.get('state') ?? '')}`);
    await res.text();
    const end = await login.whenDone();
    assert.equal(end?.step, 'failed');
    assert.match(end?.reason ?? '', /^Couldn't log in: /);
  });

  test('cancel stops it and leaves no process', async () => {
    login.start();
    const shown = await login.whenShown();
    assert.equal(shown?.step, 'waiting_for_browser');
    const proc = login.currentProcess();
    assert.ok(proc?.pid && isAlive(proc.pid));
    assert.equal(login.cancel(), true);
    const end = await login.whenDone();
    assert.equal(end?.step, 'failed');
    assert.equal(end?.reason, 'cancelled');
    assert.equal(isAlive(proc.pid), false);
    assert.deepEqual(processesWithMarker(proc.marker), []);
    assert.equal(login.cancel(), false, 'nothing left to cancel');
    // A new login may start now.
    login.start();
    await login.whenShown();
    login.cancel();
    await login.whenDone();
  });

  test('the deadline ends a login nobody finishes, and its process', async () => {
    const short = makeAccount(3_000).login;
    assert.ok(short);
    short.start();
    await short.whenShown();
    const proc = short.currentProcess();
    assert.ok(proc?.pid);
    const end = await short.whenDone();
    assert.equal(end?.step, 'failed');
    assert.match(end?.reason ?? '', /^timed out/);
    assert.equal(isAlive(proc.pid), false);
    assert.deepEqual(processesWithMarker(proc.marker), []);
  });
});
