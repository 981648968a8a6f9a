/**
 * Graceful quit, as a plan plus a small runner. Order matters: first nothing new gets in, then running requests get a
 * bounded time to finish, then whatever Claude processes remain are killed, then the OAuth listener closes, then the
 * rest. Containers are deliberately absent: they stay as the user set them (up or down), quitting the tray app must
 * not take down a runtime other clients may use. Every step has a bound, so quitting always ends.
 */

export type QuitStepId = 'stop-accepting' | 'drain' | 'stop-claude' | 'stop-oauth' | 'stop-services';

export interface QuitStep {
  id: QuitStepId;
  label: string;
  /** The step is abandoned (and the sequence moves on) after this long. */
  timeoutMs: number;
}

export interface QuitOptions {
  /** Requests running when quit was asked for. */
  activeRuns: number;
  /** How long running requests may take to finish. */
  graceMs: number;
}

export const DEFAULT_GRACE_MS = 10_000;
const STEP_BOUNDS = { 'stop-accepting': 2_000, 'stop-claude': 5_000, 'stop-oauth': 2_000, 'stop-services': 5_000 } as const;

export function planQuit(opts: QuitOptions): QuitStep[] {
  const steps: QuitStep[] = [{ id: 'stop-accepting', label: 'Stop accepting new requests', timeoutMs: STEP_BOUNDS['stop-accepting'] }];
  if (opts.activeRuns > 0 && opts.graceMs > 0) {
    steps.push({ id: 'drain', label: `Let ${opts.activeRuns} running request(s) finish`, timeoutMs: opts.graceMs });
  }
  steps.push(
    { id: 'stop-claude', label: 'Stop remaining Claude processes', timeoutMs: STEP_BOUNDS['stop-claude'] },
    { id: 'stop-oauth', label: 'Stop the OAuth callback listener', timeoutMs: STEP_BOUNDS['stop-oauth'] },
    { id: 'stop-services', label: 'Stop the control API and flush transcripts', timeoutMs: STEP_BOUNDS['stop-services'] },
  );
  return steps;
}

/** Past this the process exits whatever is still pending (a safety net for a step that ignores its abort signal). */
export function quitDeadlineMs(plan: readonly QuitStep[], marginMs = 2_000): number {
  return plan.reduce((sum, s) => sum + s.timeoutMs, marginMs);
}

export type QuitHandler = (signal: AbortSignal) => Promise<void>;
export type QuitHandlers = Partial<Record<QuitStepId, QuitHandler>>;

export interface QuitStepResult {
  id: QuitStepId;
  outcome: 'done' | 'timeout' | 'failed' | 'no-handler';
  ms: number;
  error?: string;
}

export interface QuitReport {
  steps: QuitStepResult[];
  /** True when every planned step finished in time (steps without a handler count as done: nothing to stop). */
  clean: boolean;
}

/** Runs the plan in order; a step that fails or overruns is recorded and the next one still runs. Never throws. */
export async function runQuit(
  plan: readonly QuitStep[],
  handlers: QuitHandlers,
  opts: { now?: () => number; onStep?: (r: QuitStepResult) => void } = {},
): Promise<QuitReport> {
  const now = opts.now ?? Date.now;
  const steps: QuitStepResult[] = [];
  for (const step of plan) {
    const started = now();
    const handler = handlers[step.id];
    let result: QuitStepResult;
    if (!handler) {
      result = { id: step.id, outcome: 'no-handler', ms: 0 };
    } else {
      const ac = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), step.timeoutMs);
      });
      try {
        const outcome = await Promise.race([handler(ac.signal).then(() => 'done' as const), timeout]);
        if (outcome === 'timeout') ac.abort(new Error(`${step.id} timed out after ${step.timeoutMs} ms`));
        result = { id: step.id, outcome, ms: now() - started };
      } catch (err) {
        result = { id: step.id, outcome: 'failed', ms: now() - started, error: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }
    steps.push(result);
    opts.onStep?.(result);
  }
  return { steps, clean: steps.every((s) => s.outcome === 'done' || s.outcome === 'no-handler') };
}

/** Resolves when `activeRuns()` reaches 0, or when `signal` aborts (the drain step's bound). */
export function waitForIdle(activeRuns: () => number, signal: AbortSignal, pollMs = 100): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (activeRuns() <= 0 || signal.aborted) {
        clearInterval(timer);
        signal.removeEventListener('abort', check);
        resolve();
      }
    };
    const timer = setInterval(check, pollMs);
    signal.addEventListener('abort', check);
    check();
  });
}

export type QuitPhase = 'running' | 'quitting' | 'done';

/**
 * One quit at a time: the first request (tray Quit, SIGTERM, window close) runs the sequence; a second request while it
 * runs is a user insisting (second Ctrl-C) and exits at once; requests after it finished are ignored.
 */
export class QuitController {
  #phase: QuitPhase = 'running';
  #done: Promise<void> | null = null;

  constructor(
    private readonly sequence: () => Promise<void>,
    private readonly exit: (code: number) => void,
  ) {}

  get phase(): QuitPhase {
    return this.#phase;
  }

  request(): Promise<void> {
    if (this.#phase === 'quitting') {
      this.exit(130);
      return this.#done ?? Promise.resolve();
    }
    if (this.#phase === 'done') return this.#done ?? Promise.resolve();
    this.#phase = 'quitting';
    this.#done = this.sequence()
      .catch(() => undefined)
      .then(() => {
        this.#phase = 'done';
        this.exit(0);
      });
    return this.#done;
  }
}
