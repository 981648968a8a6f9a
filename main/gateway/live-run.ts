import type { PermissionMode, SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { TokenUsage, TranscriptEvent, TranscriptEventBody } from '../contract/events.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import { SdkEventMapper } from '../claude/to-events.ts';
import type { Config } from '../config/schema.ts';
import { log, redact } from '../log.ts';
import type { RunRecorder } from '../transcripts/store.ts';
import { ClientToolBridge, CLIENT_TOOL_SERVER, type ClientToolCall } from './client-tools/bridge.ts';
import type { ExpiryReason, Suspendable } from './client-tools/suspended-runs.ts';
import { RepeatGuard } from './continuation.ts';
import { failureText } from './failure-text.ts';
import { credentialRefused, isAuthFailure, signInFailedDuringRun } from './sign-in-errors.ts';
import { GatewayError } from './openai-errors.ts';
import type { PreparedPrompt } from './prompt.ts';
import { AnswerRenderer, type AnswerPiece } from './render.ts';
import type { ClientToolSet } from './client-tools/definitions.ts';
import type { ApprovalCenter } from '../approvals/center.ts';
import type { RunPlace } from '../contract/projects.ts';
import type { RunConfinement } from '../policy/confine.ts';
import type { RunPolicy } from '../policy/run-policy.ts';
import { allowedForMode } from '../policy/read-only-tools.ts';

export type AbortReason = 'cancelled' | 'timeout' | 'shutdown' | ExpiryReason;

export interface RunRequest {
  requestId: string;
  endpoint: string;
  model: string;
  stream: boolean;
  client: string;
  prompt: PreparedPrompt;
  abort: AbortController;
  resumeSessionId?: string;
  /** Background task (title, tags…): no tools, one turn. */
  task?: string | null;
  /** A continuation: the partial answer the client already shows and appends this answer to. */
  continueAfter?: string;
  /** The caller's own functions, exposed to Claude for this run. */
  clientTools?: ClientToolSet | null;
  /** Where the run works and what it may do without asking (projects); absent: the configured folder and tools. */
  place?: RunPlace | null;
  /** The conversation's key (for approvals "for this conversation"); null when none is known. */
  conversation?: string | null;
}

export interface RunOutcome {
  /** suspended: the run called client tools and waits for their results (`toolCalls`); it is still alive. */
  status: 'done' | 'error' | 'cancelled' | 'interrupted' | 'suspended';
  error: GatewayError | null;
  /** This response's share of the run's usage (a suspended run's responses add up to Claude's total). */
  usage: TokenUsage | null;
  toolsRan: number;
  turns: number;
  /** What this response carries (one segment of a run that suspends on client tools). */
  content: string;
  reasoning: string;
  sessionId: string | null;
  finishReason: 'stop' | 'length' | 'tool_calls';
  toolCalls: ClientToolCall[];
}

export function abortReason(ac: AbortController): AbortReason | null {
  if (!ac.signal.aborted) return null;
  const r: unknown = ac.signal.reason;
  return r === 'timeout' || r === 'shutdown' || r === 'client_tool_timeout' || r === 'evicted' || r === 'ended_by_user' ? r : 'cancelled';
}

const EXPIRY_TEXT: Record<ExpiryReason, string> = {
  client_tool_timeout: 'no result for its client tool calls within CLIENT_TOOL_TIMEOUT_S',
  evicted: 'ended to make room for newer runs waiting on client tools (MAX_SUSPENDED_RUNS)',
  shutdown: 'the gateway stopped while the run waited for client tool results',
  ended_by_user: 'ended from the dashboard while it waited for client tool results',
};

const ZERO: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };

function minus(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: Math.max(0, a.inputTokens - b.inputTokens),
    outputTokens: Math.max(0, a.outputTokens - b.outputTokens),
    cacheReadInputTokens: Math.max(0, a.cacheReadInputTokens - b.cacheReadInputTokens),
    cacheCreationInputTokens: Math.max(0, a.cacheCreationInputTokens - b.cacheCreationInputTokens),
  };
}

/** What the Claude account wants to hear about runs (main/claude/account.ts). */
export interface RunHooks {
  /** Claude Code had no usable credential, or the model API refused it (message as Claude Code said it, redacted). */
  onAuthFailure?(message: string): void;
  /** A run got through to an answer: the credential works. */
  onAnswered?(): void;
  /** Why the model API could not be reached (a retry without an HTTP status): "connection refused", … */
  unreachableCause?(): Promise<string | null>;
}

