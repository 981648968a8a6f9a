/**
 * The login shell's environment, for an app started from Finder, the dock, launchd or a desktop launcher: such a
 * process gets a bare environment (macOS: PATH=/usr/bin:/bin:/usr/sbin:/sbin), so `docker` from Homebrew or Docker
 * Desktop is not found and an ANTHROPIC_API_KEY exported in ~/.zshrc is missing. As editors do, the user's shell is
 * run once at start as an interactive login shell (so it reads ~/.zprofile, ~/.zshrc, ~/.bash_profile, ~/.profile…),
 * and the environment it ends up with is printed between unique markers by `env -0` (NUL-separated, so values with
 * newlines survive), read back, and merged under what the app was given. The app binary is never run as Node: the
 * packaged app has Electron's RunAsNode fuse off (electron-builder.yml).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { killTreeNow } from '../claude/process-tree.ts';

export const SKIP_LOGIN_ENV_VAR = 'CCG_SKIP_LOGIN_ENV';
/** Set while the shell runs, so a slow profile can skip its heavy parts (`[ -n "$CCG_RESOLVING_LOGIN_ENV" ] && return`). */
export const RESOLVING_VAR = 'CCG_RESOLVING_LOGIN_ENV';
export const DEFAULT_TIMEOUT_MS = 10_000;

const MARK_VAR = 'CCG_LOGIN_ENV_MARK';
const MAX_OUTPUT = 8 * 1024 * 1024;

/** Variables of the shell session itself, or of the resolving: never carried over. */
const SESSION_VARS = new Set(['SHLVL', 'PWD', 'OLDPWD', '_', 'TERM', 'PS1', 'PS2', 'PROMPT', 'COLUMNS', 'LINES', 'ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE', RESOLVING_VAR, MARK_VAR]);

export type Env = Record<string, string | undefined>;

/**
 * Whether to ask the login shell at all. Not on Windows (GUI apps there get the user's full environment). Not when
 * started from a terminal, whose shell already ran the profile: a terminal sets TERM, while Finder, the dock, launchd,
 * desktop launchers and XDG autostart do not (SHLVL is no sign: GNOME starts its whole session through a login
 * shell, yet never reads ~/.bashrc). Not when CCG_SKIP_LOGIN_ENV=1.
 */
export function shouldResolveLoginEnv({ platform, env }: { platform: NodeJS.Platform; env: Env }): { resolve: boolean; reason: string } {
  if (platform === 'win32') return { resolve: false, reason: 'Windows apps get the full user environment' };
  if (env[SKIP_LOGIN_ENV_VAR] === '1') return { resolve: false, reason: `${SKIP_LOGIN_ENV_VAR}=1` };
  if (env.TERM) return { resolve: false, reason: 'started from a terminal (TERM is set): its environment is already the login shell\'s' };
  return { resolve: true, reason: 'started outside a terminal' };
}

