/**
 * `claude auth login` where Claude runs, as one small handle: the local binary in its own process group, or
 * `docker exec -i` into the runtime container (docker-spawn.ts's DockerClaudeProcess: the variables a run passes,
 * a marker on every process, kill inside the container). Plain pipes: the command needs no terminal.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { createBrowserRecorder } from './browser-recorder.ts';
import { DockerClaudeProcess, RUN_MARKER, type DockerExecOptions } from './docker-spawn.ts';
import type { ProcessTracker } from './orphans.ts';
import { killTree } from './process-tree.ts';

type Env = Record<string, string | undefined>;

export interface LoginExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LoginProcess {
  /** Host pid: Claude Code itself (local) or its docker client (docker). */
  readonly pid: number | null;
  /** The value of CCG_RUN_ID in the environment of every process of this login (finding leftovers). */
  readonly marker: string;
  write(text: string): void;
  /** Settles once the process (and its output) ended. */
  readonly exited: Promise<LoginExit>;
  /** Stops it and everything it started (SIGTERM, then SIGKILL). */
  kill(): void;
}

export interface LoginLaunch {
  args: string[];
  env: Env;
  onStdout(text: string): void;
  onStderr(text: string): void;
  /** The page Claude Code asked to open (local runtime with a browser recorder). */
  onBrowserUrl(url: string): void;
}

export interface LoginLauncher {
  readonly runtime: 'local' | 'docker';
  /** Whether Claude Code's own "open the browser" is caught (then its URL returns to Claude Code by itself). */
  readonly catchesBrowser: boolean;
  /** Rejects when it cannot start at all (no binary). */
  launch(o: LoginLaunch): Promise<LoginProcess>;
}

/** The local runtime: the binary Claude runs use, with the runtime's environment. */
export function localLoginLauncher(o: { binary: string | null; tracker?: ProcessTracker }): LoginLauncher {
  return {
    runtime: 'local',
    catchesBrowser: process.platform !== 'win32',
    async launch(l) {
      if (!o.binary) throw new Error('Claude Code binary not found');
      const marker = crypto.randomUUID();
      const recorder = createBrowserRecorder();
      // Without a recorder (Windows) BROWSER is left as it is: Claude Code may then open the page itself.
      const env = { ...l.env, ...recorder?.env, [RUN_MARKER]: marker };
      const child = spawn(o.binary, l.args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
      recorder?.onUrl(l.onBrowserUrl);
      const exited = new Promise<LoginExit>((resolve) => {
        child.once('error', (err) => {
          l.onStderr(`${err.message}\n`);
          resolve({ code: null, signal: null });
        });
        child.once('close', (code, signal) => resolve({ code, signal }));
      });
      void exited.then(() => recorder?.close());
      if (child.pid) o.tracker?.track(child);
      child.stdin.on('error', () => undefined); // EPIPE after it exited: the exit reports it
      child.stdout.setEncoding('utf8').on('data', l.onStdout);
      child.stderr.setEncoding('utf8').on('data', l.onStderr);
      return {
        pid: child.pid ?? null,
        marker,
        write: (text) => void child.stdin.write(text),
        exited,
        kill: () => killTree(child),
      };
    },
  };
}

/** The docker runtime: inside the running container (a container that is down fails the login with the reason). */
export function dockerLoginLauncher(o: Omit<DockerExecOptions, 'onStderr'>): LoginLauncher {
  return {
    runtime: 'docker',
    // Claude Code's listener is on the container's loopback: the browser could not come back to it anyway, and
    // with no display in the container it opens nothing; the printed link (code to paste) is the way.
    catchesBrowser: false,
    async launch(l) {
      // Asked first so a container that is down fails the login with the compose manager's reason and fix alone.
      const id = await o.container();
      // kill() below is the only way it is stopped: the SDK's signal is not used here.
      const p = new DockerClaudeProcess({ command: 'claude', args: l.args, env: l.env, signal: new AbortController().signal }, { ...o, container: async () => id }, { onStderr: (line) => l.onStderr(`${line}\n`) });
      p.stdout.setEncoding('utf8').on('data', l.onStdout);
      p.stdin.on('error', () => undefined);
      const exited = new Promise<LoginExit>((resolve) => p.once('exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })));
      return {
        get pid() {
          return p.pid ?? null;
        },
        marker: p.runId,
        write: (text) => void p.stdin.write(text),
        exited,
        kill: () => void p.kill('SIGTERM'),
      };
    },
  };
}
