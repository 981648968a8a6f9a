/**
 * Keeps the last reading of Claude Code's sign-in status: at start, after any sign-in or sign-out, after a run
 * failed for auth reasons, and every 5 minutes. Requests are refused early only while the last reading KNOWS Claude
 * is signed out; a failed reading is "unknown" and lets runs go ahead (they report their own failure).
 */
import type { ClaudeSignInState } from '../contract/claude-auth-api.ts';
import type { AuthReading, AuthStatusJson } from './auth-status.ts';

export interface AuthSnapshot {
  state: ClaudeSignInState;
  /** The last successful reading (null before the first, or after invalidate()). */
  status: AuthStatusJson | null;
  /** Why the state is unknown: the reading failed, is still running, or the credential just changed. */
  reason: string | null;
  checkedAt: string | null;
  /** When `state` last changed. */
  since: string;
  /** A run's credential was refused by the model API since the last change or answer. */
  rejected: { message: string; at: string } | null;
}

export const AUTH_REFRESH_MS = 5 * 60_000;
/** After a failed reading (container still starting, binary busy), the next comes sooner than the 5-minute one. */
export const AUTH_RETRY_MS = 30_000;

export class ClaudeAuthMonitor {
  private snap: AuthSnapshot;
  private running: Promise<AuthSnapshot> | null = null;
  private queued: Promise<AuthSnapshot> | null = null;
  /** Bumped by invalidate(): a reading begun before a credential change must not be taken for one after it. */
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly read: () => Promise<AuthReading>,
    private readonly intervalMs = AUTH_REFRESH_MS,
    private readonly retryMs = AUTH_RETRY_MS,
  ) {
    this.snap = { state: 'unknown', status: null, reason: 'not checked yet', checkedAt: null, since: new Date().toISOString(), rejected: null };
  }

  snapshot(): AuthSnapshot {
    return this.snap;
  }

  knownSignedOut(): boolean {
    return this.snap.state === 'signed_out';
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The first reading, then one every intervalMs (the timer never keeps the process alive). */
  async start(): Promise<AuthSnapshot> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.intervalMs);
      this.timer.unref();
    }
    return this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = null;
    this.retryTimer = null;
  }

  /**
   * Reads the status again. While a reading runs, callers share ONE follow-up reading that starts after it (the
   * running one may have begun before what made them ask).
   */
  refresh(): Promise<AuthSnapshot> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = null;
        return this.refresh();
      });
      return this.queued;
    }
    const generation = this.generation;
    this.running = this.read()
      .catch((err: unknown): AuthReading => ({ ok: false, reason: err instanceof Error ? err.message : String(err) }))
      .then((reading) => {
        if (generation === this.generation) this.apply(reading);
        return this.snap;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** The credential changed: unknown (runs may go ahead) until the next reading, which the caller starts. */
  invalidate(reason: string): void {
    this.generation++;
    this.update({ state: 'unknown', status: null, reason, rejected: null });
  }

  /** A run was refused for its credential ("Invalid API key"): shown until the credential changes or a run answers. */
  noteRejected(message: string): void {
    this.update({ rejected: { message, at: new Date().toISOString() } });
  }

  noteAnswered(): void {
    if (this.snap.rejected) this.update({ rejected: null });
  }

  private apply(reading: AuthReading): void {
    const checkedAt = new Date().toISOString();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!reading.ok) {
      // Only while started: a monitor nobody started (or one stopped) reads only when asked.
      if (this.timer) {
        this.retryTimer = setTimeout(() => void this.refresh(), this.retryMs);
        this.retryTimer.unref();
      }
      return this.update({ state: 'unknown', status: null, reason: reading.reason, checkedAt });
    }
    const state: ClaudeSignInState = reading.status.loggedIn ? 'signed_in' : 'signed_out';
    this.update({ state, status: reading.status, reason: null, checkedAt });
  }

  private update(patch: Partial<AuthSnapshot>): void {
    const before = this.snap;
    const next = { ...before, ...patch };
    if (next.state !== before.state) next.since = new Date().toISOString();
    this.snap = next;
    if (JSON.stringify({ ...before, checkedAt: null }) !== JSON.stringify({ ...next, checkedAt: null })) for (const cb of this.listeners) cb();
  }
}
