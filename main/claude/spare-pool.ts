import type { PermissionMode, Query, SDKMessage, Settings } from '@anthropic-ai/claude-agent-sdk';
import type { Config } from '../config/schema.ts';
import { log, redact } from '../log.ts';
import { CLIENT_TOOL_SERVER, toolSetKey, type TurnTool } from './client-tool-endpoint.ts';
import type { ProcessTracker } from './orphans.ts';
import type { InputFeed } from './input-feed.ts';
import type { LiveConversations } from './live-conversations.ts';
import { isAlive } from './process-tree.ts';
import { readBaseEnv, type BaseEnv, type RunSpec, type SparePoolStats } from './runtime.ts';
import { profileKey, sessionFits, sessionKey, Slot, withSystemPrompt, type ExpectedSession, type SlotState, type SpareProfile } from './spare-slot.ts';

export type { ExpectedSession, SpareProfile } from './spare-slot.ts';

export interface SparePoolOptions {
  /** How long Claude Code lets a client tool call wait (see ToolEndpoint). */
  toolTimeoutMs?: number;
  /** Spares kept ready (CLAUDE_SPARE_PROCESSES); 0 disables the pool. Each holds 150–250 MB while it waits. */
  size: number;
  profile: SpareProfile;
  /** The same base environment a cold run gets (ANTHROPIC_*, HOME, CLAUDE_CONFIG_DIR…), read at each spare's start. */
  baseEnv: BaseEnv;
  /** Claude Code executable; the SDK finds its bundled one when null. */
  binary: string | null;
  /** Lists each spare while it lives (crash recovery: see orphans.ts). */
  tracker?: ProcessTracker;
  /** Bind spares to this session ahead of time (see ExpectedSession); without it they are claimed per run. */
  expect?: ExpectedSession;
  /**
   * How long a request waits for a spare that is still starting before it starts cold instead. A starting spare
   * is at least as far along as a cold start would be, so waiting for it never costs more than this.
   */
  claimWaitMs?: number;
  /**
   * Live approvals: spares register a canUseTool that forwards to the run that claims them (it is fixed at start-up,
   * and it changes the tools Claude Code offers). Then only runs with a canUseTool are served; without it, only runs
   * without one.
   */
  askHost?: boolean;
  /** Limit on one spare's start-up (prewarm's initialize timeout). */
  initializeTimeoutMs?: number;
  /**
   * With `expect`: each spare is bound in a fresh folder from this (a chat workspace no conversation has yet)
   * instead of `expect.cwd`; a new conversation takes one with takeFreshCwd() and its run then fits that spare.
   */
  freshCwd?: () => string;
  /**
   * With freshCwd: the run policy's settings for a run in that folder (they name the folder: the sandbox's allowRead,
   * the file tools' deny rules for the other chats). Each spare gets them for its own folder at start-up and is
   * claimed only by a run whose settings are the same; a run's settings then never change the pool's profile.
   */
  settingsFor?: (cwd: string) => Settings | null;
  /** Where a claimed spare goes after a turn that may continue in it (its conversation's next turn). */
  live?: LiveConversations;
}


/** A cold run, started by the caller's own path (used when there is no spare or a claim is refused). */
export type ColdStart = () => AsyncIterable<SDKMessage>;

const BACKOFF_MAX_MS = 60_000;
/** A spare whose folder a conversation took but whose run never came (it failed before starting) is ended. */
const PROMISE_TTL_MS = 60_000;
/** Consecutive refused claims after which the pool stops starting spares. */
const MAX_REFUSALS = 3;
/**
 * A claimed spare is replaced when its run ends and no other run on a claimed spare is still going, or this long after
 * it began (long agentic runs, suspended client-tool runs): a spare starting beside a run would take CPU from its first
 * token and its streaming on a small machine.
 */
const REFILL_AFTER_MS = 5_000;
/** How many runs in a row must bring one client tool set before bound spares are listed with it (noteTools). */
const TOOLS_SEEN = 2;

