import { execa } from 'execa';
import { ComposeError, type OpOptions } from './types.ts';

export interface CmdResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunCmdOptions extends OpOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Label used in timeout/cancel messages ("docker compose up"). */
  what?: string;
}

/** Default deadline of one docker CLI call: nothing the manager runs may hang. */
export const DEFAULT_CMD_TIMEOUT_MS = 30_000;

/**
 * Runs one docker CLI command to completion. Never hangs (timeout, then SIGKILL 2 s after SIGTERM) and honours an
 * AbortSignal. A missing executable rejects with `ENOENT` in `err.code`; a non-zero exit resolves, so callers can
 * read stderr and classify it.
 */
export async function runCmd(file: string, args: string[], opts: RunCmdOptions = {}): Promise<CmdResult> {
  const what = opts.what ?? `${file} ${args[0] ?? ''}`.trim();
  if (opts.signal?.aborted) throw cancelled(what);
  const r = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    env: opts.env,
    extendEnv: true,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? DEFAULT_CMD_TIMEOUT_MS,
    forceKillAfterDelay: 2_000,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    stripFinalNewline: true,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.isCanceled) throw cancelled(what);
  if (r.timedOut) {
    throw new ComposeError({ code: 'timeout', reason: `\`${what}\` did not finish in ${Math.round((opts.timeoutMs ?? DEFAULT_CMD_TIMEOUT_MS) / 1000)} s.`, fix: 'Check that the Docker daemon responds: docker info', detail: tail(String(r.stderr ?? '')) });
  }
  if (r.failed && r.exitCode === undefined) {
    const err = new Error(r.shortMessage) as Error & { code?: string };
    if ('code' in r && typeof r.code === 'string') err.code = r.code;
    throw err;
  }
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

export function cancelled(what: string): ComposeError {
  return new ComposeError({ code: 'cancelled', reason: `\`${what}\` was cancelled.`, fix: 'Run it again.' });
}

export function tail(text: string, max = 2_000): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** A signal that aborts when either the caller's signal aborts or `ms` passes; `dispose` clears the timer. */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; expired: () => boolean; dispose: () => void } {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ac.abort(new Error('timeout')); }, ms);
  timer.unref?.();
  const onAbort = (): void => ac.abort(parent?.reason);
  if (parent?.aborted) ac.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    expired: () => timedOut,
    dispose: () => { clearTimeout(timer); parent?.removeEventListener('abort', onAbort); },
  };
}

/** Sleeps `ms`, rejecting early when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
