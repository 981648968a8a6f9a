import { spawn } from 'node:child_process';
import stripAnsi from 'strip-ansi';
import { cancelled } from './exec.ts';

export interface StreamCmdOptions {
  env?: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
  /** Label used in the cancel message ("compose build"). */
  what: string;
  /** Every non-empty output line of stdout and stderr, ANSI stripped, in arrival order per stream. */
  onLine(text: string): void;
}

export interface StreamCmdResult {
  exitCode: number;
  /** The last few KB of output, for the failure's detail. */
  tail: string;
}

const TAIL_MAX = 4_000;
const KILL_GRACE_MS = 2_000;

/**
 * Runs a long command (an image build) streaming its lines. It runs in a process group of its own, because
 * `docker-compose build` (v1) hands the build to a `docker build` child and `docker compose` (v2) runs as a CLI
 * plugin: cancelling kills the whole group (SIGTERM, SIGKILL after 2 s; `taskkill /T` on Windows), and the promise
 * settles only once the command has exited. The daemon drops a build whose client went away.
 * A missing executable rejects with `ENOENT` in `err.code`; a non-zero exit resolves.
 */
export function streamCmd(file: string, args: string[], opts: StreamCmdOptions): Promise<StreamCmdResult> {
  if (opts.signal?.aborted) return Promise.reject(cancelled(opts.what));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    let tail = '';
    let aborted = false;
    let escalate: NodeJS.Timeout | null = null;
    const feed = (stream: NodeJS.ReadableStream): void => {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        // \r: progress that redraws its line (plain BuildKit output has none; other tools may).
        const parts = pending.split(/\r?\n|\r/);
        pending = parts.pop() ?? '';
        for (const raw of parts) emit(raw);
      });
      // A last line without a newline (a build that died mid-line) still counts.
      stream.on('end', () => emit(pending));
    };
    const emit = (raw: string): void => {
      const text = stripAnsi(raw).trimEnd();
      if (!text.trim()) return;
      tail = (tail + text + '\n').slice(-TAIL_MAX);
      opts.onLine(text);
    };
    feed(child.stdout);
    feed(child.stderr);

    const onAbort = (): void => {
      aborted = true;
      killTree(child.pid, 'SIGTERM');
      escalate = setTimeout(() => killTree(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      escalate.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (escalate) clearTimeout(escalate);
    };

    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, sig) => {
      done();
      // The leader is gone; a child it left behind (docker build) must not outlive a cancel.
      if (aborted) killTree(child.pid, 'SIGKILL');
      if (aborted) reject(cancelled(opts.what));
      else resolve({ exitCode: code ?? (sig ? 128 : 1), tail: tail.trim() });
    });
  });
}

/** Signals a process and everything it started (its process group; on Windows, taskkill's tree). */
export function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}