/** A profile with these settings (none: null). */
function withSettings(p: SpareProfile, settings: Settings | null | undefined): SpareProfile {
  return { allowedTools: p.allowedTools, disallowedTools: p.disallowedTools, maxTurns: p.maxTurns, ...(settings ? { settings } : {}), ...(p.settingSources ? { settingSources: p.settingSources } : {}) };
}

/** The profile every default-config run uses (RunExecutor builds its RunSpec from the same keys). */
export function spareProfileFromConfig(config: Pick<Config, 'CLAUDE_ALLOWED_TOOLS' | 'CLAUDE_DISALLOWED_TOOLS' | 'CLAUDE_MAX_TURNS'>): SpareProfile {
  // Runs always allow their client-tools endpoint (live-run.ts): so do spares.
  return { allowedTools: [...new Set([...config.CLAUDE_ALLOWED_TOOLS, `mcp__${CLIENT_TOOL_SERVER}`])], disallowedTools: config.CLAUDE_DISALLOWED_TOOLS, maxTurns: config.CLAUDE_MAX_TURNS };
}

/** The session a default-config run asks for before any request was seen (no system prompt). */
export function expectedSessionFromConfig(config: Pick<Config, 'claudeCwd' | 'CLAUDE_PERMISSION_MODE' | 'CLAUDE_MODEL'>): ExpectedSession {
  return { cwd: config.claudeCwd, permissionMode: config.CLAUDE_PERMISSION_MODE as PermissionMode, model: config.CLAUDE_MODEL, systemPrompt: null };
}

/**
 * Keeps `size` Claude Code processes started ahead of time (Agent SDK `prewarm()`) for the default profile, so a
 * request skips Claude's ≈1 s start-up. With `expect`, each spare is also claimed ahead of time for the expected
 * session and only waits for the prompt; otherwise a request claims a parked spare with its own cwd, model,
 * permission mode and system prompt. A claim the process refuses falls back to a cold start, so callers never see
 * the difference except in latency. Spares run through our own spawn (own process group), so cancelling a claimed
 * run kills its whole tree, exactly like a cold one.
 */
export class SparePool {
  private readonly slots = new Set<Slot>();
  private readonly size: number;
  private readonly claimWaitMs: number;
  private readonly initializeTimeoutMs: number;
  private profile: SpareProfile;
  private expected: ExpectedSession | null;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private counters = { claims: 0, fallbacks: 0, misses: 0, retired: 0 };
  private lastError: string | null = null;
  private refusals = 0;
  /** Runs on claimed spares that have not ended (see REFILL_AFTER_MS). */
  private runsOnSpares = 0;
  /**
   * Claimed spares whose replacement is held back (see REFILL_AFTER_MS), each with whether its run has ended: fill()
   * counts them as if they were still there, so no top-up on the way (a spare retired, the spares renewed when a new
   * chat's folder appears) starts one beside the runs' first tokens.
   */
  private readonly heldBack = new Set<{ ended: boolean }>();
  /** The client tool sets of the latest runs offered to the pool (toolSetKey; '' for none), newest last. */
  private recentToolSets: string[] = [];
  /** The tools bound spares are listed with: the set the latest TOOLS_SEEN runs all brought (see noteTools). */
  private expectedTools: { key: string; tools: readonly TurnTool[] } | null = null;
  private disabledReason: string | null = null;

  constructor(private readonly opts: SparePoolOptions) {
    this.size = Math.max(0, Math.floor(opts.size));
    this.claimWaitMs = opts.claimWaitMs ?? 3_000;
    this.initializeTimeoutMs = opts.initializeTimeoutMs ?? 30_000;
    this.profile = opts.profile;
    this.expected = opts.expect ?? null;
  }

  /** Starts filling the pool (idempotent). */
  start(): void {
    this.fill();
  }

  stats(): SparePoolStats {
    const count = (state: SlotState): number => [...this.slots].filter((s) => s.state === state).length;
    return {
      size: this.size,
      parked: count('parked'),
      bound: count('bound'),
      listed: [...this.slots].filter((s) => s.state === 'bound' && s.tools?.listsAhead).length,
      starting: count('starting'),
      ...this.counters,
      lastError: this.lastError,
      disabled: this.disabledReason,
    };
  }

