import type { ChildProcess } from 'node:child_process';
import {
  prewarm,
  type CanUseTool,
  type Options,
  type PermissionMode,
  type Query,
  type SDKMessage,
  type SettingSource,
  type Settings,
  type SpareProcess,
} from '@anthropic-ai/claude-agent-sdk';
import { log, redact } from '../log.ts';
import { listedOnly, ToolEndpoint, type TurnTool } from './client-tool-endpoint.ts';
import { InputFeed } from './input-feed.ts';
import type { ProcessTracker } from './orphans.ts';
import { killTree, spawnInOwnGroup } from './process-tree.ts';
import type { RunSpec } from './runtime.ts';

/**
 * What a spare fixes for its whole life (Claude Code reads it at start-up): a run can claim a spare only when its
 * own values are these. A run with other values starts cold and the pool starts its next spares with them (the
 * latest request wins: the tool list grows when an MCP server is added). The environment is the pool's base env;
 * a run with extra env always starts cold.
 */
export interface SpareProfile {
  allowedTools: string[];
  disallowedTools: string[];
  maxTurns: number;
  /** The run policy's settings (sandbox, permissions: main/policy), read at start-up like the tools. */
  settings?: Settings;
  /** The run policy's setting sources (main/policy/confine.ts), fixed at start-up. */
  settingSources?: SettingSource[];
}

/**
 * The session most runs ask for. Spares are claimed for it ahead of time (the folder is bound, settings, plugins
 * and hooks loaded) and then only wait for the prompt; a run asking for another cwd, permission mode or system
 * prompt starts cold, and the pool binds its next spares to that instead (the latest request wins). The model is
 * switched per run when it differs.
 */
export interface ExpectedSession {
  cwd: string;
  permissionMode: PermissionMode;
  model: string;
  systemPrompt: string | null;
}

/**
 * starting: the process is being started (prewarm) and, with an expected session, bound to it.
 * parked: started, waiting for a claim. bound: claimed ahead of time for the expected session, waiting for the prompt.
 * claimed: serving a run.
 * retired: started before a change it would miss (credential, MCP servers, its folder's settings): never claimed,
 *   closed as soon as its start ends; its replacement starts at once.
 * gone: its process exited or was killed; the pool has forgotten it.
 * Who may claim a waiting or starting spare is separate (SlotHold).
 */
export type SlotState = 'starting' | 'parked' | 'bound' | 'claimed' | 'retired' | 'gone';

/**
 * Who may claim a spare that waits or starts. open: any run that fits. promised: only the new conversation its fresh
 * folder was handed to (SparePool.takeFreshCwd). awaited: the one run already waiting for its start, nobody else;
 * awaited-promised: that run is the promised conversation's. Changed only through Slot's promise/awaitStart/endWait.
 */
export type SlotHold = 'open' | 'promised' | 'awaited' | 'awaited-promised';

export interface Binding {
  key: string;
  /** The session it was bound to (see sessionFits). */
  session: ExpectedSession;
  /** The model in force ('' when Claude Code did not apply it: the run sets its own). */
  model: string;
  query: Query;
  /** The session's input: the run's user turns go in here; until then the bound session waits for its prompt. */
  feed: InputFeed;
}

/** How a slot starts its process: the pool's current profile, env and binary. */
export interface SlotLaunch {
  profile: SpareProfile;
  env: NodeJS.ProcessEnv;
  binary: string | null;
  /** The client-tools endpoint's call timeout (see ToolEndpoint). */
  toolTimeoutMs: number;
  tracker?: ProcessTracker;
  initializeTimeoutMs: number;
  /** Live approvals: register a canUseTool that forwards to the claiming run (see SparePoolOptions.askHost). */
  askHost?: boolean;
  /** The pool closed meanwhile: a process that appears now is killed at once. */
  closed(): boolean;
  /** The process exited (for any reason). */
  onExit(): void;
}

/** Told when Claude Code refuses a claim or a binding (the pool counts refusals and may give up). */
export type OnRefused = (err: unknown) => void;

