import { GatewayError } from './openai-errors.ts';

/**
 * Bounds simultaneous Claude runs. Beyond the limit requests wait in a FIFO queue; beyond the queue bound they are
 * refused with 429 + retry-after. A queued request whose client went away leaves the queue.
 */
export class RunLimiter {
  private active = 0;
  private readonly queue: Array<{ grant: () => void; signal: AbortSignal; onAbort: () => void }> = [];

  constructor(private readonly maxActive: number, private readonly maxQueued: number) {}

  get activeCount(): number {
    return this.active;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (this.active < this.maxActive) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new GatewayError(429, `Too many concurrent requests: ${this.active} running and ${this.queue.length} queued (limits MAX_CONCURRENT_RUNS, MAX_QUEUED_RUNS). Retry shortly.`, 'rate_limit_error', 'rate_limit_exceeded', null, { 'retry-after': '5' }),
      );
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', entry.onAbort);
          this.active++;
          resolve(this.releaser());
        },
        onAbort: () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new GatewayError(499, 'client closed the request while it was queued', 'invalid_request_error', 'cancelled'));
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      const next = this.queue.shift();
      if (next) next.grant();
    };
  }
}