  /**
   * The base env changed (a Claude credential saved or removed): waiting and starting spares were started with the
   * old one, so they go and new ones start with the new one. Claimed spares belong to their runs and stay.
   */
  renewEnv(): void {
    for (const s of [...this.slots]) {
      if (s.state === 'starting' || s.state === 'retired') {
        // Its start is abandoned: not a failure (startOne sees the state), its replacement starts below.
        s.state = 'retired';
        s.kill();
        this.slots.delete(s);
        s.resolveReady(false);
      } else if (s.waiting) {
        s.closeGracefully();
        this.forget(s);
      }
    }
    this.fill();
  }

  /** PIDs of claimed (running) spare processes: they belong to requests, like cold runs. */
  activePids(): number[] {
    return this.pidsIn(['claimed']);
  }

  /** PIDs of spares waiting for a request (or still starting). */
  parkedPids(): number[] {
    return this.pidsIn(['parked', 'bound', 'starting', 'retired']);
  }

  private pidsIn(states: SlotState[]): number[] {
    return [...this.slots]
      .filter((s) => states.includes(s.state))
      .map((s) => s.child?.pid)
      .filter((p): p is number => typeof p === 'number' && isAlive(p));
  }

  /** Whether a run may use a spare at all: a new session with the default tool set and nothing extra in env. */
  eligible(spec: RunSpec): boolean {
    return (
      this.size > 0 &&
      !this.closed &&
      !this.disabledReason &&
      !spec.resumeSessionId &&
      (spec.canUseTool !== undefined) === (this.opts.askHost === true) &&
      // A custom tool set (background tasks run with none) is a start-up flag too.
      (spec as { tools?: unknown }).tools === undefined &&
      // The caller's functions are no obstacle: every spare has the client-tools endpoint, shown them per turn.
      // A policy's flags (--restricted) are start-up flags too; its settings are part of the profile.
      spec.extraArgs === undefined &&
      Object.keys(spec.env ?? {}).length === 0 &&
      !spec.abortController.signal.aborted
    );
  }

  /**
   * The run's messages from a spare, or null when the run must start cold (not eligible, or no spare ready or
   * starting). If the claimed process refuses the claim, the returned stream switches to `cold()` by itself
   * before anything was yielded, so the caller sees one clean session either way.
   */
  tryClaim(spec: RunSpec, cold: ColdStart): AsyncIterable<SDKMessage> | null {
    if (!this.eligible(spec)) return null;
    this.noteTools(spec.clientTools?.tools ?? []);
    const profile = profileKey(spec);
    // Start (and bind) the next spares for what is asked now; spares made for the old values go once this run is over.
    // Per-folder settings are each spare's own (settingsFor): only the rest of the profile is the pool's.
    const asked = withSettings(spec, spec.settings);
    if (this.poolKey(asked) !== this.poolKey(this.profile)) this.profile = asked;
    const fresh = Boolean(this.opts.freshCwd);
    if (this.expected && !sessionFits({ ...this.expected, cwd: fresh ? spec.cwd : this.expected.cwd }, spec)) {
      // Spares bound without a system prompt fit any: they stay so (no churn when every request brings its own).
      const systemPrompt = this.expected.systemPrompt === null ? null : spec.systemPrompt;
      this.expected = { cwd: fresh ? this.expected.cwd : spec.cwd, permissionMode: spec.permissionMode, model: spec.model, systemPrompt };
    }
    const slot = this.take(profile, spec);
    if (!slot) {
      this.counters.misses++;
      this.dropPromised(spec.cwd);
      if (this.hasStale()) return this.coldThenRebind(cold);
      this.fill();
      return null;
    }
    return this.runOn(slot, spec, cold);
  }

  /**
   * Replaces every spare started before now: Claude Code reads its MCP servers, their sign-ins and its settings once,
   * at start-up, so a spare started before a change (an MCP sign-in finished, a server added or removed) would run
   * without it — e.g. "No such tool available: mcp__<server>__…" right after a sign-in. Waiting spares are killed
   * and replaced at once; one still starting is dropped when it is ready. Claimed ones belong to running requests.
   */
  retire(reason: string): void {
    if (this.closed) return;
    let n = 0;
    for (const s of this.slots) {
      if (s.waiting) {
        s.closeGracefully();
        this.forget(s);
        n++;
      } else if (s.state === 'starting') {
        s.state = 'retired';
        n++;
      }
    }
    this.counters.retired += n;
    if (n) log.info(`replacing ${n} spare Claude process(es): ${reason}`);
    this.fill();
  }