export interface LiveRunDeps {
  config: Config;
  hooks?: RunHooks;
  runtime: ClaudeRuntime;
  /** Tools allowed on top of CLAUDE_ALLOWED_TOOLS, read per run (the configured MCP servers' mcp__<name>). */
  extraAllowedTools?: () => Promise<string[]>;
  /** Live approvals: tools outside the allow-list ask the user instead of being refused. */
  approvals?: ApprovalCenter;
  /** Told when a run stops or starts being driven by a request (the executor's active count). */
  onDriving(run: LiveRun, driving: boolean): void;
  /** The run's confinement (main/policy); without it runs are unconfined (full). */
  policy?: RunPolicy;
}

/**
 * One Claude run and its single event sequence: each SDK message becomes transcript events once; each event is
 * stored, broadcast, and rendered into answer pieces for the response currently driving the run. A run that calls
 * the caller's own functions suspends: drive() returns with the calls, the Claude process waits on the tool
 * handler, and a later request resume()s it and drives the rest into its own response. One transcript holds it all.
 */
export class LiveRun implements Suspendable {
  readonly abort: AbortController;
  private readonly recorder: RunRecorder;
  private readonly renderer: AnswerRenderer;
  private readonly guard: RepeatGuard | null;
  private readonly mapper = new SdkEventMapper();
  private readonly bridge: ClientToolBridge | null;
  private readonly startedAt = Date.now();
  private iterator: AsyncIterator<SDKMessage> | null = null;
  /** The next message being awaited: it outlives a suspension, so no message is ever asked for twice. */
  private pending: Promise<IteratorResult<SDKMessage>> | null = null;
  private readonly stderrTail: string[] = [];
  private usage: TokenUsage | null = null;
  private turns: number | null = null;
  private resultError: string | null = null;
  private claudeError: string | null = null;
  /** Claude Code's own message when it flagged the failure as an authentication one. */
  private authError: string | null = null;
  private maxTurnsHit = false;
  /** The policy refused to start the run (sandboxed where no sandbox can run). */
  private refused: GatewayError | null = null;
  /** The run's place and its confinement, decided once (refusal() may ask before drive()). */
  private placed: { place: RunPlace | null; confined: RunConfinement | null } | null = null;
  private segment = { content: '', reasoning: '' };
  private onPiece: (p: AnswerPiece) => void = () => undefined;
  /** Usage seen in the model's stream so far, and the part earlier responses already reported. */
  private metered: TokenUsage = { ...ZERO };
  private reported: TokenUsage = { ...ZERO };
  private suspendedAt: number | null = null;
  private final: RunOutcome | null = null;

  constructor(private readonly deps: LiveRunDeps, private readonly req: RunRequest, recorder: RunRecorder) {
    this.abort = req.abort;
    this.recorder = recorder;
    this.renderer = new AnswerRenderer(deps.config.TOOL_OUTPUT_MAX_BYTES, req.continueAfter);
    this.guard = req.continueAfter ? new RepeatGuard(req.continueAfter) : null;
    this.bridge = req.clientTools && !req.task ? new ClientToolBridge(req.clientTools) : null;
    this.emit({
      type: 'request', endpoint: req.endpoint, model: req.model, stream: req.stream, client: req.client,
      prompt: req.prompt.promptText, systemPrompt: req.prompt.systemPrompt, imageCount: req.prompt.imageCount, runtime: deps.runtime.kind,
      ...(req.place ? { project: req.place.project, folder: req.place.folder } : {}),
    });
  }

  /**
   * Why the policy will not let this run start (503 sandbox_unavailable), or null. Known before anything is sent, so a
   * streamed request is refused with its status instead of a 200 stream carrying the error.
   */
  refusal(): GatewayError | null {
    const { confined } = this.placement();
    if (confined?.refusal && !this.refused) this.refused = new GatewayError(503, confined.refusal, 'server_error', 'sandbox_unavailable', null, { 'x-should-retry': 'false' });
    return this.refused;
  }

  private placement(): { place: RunPlace | null; confined: RunConfinement | null } {
    if (this.placed) return this.placed;
    const req = this.req;
    const place = this.deps.policy?.placeFor(req.place ?? undefined) ?? req.place ?? null;
    // A background task has no tools: nothing to confine, and a title must not fail for want of a sandbox.
    const confined = place && this.deps.policy && !req.task ? this.deps.policy.confine(place) : null;
    this.placed = { place, confined };
    return this.placed;
  }

  get transcriptId(): string {
    return this.req.requestId;
  }

  get model(): string {
    return this.req.model;
  }

  /** Call ids the caller still owes while the run is suspended. */
  outstandingCalls(): ClientToolCall[] {
    return this.bridge?.outstanding() ?? [];
  }