/** The user's login shell: $SHELL, else the account's shell, else /bin/sh. */
export function defaultLoginShell(env: Env = process.env): string {
  if (env.SHELL) return env.SHELL;
  try {
    const shell = os.userInfo().shell;
    if (shell) return shell;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return '/bin/sh';
}

/** Shells whose command language is not sh-like enough for `"$VAR" -e '…'`. */
const FOREIGN_SHELLS = new Set(['nu', 'pwsh', 'powershell', 'xonsh', 'elvish', 'cmd', 'cmd.exe']);

/**
 * How to make `shell` an interactive login shell that runs one command: `-i -l -c` (sh, bash, zsh, fish, ksh… and any
 * shell not known to differ), `-ic` for csh/tcsh, null for the ones that do not speak sh (their users can set SHELL or
 * CCG_SKIP_LOGIN_ENV).
 */
export function loginShellArgs(shell: string): string[] | null {
  const name = path.basename(shell);
  if (FOREIGN_SHELLS.has(name)) return null;
  if (name === 'tcsh' || name === 'csh') return ['-ic']; // csh takes -l only as its sole flag
  return ['-i', '-l', '-c'];
}

/**
 * The command the shell runs: `<mark><<`, the environment as `env -0` prints it (NUL after each NAME=value; plain
 * `env`, one per line, where -0 is missing), then `>><mark>`. Everything goes through /usr/bin/env (present even
 * where /usr/bin/printf is not, e.g. NixOS); the mark comes in through a variable, so it never appears literally.
 * `;` and `||` only, no `'`, `\` or `!`: the same line works in sh, fish and an interactive tcsh.
 */
const PRINT_ENV = `/usr/bin/env printf "%s<<" "$${MARK_VAR}"; /usr/bin/env -0 || /usr/bin/env; /usr/bin/env printf ">>%s" "$${MARK_VAR}"`;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env`'s lines: a line that does not start a NAME=value continues the previous value (a value with newlines). */
function splitLines(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && NAME.test(line.slice(0, eq))) out.push(line);
    else if (out.length) out[out.length - 1] += `\n${line}`;
  }
  if (out.length && out[out.length - 1].endsWith('\n')) out[out.length - 1] = out[out.length - 1].slice(0, -1);
  return out;
}

/** The environment printed between the markers, or null when they are missing or nothing is between them. */
export function parseMarkedEnv(output: string, mark: string): Record<string, string> | null {
  const begin = `${mark}<<`;
  const start = output.indexOf(begin);
  if (start < 0) return null;
  const end = output.lastIndexOf(`>>${mark}`);
  if (end < start + begin.length) return null;
  const body = output.slice(start + begin.length, end);
  const entries = body.includes('\0') ? body.split('\0') : splitLines(body);
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const k = entry.slice(0, eq);
    const v = entry.slice(eq + 1);
    // what an OS environment cannot hold, and the mark itself
    if (k !== MARK_VAR && !k.includes('\0') && !v.includes('\0')) env[k] = v;
  }
  return Object.keys(env).length ? env : null;
}

function pathEntries(value: string | undefined): string[] {
  // an empty entry means "the current directory": never on PATH
  return (value ?? '').split(':').filter((e) => e !== '');
}

/**
 * The app's environment completed by the login shell's. A variable the app was given (even empty) is kept as given;
 * PATH is the shell's followed by the app's entries the shell's lacks; the shell session's own variables (SHLVL, PWD,
 * OLDPWD, _, TERM…) are left out. `fromShell`: the keys whose value now comes from the shell (PATH when it changed).
 */
export function mergeLoginEnv(current: Env, fromShell: Record<string, string>): { env: Env; fromShell: string[] } {
  const env: Env = { ...current };
  const keys: string[] = [];
  for (const [k, v] of Object.entries(fromShell)) {
    if (SESSION_VARS.has(k) || k === 'PATH' || current[k] !== undefined) continue;
    env[k] = v;
    keys.push(k);
  }
  if (fromShell.PATH !== undefined) {
    const entries = [...new Set([...pathEntries(fromShell.PATH), ...pathEntries(current.PATH)])];
    const merged = entries.join(':');
    if (merged !== current.PATH) {
      env.PATH = merged;
      keys.push('PATH');
    }
  }
  return { env, fromShell: keys };
}

export type LoginEnvResult = { env: Record<string, string>; reason: null } | { env: null; reason: string };

export interface ResolveOptions {
  shell: string;
  timeoutMs?: number;
  /** The environment the shell starts with; process.env by default. */
  env?: Env;
}

/**
 * Runs `shell` as an interactive login shell, detached from any terminal and with stdin closed, and returns the
 * environment it printed. Never throws: on a timeout (the shell and what it started are killed), a non-zero exit, a
 * missing or unreadable output, the env is null and the reason says which.
 */
export function resolveLoginShellEnv({ shell, timeoutMs = DEFAULT_TIMEOUT_MS, env = process.env }: ResolveOptions): Promise<LoginEnvResult> {
  const args = loginShellArgs(shell);
  if (!args) return Promise.resolve({ env: null, reason: `login shell ${shell} is not supported (it does not speak sh)` });
  const mark = randomBytes(16).toString('hex');
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (r: LoginEnvResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const fail = (reason: string): void => done({ env: null, reason });
    let child: ChildProcess;
    try {
      child = spawn(shell, [...args, PRINT_ENV], {
        // detached: a session of its own, so an interactive shell finds no terminal to take over, and the whole
        // group can be killed on a timeout
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
        windowsHide: true,
        env: { ...env, [RESOLVING_VAR]: '1', [MARK_VAR]: mark },
      });
    } catch (err) {
      return fail(`could not start ${shell}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const kill = (): void => {
      if (child.pid && child.exitCode === null && child.signalCode === null) killTreeNow(child.pid);
      child.stdout?.destroy();
    };
    timer = setTimeout(() => {
      kill();
      fail(`${shell} did not finish within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_OUTPUT) {
        kill();
        fail(`${shell} printed more than ${MAX_OUTPUT} bytes`);
      }
    });
    child.on('error', (err) => fail(`could not start ${shell}: ${err.message}`));
    // 'close' waits for stdout to end too, so the whole output is in; a daemon a profile started that keeps stdout
    // open leaves it to the timeout.
    child.on('close', (code, signal) => {
      if (signal) return fail(`${shell} was killed by ${signal}`);
      if (code !== 0) return fail(`${shell} exited with code ${code}`);
      const parsed = parseMarkedEnv(Buffer.concat(chunks).toString('utf8'), mark);
      if (!parsed) return fail(`${shell} printed no environment (a profile may exit early or redirect output)`);
      done({ env: parsed, reason: null });
    });
  });
}

export type LoginEnvOutcome =
  | { status: 'applied'; shell: string; fromLoginShell: Set<string> }
  | { status: 'skipped' | 'failed'; reason: string; fromLoginShell: Set<string> };

/**
 * Once at start, before anything reads the environment: decides, resolves and merges the login shell's environment
 * into `target` (process.env) in place. `fromLoginShell` says which keys came from the shell (for the Health view).
 */
export async function applyLoginShellEnv(
  target: NodeJS.ProcessEnv,
  opts: { platform?: NodeJS.Platform; timeoutMs?: number } = {},
): Promise<LoginEnvOutcome> {
  const decision = shouldResolveLoginEnv({ platform: opts.platform ?? process.platform, env: target });
  if (!decision.resolve) return { status: 'skipped', reason: decision.reason, fromLoginShell: new Set() };
  const shell = defaultLoginShell(target);
  const r = await resolveLoginShellEnv({ shell, env: target, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  if (!r.env) return { status: 'failed', reason: r.reason, fromLoginShell: new Set() };
  const merged = mergeLoginEnv(target, r.env);
  for (const k of merged.fromShell) target[k] = merged.env[k];
  return { status: 'applied', shell, fromLoginShell: new Set(merged.fromShell) };
}