  /**
   * OpenWebUI (Function Calling "Native") sends the same built-in tools on every chat, and an n8n agent its own: once
   * the latest TOOLS_SEEN runs all brought one set, the spares bound from then on list it ahead of their first turn.
   * A run with another set (or none) stops that at once. A listed spare still serves any run: tools only listed are
   * taken back when the run's own are listed (ToolTurn.ahead), so no spare is replaced for it.
   */
  private noteTools(tools: readonly TurnTool[]): void {
    const key = tools.length ? toolSetKey(tools) : '';
    this.recentToolSets = [...this.recentToolSets, key].slice(-TOOLS_SEEN);
    const same = this.recentToolSets.length === TOOLS_SEEN && this.recentToolSets.every((k) => k === key);
    if (same && key) this.expectedTools = { key, tools };
    else if (this.expectedTools?.key !== key) this.expectedTools = null;
  }

  /** A spare bound to this session, else a parked one, else one still starting that nobody waits for yet. */
  private take(profile: string, spec: RunSpec): Slot | null {
    const free = [...this.slots].filter((s) => !s.awaited && s.profile === profile);
    const pick = free.find((s) => s.state === 'bound' && s.binding !== null && sessionFits(s.binding.session, spec)) ?? free.find((s) => s.state === 'parked');
    if (pick) {
      pick.state = 'claimed';
      return pick;
    }
    // A spare starting in a fresh folder of its own fits only the run its folder was promised to.
    const starting = free.find((s) => s.state === 'starting' && s.cwd === spec.cwd) ?? free.find((s) => s.state === 'starting' && !s.cwd);
    starting?.awaitStart();
    return starting ?? null;
  }

  /** Settings per folder: each spare computes its own at start-up (settingsFor). */
  private get perFolder(): boolean {
    return Boolean(this.opts.freshCwd && this.opts.settingsFor && this.expected);
  }

  /** What of a profile the pool decides: all of it, or all but the settings when those are per folder. */
  private poolKey(p: SpareProfile): string {
    return profileKey(this.perFolder ? withSettings(p, null) : p);
  }

  /** The profile a spare starts with: the pool's, with the settings of its own folder when those are per folder. */
  private profileFor(slot: Slot): SpareProfile {
    return this.perFolder && slot.cwd && this.opts.settingsFor ? withSettings(this.profile, this.opts.settingsFor(slot.cwd)) : this.profile;
  }

  /** A waiting spare made for other values than the latest request's. */
  private isStale(s: Slot): boolean {
    if (!s.waiting) return false;
    if (s.poolKey !== this.poolKey(this.profile)) return true;
    return s.state === 'bound' && s.binding?.key !== this.expectedKey(s);
  }

  /** The session key a bound spare should have now: the expected session, in its own folder when it has one. */
  private expectedKey(s: Slot): string | null {
    return this.expected ? sessionKey({ ...this.expected, cwd: s.cwd ?? this.expected.cwd }) : null;
  }

  /**
   * The folder of a spare bound in a fresh folder and ready for the expected session, now promised to the caller (a
   * new conversation makes it its workspace, so its run claims this spare); null when none waits.
   */
  takeFreshCwd(): string | null {
    // Asked for a new conversation: its folder (this spare's or a new one) is a chat once the caller took it, which
    // the per-folder settings of the other spares do not deny yet: those are replaced then. This one's replacement
    // starts when its run ends (see runOn).
    if (this.perFolder) setImmediate(() => this.renewOutdated());
    const free = (s: Slot): boolean => s.cwd !== null && s.hold === 'open' && !this.outdated(s);
    const slot =
      [...this.slots].find((s) => s.state === 'bound' && free(s) && !this.isStale(s)) ??
      // Right after start the spares are still starting: one is further along than a cold start would be, so the
      // run waits for it (claimWaitMs) instead of starting cold beside it.
      [...this.slots].find((s) => s.state === 'starting' && free(s));
    if (!slot?.cwd) return null;
    slot.promise();
    setTimeout(() => { if (slot.state === 'bound' || slot.state === 'starting') slot.kill(); }, PROMISE_TTL_MS).unref();
    if (!this.perFolder) this.fill();
    return slot.cwd;
  }