  /**
   * Drives the run into one response until it ends or suspends on client tools. `link`: the abort signal of a
   * follow-up request (the first request's controller is the run's own).
   */
  async drive(onPiece: (p: AnswerPiece) => void, link?: AbortSignal): Promise<RunOutcome> {
    if (this.final) return this.final;
    this.onPiece = onPiece;
    this.segment = { content: '', reasoning: '' };
    const onLinkAbort = (): void => this.abort.abort(link?.reason === 'timeout' ? 'timeout' : 'cancelled');
    if (link?.aborted) onLinkAbort();
    link?.addEventListener('abort', onLinkAbort, { once: true });
    const timer = setTimeout(() => this.abort.abort('timeout'), this.deps.config.REQUEST_TIMEOUT_S * 1000);
    this.deps.onDriving(this, true);
    try {
      if (!this.iterator) await this.begin();
      if ((await this.pump()) === 'suspended') return this.suspend();
    } catch (err) {
      // The exit that follows an error Claude already reported is its consequence: keep the reported cause.
      if (!this.abort.signal.aborted && !this.claudeError && !this.resultError) {
        const msg = err instanceof Error ? err.message : String(err);
        const stderr = this.stderrTail.length && !msg.includes('stderr:') ? `. stderr: ${this.stderrTail.slice(-3).join(' | ')}` : '';
        this.claudeError = redact(`${msg}${stderr}`);
      }
    } finally {
      clearTimeout(timer);
      link?.removeEventListener('abort', onLinkAbort);
      this.deps.onDriving(this, false);
    }
    return this.finish(null);
  }

  /** The caller's results (call id → content): the next drive() continues with them. */
  resume(results: ReadonlyMap<string, string>, requestId: string): void {
    const waitedMs = this.suspendedAt === null ? 0 : Date.now() - this.suspendedAt;
    this.suspendedAt = null;
    this.emit({ type: 'client_tool_resume', toolUseIds: [...results.keys()], waitedMs, followUpRequestId: requestId });
    this.bridge?.supply(results);
  }

  /** Ends a suspended run that nobody drives (timeout, eviction, shutdown): its process is killed, its end recorded. */
  async expire(reason: ExpiryReason): Promise<void> {
    if (this.final) return;
    this.onPiece = () => undefined;
    this.abort.abort(reason);
    this.pending?.catch(() => undefined);
    void this.iterator?.return?.(undefined).catch(() => undefined);
    this.finish(reason);
  }

  private async begin(): Promise<void> {
    const req = this.req;
    const config = this.deps.config;
    const extra = req.task || !this.deps.extraAllowedTools ? [] : await this.deps.extraAllowedTools().catch(() => []);
    // Every process has the client-tools endpoint (empty when the turn has no functions): one tool set for all runs,
    // so any run fits a spare or a kept process.
    const clientAllowed = [`mcp__${CLIENT_TOOL_SERVER}`];
    const { place, confined } = this.placement();
    if (this.refusal()) return;
    // A background task keeps its empty tool set; a read-only run gets only the read tools.
    const tools = req.task ? [] : confined?.tools;
    // A place whose policy lists tools narrows what runs without asking (an empty list keeps CLAUDE_ALLOWED_TOOLS and
    // the MCP servers' tools); the caller's own functions are always theirs to run.
    // A read-only run asks for every MCP tool (policy/read-only-tools.ts), whichever list named it.
    const allowed = allowedForMode(confined?.mode, place?.policy.allow.length ? place.policy.allow : [...config.CLAUDE_ALLOWED_TOOLS, ...extra]);
    const approvals = req.task ? undefined : this.deps.approvals;
    const messages = this.deps.runtime.run({
      messages: [req.prompt.message],
      systemPrompt: req.prompt.systemPrompt,
      model: req.model,
      cwd: place?.folder ?? config.claudeCwd,
      allowedTools: [...new Set([...allowed, ...clientAllowed])],
      disallowedTools: [...new Set([...config.CLAUDE_DISALLOWED_TOOLS, ...(confined?.disallowedTools ?? [])])],
      permissionMode: config.CLAUDE_PERMISSION_MODE as PermissionMode,
      maxTurns: req.task ? 1 : config.CLAUDE_MAX_TURNS,
      ...(tools ? { tools } : {}),
      ...(confined?.settings ? { settings: confined.settings } : {}),
      ...(confined && Object.keys(confined.extraArgs).length ? { extraArgs: confined.extraArgs } : {}),
      ...(confined?.settingSources ? { settingSources: confined.settingSources } : {}),
      ...(this.bridge ? { clientTools: this.bridge.turn } : {}),
      abortController: this.abort,
      ...(approvals ? {
        canUseTool: approvals.gate({
          requestId: req.requestId, project: req.place?.project ?? null, mode: confined?.mode ?? null, client: req.client, conversation: req.conversation ?? null,
          signal: this.abort.signal, record: (body) => this.emit(body),
        }),
      } : {}),
      resumeSessionId: req.resumeSessionId,
      onStderr: (line) => {
        this.stderrTail.push(redact(line));
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      },
    });
    this.iterator = messages[Symbol.asyncIterator]();
  }

