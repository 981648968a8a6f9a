/**
 * The one place health is known: a registry of component checks, the one poll of the container's state, and a
 * `change` event when anything a person would see changed. /health, the control API's health view and the tray all
 * read it; nothing else asks `docker compose ps` on a timer.
 */
import { EventEmitter } from 'node:events';
import type { ComponentHealth } from '../contract/control-api.ts';
import type { ComposeManager, ComposeStatus } from '../compose/types.ts';

export interface HealthMonitorEvents {
  change: [];
}

/** What a person sees of a component: a change of any of these is a change. */
function signature(components: readonly ComponentHealth[]): string {
  return JSON.stringify(components.map((c) => [c.name, c.status, c.reason ?? null]));
}

export class HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  private readonly checks = new Map<string, () => ComponentHealth>();
  private last = '';
  private compose: Pick<ComposeManager, 'status'> | null = null;
  private composeLast: ComposeStatus | null = null;
  private composeReading: Promise<ComposeStatus> | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** Adds (or replaces) a component; checks are cheap reads of state the parts keep, never I/O. */
  register(name: string, check: () => ComponentHealth): void {
    this.checks.set(name, check);
  }

  components(): ComponentHealth[] {
    return [...this.checks.values()].map((check) => check());
  }

  /** Re-reads the components and emits `change` when what they say differs from the last reading. */
  notify(): void {
    const sig = signature(this.components());
    if (sig === this.last) return;
    this.last = sig;
    this.emit('change');
  }

  /** The container's compose project (docker runtime): polled here, and only here. */
  watchCompose(compose: Pick<ComposeManager, 'status'>): void {
    this.compose = compose;
  }

  /** The last reading of the container's state (null before the first, or without the docker runtime). */
  composeStatus(): ComposeStatus | null {
    return this.composeLast;
  }

  /** Reads the container's state now; concurrent callers (the poll, the Docker page, an operation's end) share one read. */
  refreshCompose(): Promise<ComposeStatus> {
    const compose = this.compose;
    if (!compose) return Promise.reject(new Error('no container: Claude Code runs locally (CLAUDE_RUNTIME=local)'));
    this.composeReading ??= compose
      .status({ timeoutMs: 15_000 })
      .then((st) => {
        this.composeLast = st;
        this.notify();
        return st;
      })
      .finally(() => {
        this.composeReading = null;
      });
    return this.composeReading;
  }

  /** Starts the poll: every component re-read each tick (a change event when one moved), the container every tick too. */
  start(intervalMs = 5_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.compose) void this.refreshCompose().catch(() => undefined);
      else this.notify();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