  /** A spare whose per-folder settings are no longer what a run in its folder gets (a chat appeared since it started). */
  private outdated(s: Slot): boolean {
    return this.perFolder && s.cwd !== null && s.profile !== profileKey(this.profileFor(s));
  }

  /**
   * Replaces the spares whose per-folder settings are outdated: waiting ones at once, starting ones are dropped when
   * ready (retired), and their replacements start with today's settings.
   */
  private renewOutdated(): void {
    if (this.closed) return;
    let n = 0;
    for (const s of [...this.slots]) {
      if (s.promised || !(s.waiting || s.state === 'starting') || !this.outdated(s)) continue;
      n++;
      if (s.state === 'starting') s.state = 'retired';
      else {
        s.closeGracefully();
        this.forget(s);
      }
    }
    if (n) log.debug(`replacing ${n} spare Claude process(es): a new chat workspace is not in their settings yet`);
    this.fill();
  }

  /**
   * The spare promised to this folder's conversation that its run did not take (it did not fit, or was not ready): its
   * folder is that conversation's now, so no other run can use it; it goes and its replacement starts.
   */
  private dropPromised(cwd: string): void {
    let n = 0;
    for (const s of [...this.slots]) {
      if (!s.promised || s.cwd !== cwd) continue;
      if (s.state === 'starting') s.state = 'retired';
      else if (s.waiting) {
        s.closeGracefully();
        this.forget(s);
      } else continue;
      n++;
    }
    if (n) this.fill();
  }

  /** Fresh folders spares were started in (not yet a conversation's): kept by the workspace cleanup. */
  freshFolders(): string[] {
    return [...this.slots].flatMap((s) => (s.cwd && !s.promised ? [s.cwd] : []));
  }

  private hasStale(): boolean {
    return [...this.slots].some((s) => this.isStale(s));
  }

  private async *coldThenRebind(cold: ColdStart): AsyncGenerator<SDKMessage> {
    try {
      yield* cold();
    } finally {
      // Their exit refills the pool with spares for what was asked now.
      for (const s of this.slots) if (this.isStale(s)) s.kill();
    }
  }