  /** Handles messages until the run ends, or until it waits on client calls whose model turns are complete. */
  private async pump(): Promise<'ended' | 'suspended'> {
    const it = this.iterator;
    if (!it) return 'ended';
    const bridge = this.bridge;
    // A handler starting to wait does not end the stream: it is raced against the next message (one race promise
    // per wake-up, not per message).
    let woken = bridge?.wakeup().then(() => null) ?? null;
    for (;;) {
      if (this.abort.signal.aborted) return 'ended';
      if (bridge?.readyToSuspend()) return 'suspended';
      const next = (this.pending ??= it.next());
      const step = bridge && woken ? await Promise.race([next, woken]) : await next;
      if (step === null) {
        woken = bridge?.wakeup().then(() => null) ?? null;
        continue;
      }
      this.pending = null;
      if (step.done) return 'ended';
      await this.explainRetry(step.value);
      this.handle(step.value);
    }
  }

  /** A retry without an HTTP status says only "unknown": the cause is looked up, so the retry line names it. */
  private async explainRetry(m: SDKMessage): Promise<void> {
    if (m.type !== 'system' || m.subtype !== 'api_retry' || m.error_status !== null) return;
    const noResponse = m.no_response;
    const cause = noResponse ? `no response within ${Math.round(noResponse.waited_ms / 1000)} s` : await this.deps.hooks?.unreachableCause?.().catch(() => null);
    if (cause) Object.assign(m, { error: cause });
  }

  private handle(m: SDKMessage): void {
    this.bridge?.observe(m);
    this.meter(m);
    for (const body of this.mapper.map(m)) {
      // The model API refused the credential: Claude Code would retry it for minutes; no retry can fix it.
      if (body.type === 'api_retry' && body.status === 401) {
        this.claudeError = this.authError = `HTTP 401${body.error && body.error !== 'unknown' ? `, ${body.error}` : ''}`;
        this.abort.abort('credential_refused');
        return;
      }
      if (body.type === 'error') {
        this.claudeError = body.message;
        if (body.code === 'authentication_failed') this.authError = redact(body.message);
      }
      if (body.type === 'result') {
        this.usage = body.usage;
        this.turns = body.numTurns;
        if (body.subtype === 'error_max_turns') this.maxTurnsHit = true;
        else if (body.isError && !this.claudeError) this.resultError = resultMessage(m) ?? `Claude Code ended with ${body.subtype}`;
      }
      this.emit(body);
    }
  }

  /** Usage as the model streams it, so a response that ends on client calls reports its own share. */
  private meter(m: SDKMessage): void {
    if (m.type !== 'stream_event') return;
    const ev = m.event;
    if (ev.type === 'message_start') {
      const u = ev.message.usage;
      this.metered.inputTokens += u.input_tokens ?? 0;
      this.metered.cacheReadInputTokens += u.cache_read_input_tokens ?? 0;
      this.metered.cacheCreationInputTokens += u.cache_creation_input_tokens ?? 0;
    } else if (ev.type === 'message_delta') {
      this.metered.outputTokens += ev.usage.output_tokens ?? 0;
    }
  }

  private suspend(): RunOutcome {
    this.flushGuard();
    const calls = this.bridge?.outstanding() ?? [];
    this.suspendedAt = Date.now();
    this.onPiece = () => undefined;
    this.emit({ type: 'client_tool_wait', calls: calls.map((c) => ({ toolUseId: c.id, name: c.name, arguments: c.arguments })) });
    const usage = minus(this.metered, this.reported);
    this.reported = { ...this.metered };
    log.info(`request ${this.req.requestId} suspended on ${calls.length} client tool call(s): ${calls.map((c) => c.name).join(', ')}`);
    return {
      status: 'suspended', error: null, usage, toolsRan: this.mapper.toolUses, turns: this.mapper.turnsSeen,
      content: this.segment.content, reasoning: this.segment.reasoning, sessionId: this.mapper.sessionId, finishReason: 'tool_calls', toolCalls: calls,
    };
  }

  private flushGuard(): void {
    if (this.guard) this.deliver({ kind: 'content', text: this.guard.flush() });
  }