export function profileKey(p: SpareProfile): string {
  return JSON.stringify([p.allowedTools, p.disallowedTools, p.maxTurns > 0 ? p.maxTurns : 0, p.settings ?? null, p.settingSources ?? null]);
}

export function sessionKey(s: { cwd: string; permissionMode: PermissionMode; systemPrompt: string | null }): string {
  return JSON.stringify([s.cwd, s.permissionMode, s.systemPrompt ?? null]);
}

type SessionShape = { cwd: string; permissionMode: PermissionMode; systemPrompt: string | null };

/**
 * Whether a run fits a session bound (or to be bound) ahead of time: same folder and permission mode, and the same
 * appended system prompt — or none, for then the run's own travels with its first user turn (withSystemPrompt), so
 * a spare waiting without one fits any request's (OpenWebUI fills date and user into it: it differs per request).
 */
export function sessionFits(bound: SessionShape, run: SessionShape): boolean {
  if (bound.cwd !== run.cwd || bound.permissionMode !== run.permissionMode) return false;
  return bound.systemPrompt === null || bound.systemPrompt === run.systemPrompt;
}

/**
 * The run's user turns with its system prompt at the head of the first one: for a session bound without a system
 * prompt (Claude Code takes an appended system prompt only when a session starts or is claimed).
 */
export function withSystemPrompt(messages: RunSpec['messages'], systemPrompt: string | null): RunSpec['messages'] {
  const [first, ...rest] = messages;
  if (!systemPrompt || first?.role !== 'user') return messages;
  const preface = { type: 'text' as const, text: `<system-prompt>\nThe operator's instructions for this conversation; follow them as a system prompt:\n${systemPrompt}\n</system-prompt>` };
  const content = typeof first.content === 'string' ? [preface, { type: 'text' as const, text: first.content }] : [preface, ...first.content];
  return [{ role: 'user', content }, ...rest];
}

/** How long a bound spare's warm-up may take before the spare is offered anyway. */
const WARM_UP_TIMEOUT_MS = 5_000;

/**
 * Builds a bound session's system prompt, context and tool list before its prompt arrives. Measured with Claude Code
 * 2.1.330 and the scripted model: a session's first prompt does this work itself (≈ 40 ms of CPU on this 2-core
 * machine) unless it was asked for earlier; a summary context-usage request asks for it without any model or
 * token-count call and leaves the session and its first model request as they were (same system prompt, tools and
 * messages, byte for byte). A failed or slow warm-up only loses the head start.
 */
