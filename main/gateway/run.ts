import type { PermissionMode } from '@anthropic-ai/claude-agent-sdk';
import type { TokenUsage, TranscriptEvent, TranscriptEventBody } from '../contract/events.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import { SdkEventMapper } from '../claude/to-events.ts';
import type { Config } from '../config/schema.ts';
import { log, redact } from '../log.ts';
import type { TranscriptStore } from '../transcripts/store.ts';
import { GatewayError } from './openai-errors.ts';
import type { PreparedPrompt } from './prompt.ts';
import { RepeatGuard } from './continuation.ts';
import { failureText } from './failure-text.ts';
import { AnswerRenderer, type AnswerPiece } from './render.ts';
import { isAuthFailure, signInFailedDuringRun } from './sign-in-errors.ts';

export type AbortReason = 'cancelled' | 'timeout' | 'shutdown';

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
}

export interface RunOutcome {
  status: 'done' | 'error' | 'cancelled';
  error: GatewayError | null;
  usage: TokenUsage | null;
  toolsRan: number;
  turns: number;
  content: string;
  reasoning: string;
  sessionId: string | null;
  finishReason: 'stop' | 'length';
}

/** What the Claude account wants to hear about runs (main/claude/account.ts). */
export interface RunHooks {
  /** Claude Code had no usable credential, or the model API refused it (message as Claude Code said it, redacted). */
  onAuthFailure?(message: string): void;
  /** A run got through to an answer: the credential works. */
  onAnswered?(): void;
}

export function abortReason(ac: AbortController): AbortReason | null {
  if (!ac.signal.aborted) return null;
  const r: unknown = ac.signal.reason;
  return r === 'timeout' || r === 'shutdown' ? r : 'cancelled';
}

/**
 * Runs one request through Claude Code and drives its single event sequence: each SDK message becomes transcript
 * events once; each event is stored, broadcast, and rendered into answer pieces for the caller's response.
 */
export class RunExecutor {
  private active = new Map<string, AbortController>();

  constructor(
    private readonly config: Config,
    private readonly runtime: ClaudeRuntime,
    private readonly store: TranscriptStore,
    /** Tools allowed on top of CLAUDE_ALLOWED_TOOLS, read per run (the configured MCP servers' mcp__<name>). */
    private readonly extraAllowedTools?: () => Promise<string[]>,
    private readonly hooks: RunHooks = {},
  ) {}

  get activeCount(): number {
    return this.active.size;
  }

  /** Aborts every running request (shutdown). */
  abortAll(reason: AbortReason): void {
    for (const ac of this.active.values()) ac.abort(reason);
  }

