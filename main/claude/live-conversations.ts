import type { ChildProcess } from 'node:child_process';
import type { CanUseTool, SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { LiveConversationsHealth } from '../contract/control-api.ts';
import { log } from '../log.ts';
import type { ToolEndpoint } from './client-tool-endpoint.ts';
import type { InputFeed } from './input-feed.ts';
import { killTree } from './process-tree.ts';
import type { RunSpec } from './runtime.ts';

/** A Claude Code process in stream-json input mode whose input is still open: it can take another turn. */
export interface LiveProcess {
  feed: InputFeed;
  iterator: AsyncIterator<SDKMessage>;
  /** Its client-tools endpoint: shown each turn's functions. */
  tools: ToolEndpoint;
  child(): ChildProcess | null;
  /** Points the process's stderr lines at the request it serves now (null: dropped). */
  setStderr(sink: ((line: string) => void) | null): void;
  /** Points the process's approval callback (registered at start-up) at the run it serves now (null: refuse). */
  setCanUseTool(cb: CanUseTool | null): void;
  /** Ends the process and its tree at once. */
  kill(): void;
}

/** The messages of a first turn already read from the process (a spare holds them back until its claim is in force). */
export interface FirstTurn {
  held: SDKMessage[];
  next: Promise<IteratorResult<SDKMessage>> | null;
}

export interface LiveConversationsOptions {
  /** CONVERSATION_KEEPALIVE_S in ms: an idle process is closed after this; 0 disables. */
  keepAliveMs: number;
  /** MAX_LIVE_CONVERSATIONS: idle processes kept at once, the oldest closed beyond; 0 disables. */
  max: number;
}

interface Meta {
  model: string;
  /** What the process fixed at start-up, or that a resume would set anew (see fingerprint). */
  fingerprint: string;
}

interface Idle extends Meta {
  proc: LiveProcess;
  since: number;
  timer: NodeJS.Timeout;
}

/**
 * What a kept process must share with the next turn for that turn to be written into it: everything Claude Code
 * fixes when it starts (folder, model, permission mode, appended system prompt, tool set, turn limit). Any
 * difference falls back to resuming the session in a fresh process.
 */
function fingerprint(spec: RunSpec): string {
  return JSON.stringify([spec.cwd, spec.model, spec.permissionMode, spec.systemPrompt ?? null, spec.allowedTools, spec.disallowedTools, spec.maxTurns > 0 ? spec.maxTurns : 0, spec.canUseTool !== undefined, spec.settings ?? null, spec.extraArgs ?? null, spec.settingSources ?? null]);
}

function alive(proc: LiveProcess): boolean {
  const child = proc.child();
  return child !== null && child.exitCode === null && child.signalCode === null;
}

function isResult(m: SDKMessage): m is Extract<SDKMessage, { type: 'result' }> {
  return m.type === 'result';
}

/**
 * Conversations whose Claude process outlives their turn. Resuming a session in a fresh process costs ≈0.7 s to
 * the first token; writing the next user turn into the process that answered the last one costs ≈40 ms, at
 * 215–325 MB per process. A turn that ends well keeps its process here, keyed by its session, for keepAliveMs; the
 * conversation's next turn (a resume of that session with the same start-up values) takes it back.
 */
export class LiveConversations {
  /** Idle processes by session id; Map order is age order (the first is the oldest). */
  private readonly idle = new Map<string, Idle>();
  /** Processes answering a turn now, kept afterwards if it ends well. */
  private readonly busy = new Map<LiveProcess, Meta>();
  /** Busy processes that started before a change (credential, MCP servers): closed when their turn ends. */
  private readonly outdated = new Set<LiveProcess>();
  /** Every process seen until it exits (closed ones too): shutdown waits for all of them. */
  private readonly running = new Set<LiveProcess>();
  private closed = false;

  constructor(private readonly opts: LiveConversationsOptions) {}

  /** Whether a run may use or become a live conversation: Claude Code's tools (not a background task), no extra env. */
  accepts(spec: RunSpec): boolean {
    return (
      !this.closed &&
      this.opts.max > 0 &&
      this.opts.keepAliveMs > 0 &&
      // Background tasks run without tools, in a process of their own.
      spec.tools === undefined &&
      Object.keys(spec.env ?? {}).length === 0 &&
      !spec.abortController.signal.aborted
    );
  }

  /**
   * The kept process of the session this run resumes, if it can take the turn; null otherwise. A kept process
   * that cannot (other model, folder, tools…) is closed: the run resumes its session in a fresh one.
   */
  take(spec: RunSpec): LiveProcess | null {
    const id = spec.resumeSessionId;
    if (!id || !this.accepts(spec)) return null;
    const entry = this.idle.get(id);
    if (!entry) return null;
    this.forget(id);
    // A tool the process was shown stays in its model requests: a turn without it (or with it changed) starts fresh.
    if (entry.fingerprint !== fingerprint(spec) || !entry.proc.tools.fits(spec.clientTools) || !alive(entry.proc)) {
      entry.proc.kill();
      return null;
    }
    return entry.proc;
  }

  /**
   * One turn on a process: writes the run's messages into it (unless `first`: they are in already), yields the
   * turn's messages up to its result, then keeps the process for the next turn when the turn ended well, or kills
   * it. A cancel kills it at once.
   */
  async *serve(proc: LiveProcess, spec: RunSpec, first?: FirstTurn): AsyncGenerator<SDKMessage> {
    this.busy.set(proc, { model: spec.model, fingerprint: fingerprint(spec) });
    this.watch(proc);
    proc.setStderr((line) => spec.onStderr?.(line));
    proc.setCanUseTool(spec.canUseTool ?? null);
    const onAbort = (): void => proc.kill();
    spec.abortController.signal.addEventListener('abort', onAbort, { once: true });
    let result: Extract<SDKMessage, { type: 'result' }> | null = null;
    try {
      if (!first) {
        await proc.tools.use(spec.clientTools);
        proc.feed.push(spec.messages);
      }
      for (const m of first?.held ?? []) {
        yield m;
        if (isResult(m)) {
          result = m;
          return;
        }
      }
      let next = first?.next ?? proc.iterator.next();
      for (;;) {
        const r = await next;
        if (r.done) return;
        yield r.value;
        if (isResult(r.value)) {
          result = r.value;
          return;
        }
        next = proc.iterator.next();
      }
    } finally {
      spec.abortController.signal.removeEventListener('abort', onAbort);
      this.busy.delete(proc);
      proc.setStderr(null);
      proc.setCanUseTool(null);
      const ok = result !== null && result.subtype === 'success' && !result.is_error && !spec.abortController.signal.aborted;
      const current = !this.outdated.delete(proc);
      if (ok && result && current && this.accepts(spec) && alive(proc)) this.keep(result.session_id, spec, proc);
      else proc.kill();
    }
  }

  private watch(proc: LiveProcess): void {
    if (this.running.has(proc)) return;
    const child = proc.child();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.running.add(proc);
    // One listener per process for its whole life. A process that dies while it waits (killed from outside,
    // crashed) is forgotten: the next turn resumes.
    child.once('exit', () => {
      this.running.delete(proc);
      for (const [id, e] of this.idle) if (e.proc === proc) this.forget(id);
    });
  }

  private keep(sessionId: string, spec: RunSpec, proc: LiveProcess): void {
    const old = this.idle.get(sessionId);
    if (old) {
      this.forget(sessionId);
      old.proc.kill();
    }
    // Oldest first: room for this one.
    for (const [id, e] of this.idle) {
      if (this.idle.size < this.opts.max) break;
      this.forget(id);
      e.proc.kill();
      log.info(`live conversation closed (MAX_LIVE_CONVERSATIONS=${this.opts.max} reached): its next turn resumes in a new process`);
    }
    const timer = setTimeout(() => {
      if (this.idle.get(sessionId)?.proc !== proc) return;
      this.forget(sessionId);
      proc.kill();
    }, this.opts.keepAliveMs);
    timer.unref();
    this.idle.set(sessionId, { proc, model: spec.model, fingerprint: fingerprint(spec), since: Date.now(), timer });
  }

  private forget(sessionId: string): void {
    const e = this.idle.get(sessionId);
    if (!e) return;
    clearTimeout(e.timer);
    this.idle.delete(sessionId);
  }

  /**
   * Something every process read at start-up changed (MCP servers, credentials): the idle ones are closed now, the
   * busy ones when their turn ends (never kept with the old environment).
   */
  closeAll(reason: string): void {
    for (const proc of this.busy.keys()) this.outdated.add(proc);
    if (this.busy.size) log.info(`${this.busy.size} live conversation(s) will close after their turn: ${reason}`);
    this.closeIdle(reason);
  }

  /** Closes the idle ones (/v1 stopped; see also closeAll). */
  closeIdle(reason: string): void {
    if (!this.idle.size) return;
    log.info(`closing ${this.idle.size} live conversation(s): ${reason}`);
    for (const [id, e] of [...this.idle]) {
      this.forget(id);
      e.proc.kill();
    }
  }

  pids(): number[] {
    return [...[...this.idle.values()].map((e) => e.proc), ...this.busy.keys()]
      .map((p) => p.child())
      .filter((c): c is ChildProcess => c !== null && c.exitCode === null && c.signalCode === null)
      .map((c) => c.pid)
      .filter((p): p is number => typeof p === 'number');
  }

  health(): LiveConversationsHealth {
    const now = Date.now();
    return {
      count: this.idle.size + this.busy.size,
      limit: this.opts.keepAliveMs > 0 ? this.opts.max : 0,
      keepAliveS: Math.round(this.opts.keepAliveMs / 1000),
      conversations: [
        ...[...this.busy.values()].map((m) => ({ model: m.model, state: 'answering' as const, idleS: 0 })),
        ...[...this.idle.values()].map((e) => ({ model: e.model, state: 'idle' as const, idleS: Math.round((now - e.since) / 1000) })),
      ],
    };
  }

  /** Kills every kept and answering process and waits until they are gone (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const procs = new Set([...[...this.idle.values()].map((e) => e.proc), ...this.busy.keys(), ...this.running]);
    for (const id of [...this.idle.keys()]) this.forget(id);
    const waits: Array<Promise<unknown>> = [];
    for (const proc of procs) {
      const child = proc.child();
      if (child && child.exitCode === null && child.signalCode === null) waits.push(new Promise((r) => child.once('exit', r)));
      proc.kill();
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
}

/** Kills a cold-started live process: its own abort (the SDK's side) and its process group. */
export function killOwn(abort: AbortController, child: ChildProcess | null): void {
  abort.abort();
  if (child) killTree(child);
}
