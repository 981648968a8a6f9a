import type { ChildProcess } from 'node:child_process';
import {
  prewarm,
  type Options,
  type Query,
  type SDKMessage,
  type SDKUserMessage,
  type SpareProcess,
} from '@anthropic-ai/claude-agent-sdk';
import type { Config } from '../config/schema.ts';
import { log, redact } from '../log.ts';
import { isAlive, killTree, spawnInOwnGroup } from './process-tree.ts';
import type { RunSpec } from './runtime.ts';

/**
 * What a spare fixes for its whole life (Claude Code reads it at start-up): a run can claim a spare only when its
 * own values are these. The environment is the pool's base env; a run with extra env always starts cold.
 */
export interface SpareProfile {
  allowedTools: string[];
  disallowedTools: string[];
  maxTurns: number;
}

export interface SparePoolOptions {
  /** Spares kept parked (CLAUDE_SPARE_PROCESSES); 0 disables the pool. Each holds roughly 250 MB. */
  size: number;
  profile: SpareProfile;
  /** The same base environment a cold run gets (ANTHROPIC_*, HOME, CLAUDE_CONFIG_DIR…). */
  baseEnv: NodeJS.ProcessEnv;
  /** Claude Code executable; the SDK finds its bundled one when null. */
  binary: string | null;
  /**
   * How long a request waits for a spare that is still starting before it starts cold instead. A starting spare
   * is at least as far along as a cold start would be, so waiting for it never costs more than this.
   */
  claimWaitMs?: number;
  /** Limit on one spare's start-up (prewarm's initialize timeout). */
  initializeTimeoutMs?: number;
}

export interface SparePoolStats {
  size: number;
  parked: number;
  starting: number;
  /** Runs served by a spare. */
  claims: number;
  /** Claims the process refused (project settings, dead spare…): those runs started cold. */
  fallbacks: number;
  /** Eligible runs that found no spare ready and started cold. */
  misses: number;
  lastError: string | null;
  /** Set when the pool gave up (claims keep being refused): runs all start cold. */
  disabled: string | null;
}

/** A cold run, started by the caller's own path (used when there is no spare or a claim is refused). */
export type ColdStart = () => AsyncIterable<SDKMessage>;

type SlotState = 'starting' | 'parked' | 'claimed' | 'gone';

/** One pre-started Claude Code process and the plumbing a claim re-points at its request. */
class Slot {
  state: SlotState = 'starting';
  spare: SpareProcess | null = null;
  child: ChildProcess | null = null;
  /** Promised to a waiting request while still starting. */
  reserved = false;
  /** The spare's own abort: kills its process group through our spawn. */
  readonly abort = new AbortController();
  /** Where stderr lines go: the claiming request's onStderr, else the debug log. */
  stderrSink: ((line: string) => void) | null = null;
  readonly ready: Promise<SpareProcess | null>;
  resolveReady!: (s: SpareProcess | null) => void;

  constructor() {
    this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
  }

  kill(): void {
    this.abort.abort();
    if (this.child) killTree(this.child);
  }
}

const BACKOFF_MAX_MS = 60_000;
/** Consecutive refused claims after which the pool stops starting spares. */
const MAX_REFUSALS = 3;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function* userTurns(messages: RunSpec['messages']): AsyncGenerator<SDKUserMessage> {
  for (const message of messages) yield { type: 'user', message, parent_tool_use_id: null };
}

/** The profile every default-config run uses (RunExecutor builds its RunSpec from the same keys). */
export function spareProfileFromConfig(config: Pick<Config, 'CLAUDE_ALLOWED_TOOLS' | 'CLAUDE_DISALLOWED_TOOLS' | 'CLAUDE_MAX_TURNS'>): SpareProfile {
  return { allowedTools: config.CLAUDE_ALLOWED_TOOLS, disallowedTools: config.CLAUDE_DISALLOWED_TOOLS, maxTurns: config.CLAUDE_MAX_TURNS };
}