  /** Records how the run ended (once) and builds the outcome of the response that saw it end. */
  private finish(expiry: ExpiryReason | null): RunOutcome {
    if (this.final) return this.final;
    this.flushGuard();
    const config = this.deps.config;
    const reason = expiry ?? abortReason(this.abort);
    let status: RunOutcome['status'] = 'done';
    let error: GatewayError | null = null;
    let endReason: string | null = null;
    const headers: Record<string, string> = this.mapper.toolUses > 0 ? { 'x-should-retry': 'false' } : {};
    if (this.refused && !reason) {
      status = 'error';
      error = this.refused;
    } else if (this.abort.signal.reason === 'credential_refused' && this.authError !== null) {
      // Stopped by the gateway at the model API's first 401 (handle), not by the client.
      status = 'error';
      error = credentialRefused(this.authError, headers);
      this.deps.hooks?.onAuthFailure?.(`the model API answered ${this.authError}`);
    } else if (reason === 'cancelled') {
      status = 'cancelled';
      endReason = 'the client closed the connection';
    } else if (reason === 'timeout') {
      status = 'error';
      error = new GatewayError(504, `Request timed out after ${config.REQUEST_TIMEOUT_S}s (REQUEST_TIMEOUT_S); the Claude run was stopped.`, 'timeout_error', 'timeout', null, { 'x-should-retry': 'false' });
    } else if (reason === 'shutdown' && this.suspendedAt === null) {
      status = 'error';
      error = new GatewayError(503, 'The gateway is shutting down; the Claude run was stopped.', 'server_error', 'shutting_down', null, headers);
    } else if (reason === 'shutdown' || reason === 'client_tool_timeout' || reason === 'evicted' || reason === 'ended_by_user') {
      // Nobody waits for an answer: the caller already has its tool_calls. A follow-up will start afresh.
      status = 'interrupted';
      endReason = EXPIRY_TEXT[reason];
    } else if (this.claudeError || this.resultError) {
      status = 'error';
      const failure = this.claudeError ?? this.resultError ?? 'Claude Code failed';
      if (this.authError !== null || isAuthFailure(failure)) {
        const said = failureText(this.authError ?? failure);
        error = signInFailedDuringRun(said, headers);
        this.deps.hooks?.onAuthFailure?.(said);
      } else {
        error = new GatewayError(502, failureText(failure), 'server_error', 'claude_error', null, headers);
      }
    } else if (status === 'done') {
      this.deps.hooks?.onAnswered?.();
    }
    if (error) this.emit({ type: 'error', message: error.message, code: error.code ?? 'error' });
    const durationMs = Date.now() - this.startedAt;
    // A cancelled or failed run has no result from Claude: count the turns it began, as the transcript shows them.
    const turnCount = this.turns ?? this.mapper.turnsSeen;
    const toolCalls = this.mapper.toolUses;
    this.emit({ type: 'end', status, reason: endReason ?? error?.message ?? null, durationMs, turns: turnCount, toolCalls });
    const req = this.req;
    log.info(
      `request ${req.requestId} endpoint=${req.endpoint} model=${req.model} stream=${req.stream} client=${req.client} turns=${turnCount} tools=${toolCalls} duration_ms=${durationMs} outcome=${status}${error ? ` error=${JSON.stringify(error.message.slice(0, 200))}` : endReason && status === 'interrupted' ? ` reason=${JSON.stringify(endReason)}` : ''}`,
    );
    const usage = this.usage ? minus(this.usage, this.reported) : null;
    this.final = {
      status, error, usage, toolsRan: toolCalls, turns: turnCount, content: this.segment.content, reasoning: this.segment.reasoning,
      sessionId: this.mapper.sessionId, finishReason: this.maxTurnsHit ? 'length' : 'stop', toolCalls: [],
    };
    return this.final;
  }

  private deliver(piece: AnswerPiece): void {
    if (!piece.text) return;
    if (piece.kind === 'content') this.segment.content += piece.text;
    else this.segment.reasoning += piece.text;
    this.onPiece(piece);
  }

  private emit(body: TranscriptEventBody): TranscriptEvent {
    const ev = this.recorder.emit(body);
    const guard = this.guard;
    for (const piece of this.renderer.render(ev)) this.deliver(guard && piece.kind === 'content' ? { kind: 'content', text: guard.push(piece.text) } : piece);
    return ev;
  }
}

function resultMessage(m: unknown): string | null {
  const r = m as { errors?: unknown; result?: unknown };
  if (Array.isArray(r.errors) && r.errors.length) return r.errors.map(String).join('; ');
  if (typeof r.result === 'string' && r.result) return r.result;
  return null;
}