  private async *runOn(slot: Slot, spec: RunSpec, cold: ColdStart): AsyncGenerator<SDKMessage> {
    if (slot.state === 'starting') {
      // The spare promised to this run's folder is further along than a cold start begun now: wait for it as long as
      // a start may take. Another starting spare only for claimWaitMs.
      const waitMs = slot.promised && slot.cwd === spec.cwd ? this.initializeTimeoutMs : this.claimWaitMs;
      const ok = await Promise.race([slot.ready, new Promise<false>((r) => setTimeout(() => r(false), waitMs).unref())]);
      const state = slot.state as SlotState;
      const fits = ok && slot.profile === profileKey(spec) && (state === 'parked' || (state === 'bound' && slot.binding !== null && sessionFits(slot.binding.session, spec)));
      slot.endWait();
      if (!fits || spec.abortController.signal.aborted) {
        this.counters.misses++;
        this.dropPromised(spec.cwd);
        yield* cold();
        return;
      }
      slot.state = 'claimed';
    }
    const spare = slot.spare;
    if (!spare || spec.abortController.signal.aborted) {
      // Cancelled before it began: the spare goes back unused.
      if (spare) slot.state = slot.binding ? 'bound' : 'parked';
      else yield* cold();
      return;
    }

    // Replacements start once no run on a claimed spare is still going (a burst of new chats keeps the cores for its
    // own first tokens), or REFILL_AFTER_MS after this run began; until then fill() counts this spare as still there.
    this.runsOnSpares++;
    const held = { ended: false };
    this.heldBack.add(held);
    const refill = (): void => {
      if (held.ended) return;
      held.ended = true;
      clearTimeout(refillTimer);
      if (--this.runsOnSpares === 0) {
        this.heldBack.clear();
        this.fill();
      }
    };
    // A long run's replacement (and those of runs that ended meanwhile) starts anyway.
    const refillTimer = setTimeout(() => {
      for (const h of this.heldBack) if (h === held || h.ended) this.heldBack.delete(h);
      this.fill();
    }, REFILL_AFTER_MS);
    refillTimer.unref();
    const onAbort = (): void => slot.kill();
    spec.abortController.signal.addEventListener('abort', onAbort, { once: true });
    slot.stderrSink = (line) => spec.onStderr?.(line);
    slot.canUseTool = spec.canUseTool ?? null;
    let query: Query | null = null;
    let feed: InputFeed | null = null;
    // A run that may be kept for its conversation's next turn leaves the pool with its process (live-conversations.ts).
    const keep = this.opts.live?.accepts(spec) ?? false;
    let handedOver = false;
    try {
      let held: SDKMessage[] = [];
      let it: AsyncIterator<SDKMessage>;
      let next: Promise<IteratorResult<SDKMessage>>;
      const binding = slot.binding;
      if (binding) {
        // Bound ahead of time: switch the model if this run wants another, then send the prompt.
        query = binding.query;
        if (binding.model !== spec.model) {
          try {
            await query.setModel(spec.model);
          } catch (err) {
            this.noteRefusal(slot, err);
            this.counters.fallbacks++;
            yield* cold();
            return;
          }
        }
        feed = binding.feed;
        await slot.tools?.use(spec.clientTools);
        // Bound without this run's system prompt: it goes with the first user turn (see sessionFits).
        feed.push(binding.session.systemPrompt === spec.systemPrompt ? spec.messages : withSystemPrompt(spec.messages, spec.systemPrompt));
        if (!keep) feed.end();
        it = query[Symbol.asyncIterator]();
        next = it.next();
      } else {
        await slot.tools?.use(spec.clientTools);
        const claimed = slot.claim(spec, (err) => this.noteRefusal(slot, err), keep);
        if (!claimed) {
          this.counters.fallbacks++;
          yield* cold();
          return;
        }
        ({ query, feed } = claimed);
        const verdict = await slot.awaitVerdict(claimed.query, (err) => this.noteRefusal(slot, err));
        if (!verdict.ok) {
          claimed.query.close();
          slot.kill();
          if (spec.abortController.signal.aborted) return;
          this.counters.fallbacks++;
          yield* cold();
          return;
        }
        ({ it, next, held } = verdict);
      }
      this.counters.claims++;
      this.refusals = 0;
      const live = this.opts.live;
      if (live && keep && feed) {
        // From here the process belongs to its conversation: the pool neither counts nor kills it any more.
        handedOver = true;
        this.slots.delete(slot);
        spec.abortController.signal.removeEventListener('abort', onAbort);
        const input = feed;
        const session = query;
        const endpoint = slot.tools;
        if (!endpoint) throw new Error('a spare without its client-tools endpoint');
        yield* live.serve(
          {
            feed: input,
            iterator: it,
            tools: endpoint,
            child: () => slot.child,
            setStderr: (sink) => { slot.stderrSink = sink; },
            setCanUseTool: (cb) => { slot.canUseTool = cb; },
            kill: () => {
              input.end();
              session.close();
              slot.kill();
            },
          },
          spec,
          { held, next },
        );
        return;
      }
      yield* held;
      for (let r = await next; !r.done; r = await it.next()) yield r.value;
    } finally {
      refill();
      spec.abortController.signal.removeEventListener('abort', onAbort);
      if (!handedOver) {
        // The caller stopped early or the run ended: the process is this request's and goes with it.
        query?.close();
        slot.stderrSink = null;
        slot.canUseTool = null;
      }
    }
  }

  private noteRefusal(slot: Slot, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.lastError = redact(msg);
    slot.kill();
    // A refusal caused by the folder (its project settings) repeats on every claim: stop paying for spares then.
    if (++this.refusals >= MAX_REFUSALS && !this.disabledReason) {
      this.disabledReason = `${MAX_REFUSALS} claims in a row were refused (last: ${this.lastError}); every run starts cold until restart`;
      log.warn(`spare processes disabled: ${this.disabledReason}`);
      for (const s of this.slots) if (s.waiting) s.kill();
    } else {
      log.warn(`spare claim refused, starting cold: ${this.lastError}`);
    }
  }