/**
 * Keeps `size` Claude Code processes started ahead of time (Agent SDK `prewarm()`) for the default profile, so a
 * request skips Claude's ≈1.5 s start-up: it claims a parked spare with its cwd, model, permission mode and system
 * prompt, and the pool starts a replacement once that run's first output arrives. A claim the process refuses
 * falls back to a cold start, so callers never see the difference except in latency. Spares run through our own spawn (own process group), so
 * cancelling a claimed run kills its whole tree, exactly like a cold one.
 */
export class SparePool {
  private readonly slots = new Set<Slot>();
  private readonly size: number;
  private readonly claimWaitMs: number;
  private readonly initializeTimeoutMs: number;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private counters = { claims: 0, fallbacks: 0, misses: 0 };
  private lastError: string | null = null;
  private refusals = 0;
  private disabledReason: string | null = null;

  constructor(private readonly opts: SparePoolOptions) {
    this.size = Math.max(0, Math.floor(opts.size));
    this.claimWaitMs = opts.claimWaitMs ?? 3_000;
    this.initializeTimeoutMs = opts.initializeTimeoutMs ?? 30_000;
  }

  /** Starts filling the pool (idempotent). */
  start(): void {
    this.fill();
  }

  stats(): SparePoolStats {
    let parked = 0;
    let starting = 0;
    for (const s of this.slots) {
      if (s.state === 'parked') parked++;
      else if (s.state === 'starting') starting++;
    }
    return { size: this.size, parked, starting, ...this.counters, lastError: this.lastError, disabled: this.disabledReason };
  }

  /** PIDs of claimed (running) spare processes: they belong to requests, like cold runs. */
  activePids(): number[] {
    return this.pidsIn('claimed');
  }

  /** PIDs of spares waiting to be claimed (or still starting). */
  parkedPids(): number[] {
    return [...this.pidsIn('parked'), ...this.pidsIn('starting')];
  }

  private pidsIn(state: SlotState): number[] {
    return [...this.slots]
      .filter((s) => s.state === state)
      .map((s) => s.child?.pid)
      .filter((p): p is number => typeof p === 'number' && isAlive(p));
  }

  /** Whether a run may use a spare: same start-up options as the spares, a new session, nothing extra in env. */
  eligible(spec: RunSpec): boolean {
    const p = this.opts.profile;
    return (
      this.size > 0 &&
      !this.closed &&
      !this.disabledReason &&
      !spec.resumeSessionId &&
      // A custom tool set (background tasks run with none) is a start-up flag too.
      (spec as { tools?: unknown }).tools === undefined &&
      Object.keys(spec.env ?? {}).length === 0 &&
      !spec.abortController.signal.aborted &&
      sameList(spec.allowedTools, p.allowedTools) &&
      sameList(spec.disallowedTools, p.disallowedTools) &&
      (spec.maxTurns > 0 ? spec.maxTurns : 0) === (p.maxTurns > 0 ? p.maxTurns : 0)
    );
  }

  /**
   * The run's messages from a spare, or null when the run must start cold (not eligible, or no spare parked or
   * starting). If the claimed process refuses the claim, the returned stream switches to `cold()` by itself
   * before anything was yielded, so the caller sees one clean session either way.
   */
  tryClaim(spec: RunSpec, cold: ColdStart): AsyncIterable<SDKMessage> | null {
    if (!this.eligible(spec)) return null;
    const slot = this.take();
    if (!slot) {
      this.counters.misses++;
      this.fill();
      return null;
    }
    return this.runOn(slot, spec, cold);
  }

  /** A parked spare, else one still starting that nobody waits for yet. */
  private take(): Slot | null {
    let starting: Slot | null = null;
    for (const s of this.slots) {
      if (s.state === 'parked') {
        s.state = 'claimed';
        return s;
      }
      if (s.state === 'starting' && !s.reserved && !starting) starting = s;
    }
    if (starting) starting.reserved = true;
    return starting;
  }