  async execute(req: RunRequest, onPiece: (p: AnswerPiece) => void): Promise<RunOutcome> {
    const started = Date.now();
    const recorder = this.store.begin(req.requestId);
    const renderer = new AnswerRenderer(this.config.TOOL_OUTPUT_MAX_BYTES, req.continueAfter);
    const guard = req.continueAfter ? new RepeatGuard(req.continueAfter) : null;
    const mapper = new SdkEventMapper();
    const stderrTail: string[] = [];
    let content = '';
    let reasoning = '';
    let usage: TokenUsage | null = null;
    let turns: number | null = null;
    let resultError: string | null = null;
    let claudeError: string | null = null;
    /** Claude Code's own message when it flagged the failure as an authentication one. */
    let authError: string | null = null;
    let maxTurnsHit = false;

    const deliver = (piece: AnswerPiece): void => {
      if (!piece.text) return;
      if (piece.kind === 'content') content += piece.text;
      else reasoning += piece.text;
      onPiece(piece);
    };
    const emit = (body: TranscriptEventBody): TranscriptEvent => {
      const ev = recorder.emit(body);
      for (const piece of renderer.render(ev)) deliver(guard && piece.kind === 'content' ? { kind: 'content', text: guard.push(piece.text) } : piece);
      return ev;
    };

    emit({
      type: 'request', endpoint: req.endpoint, model: req.model, stream: req.stream, client: req.client,
      prompt: req.prompt.promptText, systemPrompt: req.prompt.systemPrompt, imageCount: req.prompt.imageCount, runtime: this.runtime.kind,
    });

    const timer = setTimeout(() => req.abort.abort('timeout'), this.config.REQUEST_TIMEOUT_S * 1000);
    this.active.set(req.requestId, req.abort);
    try {
      const extra = req.task || !this.extraAllowedTools ? [] : await this.extraAllowedTools().catch(() => []);
      const messages = this.runtime.run({
        messages: [req.prompt.message],
        systemPrompt: req.prompt.systemPrompt,
        model: req.model,
        cwd: this.config.claudeCwd,
        allowedTools: [...new Set([...this.config.CLAUDE_ALLOWED_TOOLS, ...extra])],
        disallowedTools: this.config.CLAUDE_DISALLOWED_TOOLS,
        permissionMode: this.config.CLAUDE_PERMISSION_MODE as PermissionMode,
        maxTurns: req.task ? 1 : this.config.CLAUDE_MAX_TURNS,
        ...(req.task ? { tools: [] } : {}),
        abortController: req.abort,
        resumeSessionId: req.resumeSessionId,
        onStderr: (line) => {
          stderrTail.push(redact(line));
          if (stderrTail.length > 20) stderrTail.shift();
        },
      });
      for await (const m of messages) {
        if (req.abort.signal.aborted) break;
        for (const body of mapper.map(m)) {
          if (body.type === 'error') {
            claudeError = body.message;
            if (body.code === 'authentication_failed') authError = redact(body.message);
          }
          if (body.type === 'result') {
            usage = body.usage;
            turns = body.numTurns;
            if (body.subtype === 'error_max_turns') maxTurnsHit = true;
            else if (body.isError && !claudeError) resultError = resultMessage(m) ?? `Claude Code ended with ${body.subtype}`;
          }
          emit(body);
        }
      }
    } catch (err) {
      // The exit that follows an error Claude already reported is its consequence: keep the reported cause.
      if (!req.abort.signal.aborted && !claudeError && !resultError) {
        const msg = err instanceof Error ? err.message : String(err);
        const stderr = stderrTail.length && !msg.includes('stderr:') ? `. stderr: ${stderrTail.slice(-3).join(' | ')}` : '';
        claudeError = redact(`${msg}${stderr}`);
      }
    } finally {
      clearTimeout(timer);
      this.active.delete(req.requestId);
    }
    if (guard) deliver({ kind: 'content', text: guard.flush() });

    const reason = abortReason(req.abort);
    let status: RunOutcome['status'] = 'done';
    let error: GatewayError | null = null;
    const headers: Record<string, string> = mapper.toolUses > 0 ? { 'x-should-retry': 'false' } : {};
    if (reason === 'cancelled') {
      status = 'cancelled';
    } else if (reason === 'timeout') {
      status = 'error';
      error = new GatewayError(504, `Request timed out after ${this.config.REQUEST_TIMEOUT_S}s (REQUEST_TIMEOUT_S); the Claude run was stopped.`, 'timeout_error', 'timeout', null, { 'x-should-retry': 'false' });
    } else if (reason === 'shutdown') {
      status = 'error';
      error = new GatewayError(503, 'The gateway is shutting down; the Claude run was stopped.', 'server_error', 'shutting_down', null, headers);
    } else if (claudeError || resultError) {
      status = 'error';
      const failure = claudeError ?? resultError ?? 'Claude Code failed';
      if (authError !== null || isAuthFailure(failure)) {
        const said = failureText(authError ?? failure);
        error = signInFailedDuringRun(said, headers);
        this.hooks.onAuthFailure?.(said);
      } else {
        error = new GatewayError(502, failureText(failure), 'server_error', 'claude_error', null, headers);
      }
    } else {
      this.hooks.onAnswered?.();
    }
    if (error) emit({ type: 'error', message: error.message, code: error.code ?? 'error' });
    const durationMs = Date.now() - started;
    // A cancelled or failed run has no result from Claude: count the turns it began, as the transcript shows them.
    const turnCount = turns ?? mapper.turnsSeen;
    emit({ type: 'end', status, reason: status === 'cancelled' ? 'the client closed the connection' : error?.message ?? null, durationMs, turns: turnCount, toolCalls: mapper.toolUses });
    log.info(
      `request ${req.requestId} endpoint=${req.endpoint} model=${req.model} stream=${req.stream} client=${req.client} turns=${turnCount} tools=${mapper.toolUses} duration_ms=${durationMs} outcome=${status}${error ? ` error=${JSON.stringify(error.message.slice(0, 200))}` : ''}`,
    );
    return { status, error, usage, toolsRan: mapper.toolUses, turns: turnCount, content, reasoning, sessionId: mapper.sessionId, finishReason: maxTurnsHit ? 'length' : 'stop' };
  }
}

function resultMessage(m: unknown): string | null {
  const r = m as { errors?: unknown; result?: unknown };
  if (Array.isArray(r.errors) && r.errors.length) return r.errors.map(String).join('; ');
  if (typeof r.result === 'string' && r.result) return r.result;
  return null;
}