  /** Starts spares until the waiting + starting (not retired) ones reach the size (unless backing off after failures). */
  private fill(): void {
    if (this.closed || this.retryTimer || this.disabledReason) return;
    let live = 0;
    // Promised ones count: their run is coming (or their promise expires), a burst of new chats must not keep N+K.
    for (const s of this.slots) if (s.state === 'parked' || s.state === 'bound' || s.state === 'starting') live++;
    live += this.heldBack.size;
    for (; live < this.size; live++) void this.startOne();
  }

  private async startOne(): Promise<void> {
    const slot = new Slot();
    this.slots.add(slot);
    try {
      // Its folder can fail (ENOSPC, EACCES…): like a failed start, logged, shown in Health and retried with backoff,
      // never an unhandled rejection (that would end the headless app).
      if (this.expected && this.opts.freshCwd) slot.cwd = this.freshFolder();
      const profile = this.profileFor(slot);
      slot.profile = profileKey(profile);
      slot.poolKey = this.poolKey(profile);
      const spare = await slot.launch({
        profile: this.profileFor(slot),
        env: readBaseEnv(this.opts.baseEnv),
        binary: this.opts.binary,
        toolTimeoutMs: this.opts.toolTimeoutMs ?? 3_660_000,
        tracker: this.opts.tracker,
        initializeTimeoutMs: this.initializeTimeoutMs,
        askHost: this.opts.askHost,
        closed: () => this.closed,
        onExit: () => this.onExit(slot),
      });
      if (this.closed || slot.state === 'gone') throw new Error('closed while starting');
      const tools = this.expectedTools?.tools ?? null;
      if (this.expected && !(await slot.bind({ ...this.expected, cwd: slot.cwd ?? this.expected.cwd }, (err) => this.noteRefusal(slot, err), () => this.closed, tools))) {
        // Refused (already counted) or gone: replace it unless the pool gave up.
        this.forget(slot);
        if (!this.closed) this.fill();
        return;
      }
      if ((slot.state as SlotState) === 'gone') throw new Error('exited while starting');
      if (slot.state === 'retired') {
        // Retired while it started: it may have read the old configuration. Its replacement is already starting.
        if (slot.binding) slot.binding.query.close();
        else spare.close();
        this.forget(slot);
        return;
      }
      slot.state = slot.binding ? 'bound' : 'parked';
      this.failures = 0;
      slot.resolveReady(true);
    } catch (err) {
      const retired = slot.state === 'retired';
      if (slot.spare && !slot.binding) slot.spare.close();
      this.forget(slot);
      if (this.closed || retired) return; // its replacement is already starting
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

  private freshFolder(): string {
    const make = this.opts.freshCwd;
    if (!make) throw new Error('no fresh folders');
    try {
      return make();
    } catch (err) {
      throw new Error(`its fresh chat folder could not be created: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private forget(slot: Slot): void {
    slot.state = 'gone';
    slot.kill();
    this.slots.delete(slot);
    slot.resolveReady(false);
  }

  private onExit(slot: Slot): void {
    const waiting = slot.waiting;
    slot.state = 'gone';
    this.slots.delete(slot);
    slot.resolveReady(false);
    // A waiting spare that died (killed, crashed, stdin closed, rebound) is replaced; a claimed one was already.
    if (waiting && !this.closed) this.fill();
  }

  /** Kills every spare, waiting or claimed, and waits until their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const waits: Array<Promise<unknown>> = [];
    for (const slot of this.slots) {
      slot.closeGracefully();
      slot.kill();
      const child = slot.child;
      if (child && child.exitCode === null && child.signalCode === null) waits.push(new Promise((r) => child.once('exit', r)));
      if (slot.state === 'starting' || slot.state === 'retired') waits.push(slot.ready);
      if (slot.spare) waits.push(slot.spare.exited.catch(() => undefined));
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
}