  private async *runOn(slot: Slot, spec: RunSpec, cold: ColdStart): AsyncGenerator<SDKMessage> {
    if (slot.state === 'starting') {
      await this.waitReady(slot);
      // startOne hands a reserved spare over by marking it claimed; anything else means it is not ours (yet).
      const handed = (slot.state as SlotState) === 'claimed' && slot.spare !== null;
      slot.reserved = false;
      if (!handed || spec.abortController.signal.aborted) {
        if (handed) slot.state = 'parked';
        this.counters.misses++;
        yield* cold();
        return;
      }
    }
    const spare = slot.spare;
    if (!spare || spec.abortController.signal.aborted) {
      // Cancelled before it began (the spare goes back unused), or nothing to claim.
      if (spare && slot.state === 'claimed') slot.state = 'parked';
      if (!spare) yield* cold();
      return;
    }

    let refilled = false;
    const refill = (): void => {
      if (refilled) return;
      refilled = true;
      this.fill();
    };
    const onAbort = (): void => slot.kill();
    spec.abortController.signal.addEventListener('abort', onAbort, { once: true });
    slot.stderrSink = (line) => spec.onStderr?.(line);
    let query: Query | null = null;
    try {
      try {
        query = spare.claim({
          prompt: userTurns(spec.messages),
          options: {
            cwd: spec.cwd,
            model: spec.model,
            permissionMode: spec.permissionMode,
            ...(spec.systemPrompt ? { appendSystemPrompt: spec.systemPrompt } : {}),
          },
        });
      } catch (err) {
        this.noteRefusal(slot, err);
        this.counters.fallbacks++;
        refill();
        yield* cold();
        return;
      }
      const verdict = spare.claimed.then(
        () => 'ok' as const,
        (err: unknown) => {
          if (err instanceof Error && err.message.startsWith('option_not_applied')) {
            log.warn(`spare claim: ${redact(err.message)}`);
            return 'ok' as const;
          }
          this.noteRefusal(slot, err);
          return 'refused' as const;
        },
      );
      const it = query[Symbol.asyncIterator]();
      // Until the process accepted the claim, hold its messages: a refused claim answers with an error result
      // (`not_claimed`) that must not reach the caller, who gets a cold run instead.
      const held: SDKMessage[] = [];
      let next = it.next();
      let decided: 'ok' | 'refused' | null = null;
      while (!decided) {
        const step = await Promise.race([next.then((r) => ({ kind: 'msg' as const, r })), verdict.then((v) => ({ kind: 'verdict' as const, v }))]);
        if (step.kind === 'verdict') decided = step.v;
        else if (step.r.done) decided = await Promise.race([verdict, new Promise<'refused'>((r) => setTimeout(() => r('refused'), 2_000).unref())]);
        else {
          held.push(step.r.value);
          next = it.next();
        }
      }
      if (decided === 'refused') {
        next.catch(() => undefined);
        query.close();
        slot.kill();
        refill();
        if (spec.abortController.signal.aborted) return;
        this.counters.fallbacks++;
        yield* cold();
        return;
      }
      this.counters.claims++;
      this.refusals = 0;
      yield* held;
      for (let r = await next; !r.done; r = await it.next()) {
        // Start the replacement once this run's latency-critical part (the claim, up to the model's first
        // output) is over: on a small machine a spare starting beside it would slow its first token.
        if (!refilled && (r.value.type === 'stream_event' || r.value.type === 'assistant' || r.value.type === 'result')) refill();
        yield r.value;
      }
    } finally {
      refill();
      spec.abortController.signal.removeEventListener('abort', onAbort);
      // The caller stopped early or the run ended: the process is this request's and goes with it.
      query?.close();
      slot.stderrSink = null;
    }
  }

  private waitReady(slot: Slot): Promise<SpareProcess | null> {
    return Promise.race([slot.ready, new Promise<null>((r) => setTimeout(() => r(null), this.claimWaitMs).unref())]);
  }