async function warmUp(query: Query): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, WARM_UP_TIMEOUT_MS);
    timer.unref();
  });
  try {
    await Promise.race([query.getContextUsage({ detail: 'summary' }).then(() => undefined), late]);
  } catch (err) {
    log.debug(`spare warm-up: ${redact(err instanceof Error ? err.message : String(err))}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A claim Claude Code accepted without applying one option (the model): still in force. */
function optionNotApplied(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('option_not_applied');
}

/**
 * One pre-started Claude Code process in stream-json input mode (Agent SDK `prewarm()`) and its states. It knows how
 * to start, bind, claim and kill its own process; when to do so, and how many, is the pool's policy (spare-pool.ts).
 */
export class Slot {
  state: SlotState = 'starting';
  spare: SpareProcess | null = null;
  /** The profile it was started with (profileKey), and the part of it the pool decides (SparePool.poolKey). */
  profile = '';
  poolKey = '';
  child: ChildProcess | null = null;
  /** Its client-tools endpoint (from launch on): empty until a run shows it its functions. */
  tools: ToolEndpoint | null = null;
  binding: Binding | null = null;
  /** Who may claim it (SlotHold). */
  private holdState: SlotHold = 'open';
  /** Its own fresh folder (SparePoolOptions.freshCwd). */
  cwd: string | null = null;
  /** The spare's own abort: kills its process group through our spawn. */
  readonly abort = new AbortController();
  /** Where stderr lines go: the claiming request's onStderr, else the debug log. */
  stderrSink: ((line: string) => void) | null = null;
  /** The claiming run's approval callback: canUseTool is fixed at start-up, so the spare's forwards here. */
  canUseTool: CanUseTool | null = null;
  /** Settles once the slot is usable (parked or bound: true) or failed (false). */
  readonly ready: Promise<boolean>;
  resolveReady!: (ok: boolean) => void;

  constructor() {
    this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
  }

  get hold(): SlotHold {
    return this.holdState;
  }

  /** Its fresh folder was handed to a new conversation: that conversation's run alone may claim it. */
  get promised(): boolean {
    return this.holdState === 'promised' || this.holdState === 'awaited-promised';
  }

  /** A run waits for its start: no other run takes it. */
  get awaited(): boolean {
    return this.holdState === 'awaited' || this.holdState === 'awaited-promised';
  }

  promise(): void {
    if (this.holdState === 'open') this.holdState = 'promised';
  }

  awaitStart(): void {
    this.holdState = this.promised ? 'awaited-promised' : 'awaited';
  }

  /** The run that waited for its start has claimed it or gone on without it: it is what it was before. */
  endWait(): void {
    this.holdState = this.holdState === 'awaited-promised' ? 'promised' : this.holdState === 'awaited' ? 'open' : this.holdState;
  }

  /** Waiting for a request (parked or bound). */
  get waiting(): boolean {
    return this.state === 'parked' || this.state === 'bound';
  }

  kill(): void {
    this.abort.abort();
    this.binding?.feed.end();
    if (this.child) killTree(this.child);
  }

  /** Lets the process go gracefully: its bound session closed, else (parked) the spare's own close. */
  closeGracefully(): void {
    if (this.binding) this.binding.query.close();
    else if (this.spare && this.state === 'parked') this.spare.close();
  }

  /** Starts the process (through our own spawn: own process group, stderr drained) and waits for its start-up. */
  async launch(l: SlotLaunch): Promise<SpareProcess> {
    const profile = l.profile;
    this.tools = new ToolEndpoint(l.toolTimeoutMs);
    const options: Options = {
      abortController: this.abort,
      env: { ...l.env },
      includePartialMessages: true,
      allowedTools: profile.allowedTools,
      disallowedTools: profile.disallowedTools,
      ...(profile.settings ? { settings: profile.settings } : {}),
      ...(profile.settingSources ? { settingSources: profile.settingSources } : {}),
      systemPrompt: { type: 'preset', preset: 'claude_code' },
      mcpServers: { [this.tools.config.name]: this.tools.config },
      // Fixed for the process's life: asks whichever run claimed it (nobody: refused, as without a callback).
      ...(l.askHost ? { canUseTool: ((tool, input, o) => this.canUseTool?.(tool, input, o) ?? Promise.resolve({ behavior: 'deny', message: 'No request owns this Claude process.' })) satisfies CanUseTool } : {}),
      spawnClaudeCodeProcess: (o) =>
        spawnInOwnGroup(o, (child) => {
          this.child = child;
          l.tracker?.track(child);
          // The SDK waits on a spare's exit from several places (parking-dir cleanup, claim, exited).
          child.setMaxListeners(30);
          child.once('exit', () => l.onExit());
          // A custom spawn drains stderr itself, or a chatty CLI blocks on a full pipe.
          child.stderr?.setEncoding('utf8');
          child.stderr?.on('data', (d: string) => {
            for (const line of d.split('\n')) {
              if (!line.trim()) continue;
              if (this.stderrSink) this.stderrSink(line);
              else log.debug(`spare stderr: ${redact(line)}`);
            }
          });
          if (l.closed()) this.kill();
        }),
      ...(l.binary ? { pathToClaudeCodeExecutable: l.binary } : {}),
      ...(profile.maxTurns > 0 ? { maxTurns: profile.maxTurns } : {}),
    };
    const spare = await prewarm({ options, initializeTimeoutMs: l.initializeTimeoutMs });
    this.spare = spare;
    return spare;
  }

  /**
   * Claims the spare for the expected session with a prompt that is held back: the folder is bound and its
   * settings, plugins and hooks loaded now, so a matching run only sends its prompt. False when refused or gone.
   */
  async bind(session: ExpectedSession, onRefused: OnRefused, closed: () => boolean, tools: readonly TurnTool[] | null = null): Promise<boolean> {
    const spare = this.spare;
    if (!spare) return false;
    const feed = new InputFeed();
    let query: Query;
    try {
      query = spare.claim({
        prompt: feed,
        options: {
          cwd: session.cwd,
          model: session.model,
          permissionMode: session.permissionMode,
          ...(session.systemPrompt ? { appendSystemPrompt: session.systemPrompt } : {}),
        },
      });
    } catch (err) {
      feed.end();
      onRefused(err);
      return false;
    }
    let model = session.model;
    const ok = await spare.claimed.then(
      () => true,
      (err: unknown) => {
        if (optionNotApplied(err)) {
          model = ''; // not in force: the run sets its model itself
          return true;
        }
        feed.end();
        onRefused(err);
        return false;
      },
    );
    if (!ok || this.state === 'gone' || closed()) {
      feed.end();
      query.close();
      return false;
    }
    // Listed before the warm-up, the tools new chats keep bringing cost their first turn nothing (Claude Code reads a
    // tool list it has not seen before its first model request: ≈ 20 ms here, bench/probes/prelisted-tools.ts).
    if (tools?.length) await this.tools?.use(listedOnly(tools));
    await warmUp(query);
    if ((this.state as SlotState) === 'gone' || closed()) {
      feed.end();
      query.close();
      return false;
    }
    this.binding = { key: sessionKey(session), session, model, query, feed };
    return true;
  }

  /**
   * Claims a parked spare for this run (cwd, model, permission mode, system prompt sent with the claim). Its input
   * stays open when the process may be kept for the conversation's next turn (keepOpen), else it ends after them.
   */
  claim(spec: RunSpec, onRefused: OnRefused, keepOpen: boolean): { query: Query; feed: InputFeed } | null {
    const spare = this.spare;
    if (!spare) return null;
    const feed = new InputFeed(spec.messages);
    if (!keepOpen) feed.end();
    try {
      const query = spare.claim({
        prompt: feed,
        options: {
          cwd: spec.cwd,
          model: spec.model,
          permissionMode: spec.permissionMode,
          ...(spec.systemPrompt ? { appendSystemPrompt: spec.systemPrompt } : {}),
        },
      });
      return { query, feed };
    } catch (err) {
      feed.end();
      onRefused(err);
      return null;
    }
  }

  /**
   * Holds the claimed session's messages until the process accepted the claim: a refused claim answers with an
   * error result (`not_claimed`) that must not reach the caller, who gets a cold run instead.
   */
  async awaitVerdict(
    query: Query,
    onRefused: OnRefused,
  ): Promise<{ ok: true; it: AsyncIterator<SDKMessage>; next: Promise<IteratorResult<SDKMessage>>; held: SDKMessage[] } | { ok: false }> {
    const verdict = this.verdict(onRefused);
    const it = query[Symbol.asyncIterator]();
    const held: SDKMessage[] = [];
    let next = it.next();
    for (;;) {
      const step = await Promise.race([next.then((r) => ({ kind: 'msg' as const, r })), verdict.then((ok) => ({ kind: 'verdict' as const, ok }))]);
      let ok: boolean | null = null;
      if (step.kind === 'verdict') ok = step.ok;
      else if (step.r.done) ok = await Promise.race([verdict, new Promise<false>((r) => setTimeout(() => r(false), 2_000).unref())]);
      else {
        held.push(step.r.value);
        next = it.next();
      }
      if (ok === true) return { ok, it, next, held };
      if (ok === false) {
        next.catch(() => undefined);
        return { ok };
      }
    }
  }

  /** true once the claim is in force (also when only the model was not applied), false when it was refused. */
  private verdict(onRefused: OnRefused): Promise<boolean> {
    const spare = this.spare;
    if (!spare) return Promise.resolve(false);
    return spare.claimed.then(
      () => true,
      (err: unknown) => {
        if (optionNotApplied(err)) {
          log.warn(`spare claim: ${redact(err instanceof Error ? err.message : String(err))}`);
          return true;
        }
        onRefused(err);
        return false;
      },
    );
  }
}
