/** Why a suspended run was ended without its result. */
export type ExpiryReason = 'client_tool_timeout' | 'evicted' | 'shutdown' | 'ended_by_user';

export interface Suspendable {
  /** Ends the run (kills its process) and records why. */
  expire(reason: ExpiryReason): Promise<void>;
}

interface Parked<R> {
  run: R;
  ids: ReadonlySet<string>;
  key: string;
  timer: NodeJS.Timeout;
}

/**
 * Runs waiting for a caller's tool results, by tool call id. A run waits at most `timeoutMs`; beyond `max` the
 * oldest is ended to make room. A parked run holds no run slot (its Claude process idles on the handler), so the
 * bound is memory, not throughput.
 */
export class SuspendedRuns<R extends Suspendable> {
  /** Insertion order = age: the first entry is the oldest. */
  private readonly parked = new Map<R, Parked<R>>();

  constructor(private readonly timeoutMs: number, private readonly max: number) {}

  get size(): number {
    return this.parked.size;
  }

  /** `key`: what a follow-up must match besides a call id (endpoint and model: a run answers where it began). */
  park(run: R, ids: readonly string[], key: string): void {
    this.unpark(run);
    while (this.parked.size >= this.max) {
      const oldest = this.parked.keys().next().value;
      if (oldest === undefined) break;
      this.unpark(oldest);
      void oldest.expire('evicted');
    }
    const timer = setTimeout(() => {
      if (this.unpark(run)) void run.expire('client_tool_timeout');
    }, this.timeoutMs);
    timer.unref();
    this.parked.set(run, { run, ids: new Set(ids), key, timer });
  }

  /** The run waiting for any of these call ids under this key (still waiting); null when none. */
  peek(ids: readonly string[], key: string): R | null {
    for (const p of this.parked.values()) if (p.key === key && ids.some((id) => p.ids.has(id))) return p.run;
    return null;
  }

  /** The run waiting for any of these call ids under this key, removed from the waiting set; null when none. */
  take(ids: readonly string[], key: string): R | null {
    const run = this.peek(ids, key);
    if (run) this.unpark(run);
    return run;
  }

  /** Takes this run out of the waiting set (it goes on now); false when it no longer waits (expired, evicted, taken). */
  claim(run: R): boolean {
    return this.unpark(run);
  }

  /** The waiting run this predicate picks (e.g. by transcript id), or null. */
  find(pick: (run: R) => boolean): R | null {
    for (const run of this.parked.keys()) if (pick(run)) return run;
    return null;
  }

  /** Ends one waiting run now (the dashboard's "End run"); false when it no longer waits. */
  async end(run: R, reason: ExpiryReason): Promise<boolean> {
    if (!this.unpark(run)) return false;
    await run.expire(reason);
    return true;
  }

  /** Ends every waiting run (gateway stop). */
  async closeAll(): Promise<void> {
    const runs = [...this.parked.keys()];
    for (const r of runs) this.unpark(r);
    await Promise.all(runs.map((r) => r.expire('shutdown')));
  }

  private unpark(run: R): boolean {
    const p = this.parked.get(run);
    if (!p) return false;
    clearTimeout(p.timer);
    this.parked.delete(run);
    return true;
  }
}