  private noteRefusal(slot: Slot, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.lastError = redact(msg);
    slot.kill();
    // A refusal caused by the folder (its project settings) repeats on every claim: stop paying for spares then.
    if (++this.refusals >= MAX_REFUSALS && !this.disabledReason) {
      this.disabledReason = `${MAX_REFUSALS} claims in a row were refused (last: ${this.lastError}); every run starts cold until restart`;
      log.warn(`spare processes disabled: ${this.disabledReason}`);
      for (const s of this.slots) if (s.state === 'parked') s.kill();
    } else {
      log.warn(`spare claim refused, starting cold: ${this.lastError}`);
    }
  }

  /** Starts spares until parked + starting reaches the size (unless backing off after failures). */
  private fill(): void {
    if (this.closed || this.retryTimer || this.disabledReason) return;
    let live = 0;
    for (const s of this.slots) if (s.state === 'parked' || s.state === 'starting') live++;
    for (; live < this.size; live++) void this.startOne();
  }

  private async startOne(): Promise<void> {
    const slot = new Slot();
    this.slots.add(slot);
    const options: Options = {
      abortController: slot.abort,
      env: { ...this.opts.baseEnv },
      includePartialMessages: true,
      allowedTools: this.opts.profile.allowedTools,
      disallowedTools: this.opts.profile.disallowedTools,
      systemPrompt: { type: 'preset', preset: 'claude_code' },
      spawnClaudeCodeProcess: (o) =>
        spawnInOwnGroup(o, (child) => {
          slot.child = child;
          // The SDK waits on a spare's exit from several places (parking-dir cleanup, claim, exited).
          child.setMaxListeners(30);
          child.once('exit', () => this.onExit(slot));
          // A custom spawn drains stderr itself, or a chatty CLI blocks on a full pipe.
          child.stderr?.setEncoding('utf8');
          child.stderr?.on('data', (d: string) => {
            for (const line of d.split('\n')) {
              if (!line.trim()) continue;
              if (slot.stderrSink) slot.stderrSink(line);
              else log.debug(`spare stderr: ${redact(line)}`);
            }
          });
          if (this.closed) slot.kill();
        }),
      ...(this.opts.binary ? { pathToClaudeCodeExecutable: this.opts.binary } : {}),
      ...(this.opts.profile.maxTurns > 0 ? { maxTurns: this.opts.profile.maxTurns } : {}),
    };
    try {
      const spare = await prewarm({ options, initializeTimeoutMs: this.initializeTimeoutMs });
      if (this.closed || slot.state === 'gone') {
        spare.close();
        slot.kill();
        slot.resolveReady(null);
        return;
      }
      slot.spare = spare;
      slot.state = slot.reserved ? 'claimed' : 'parked';
      this.failures = 0;
      slot.resolveReady(spare);
    } catch (err) {
      slot.state = 'gone';
      slot.kill();
      this.slots.delete(slot);
      slot.resolveReady(null);
      if (this.closed) return;
      this.failures++;
      this.lastError = redact(err instanceof Error ? err.message : String(err));
      const delay = Math.min(BACKOFF_MAX_MS, 1_000 * 2 ** (this.failures - 1));
      log.warn(`spare Claude Code process failed to start (${this.lastError}); retrying in ${Math.round(delay / 1000)} s`);
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.fill();
        }, delay);
        this.retryTimer.unref();
      }
    }
  }

  private onExit(slot: Slot): void {
    const wasParked = slot.state === 'parked';
    slot.state = 'gone';
    this.slots.delete(slot);
    slot.resolveReady(null);
    // A parked spare that died (killed, crashed, stdin closed) is replaced; a claimed one was already.
    if (wasParked && !this.closed) {
      this.lastError = 'a parked spare exited';
      this.fill();
    }
  }

  /** Kills every spare, parked or claimed, and waits until their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const waits: Array<Promise<unknown>> = [];
    for (const slot of this.slots) {
      if (slot.spare && slot.state === 'parked') slot.spare.close();
      slot.kill();
      const child = slot.child;
      if (child && child.exitCode === null && child.signalCode === null) waits.push(new Promise((r) => child.once('exit', r)));
      if (slot.state === 'starting') waits.push(slot.ready);
      if (slot.spare) waits.push(slot.spare.exited.catch(() => undefined));
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
}
