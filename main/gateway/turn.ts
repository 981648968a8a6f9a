import type { Config } from '../config/schema.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import { detectBackgroundTask } from './background-task.ts';
import type { ChatMessage } from './chat-request.ts';
import type { ClientToolSet } from './client-tools/definitions.ts';
import { clientToolInstructions } from './client-tools/instructions.ts';
import { turnTools } from './client-tools/bridge.ts';
import type { ConversationMap } from './conversations.ts';
import type { LiveRun } from './live-run.ts';
import type { RunLimiter } from './limiter.ts';
import type { ModelCatalog } from './models.ts';
import { GatewayError, badRequest } from './openai-errors.ts';
import { continuationOf } from './continuation.ts';
import { partsToText, preparePrompt, prepareResumedContinuation, type PreparedPrompt } from './prompt.ts';
import { notSignedIn } from './sign-in-errors.ts';
import type { AnswerPiece } from './render.ts';
import type { RunExecutor, RunOutcome } from './run.ts';
import { acquireRunSlot } from './routes/run-slot.ts';
import { placeFor, type PlaceDeps } from '../projects/places.ts';

export interface TurnDeps {
  config: Config;
  models: ModelCatalog;
  limiter: RunLimiter;
  /** Background tasks get their own slots so they never wait behind (or delay) main answers. */
  taskLimiter: RunLimiter;
  runtime: ClaudeRuntime;
  executor: RunExecutor;
  conversations: ConversationMap;
  /** Claude's sign-in monitor: requests are refused before any process starts while it KNOWS Claude is signed out. */
  signIn?: { knownSignedOut(): boolean };
  /** Chat workspaces (runs without a project); without it runs work in CLAUDE_CWD. */
  places?: PlaceDeps;
}

export interface TurnInput {
  requestId: string;
  endpoint: string;
  requestedModel: string;
  messages: ChatMessage[];
  /** Raw body: background-task metadata. */
  body: Record<string, unknown>;
  /** X-OpenWebUI-Chat-Id, session_id field or header. */
  conversationId: string | null;
  stream: boolean;
  client: string;
  abort: AbortController;
  /** The caller's functions to expose to Claude (null: none, or tool_choice "none"). */
  clientTools?: ClientToolSet | null;
}

export interface TurnHooks {
  /** Called once a slot is held and Claude is about to start (send stream headers here). */
  onStart(): void;
  onPiece(piece: AnswerPiece): void;
}

export type TurnResult = { started: false } | { started: true; outcome: RunOutcome };

/** The tool results a request ends with (call id → content): a follow-up to tool calls, else null. */
function trailingToolResults(messages: ChatMessage[]): Map<string, string> | null {
  const results = new Map<string, string>();
  for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--) {
    const id = messages[i].tool_call_id;
    if (typeof id === 'string') results.set(id, partsToText(messages[i].content));
  }
  return results.size ? new Map([...results].reverse()) : null;
}

function withInstructions(prompt: PreparedPrompt, tools: ClientToolSet | null | undefined): PreparedPrompt {
  const extra = tools ? clientToolInstructions(tools) : null;
  if (!extra) return prompt;
  return { ...prompt, systemPrompt: prompt.systemPrompt ? `${prompt.systemPrompt}\n\n${extra}` : extra };
}

/** Where a suspended run may be picked up again: the endpoint and model it began with. */
function suspendKey(input: TurnInput, model: string): string {
  return `${input.endpoint}\u0000${model}`;
}

/**
 * One request of a conversation, for both /v1 endpoints: validation of the model, background-task routing, the
 * follow-up of a run suspended on client tools (its results handed over, the run continues into this response),
 * else the conversation's session (resume with only the new turn, or a fresh start with history as context), a run
 * slot, then the run itself. Returns started:false when the client left before Claude started.
 */
export async function runTurn(deps: TurnDeps, input: TurnInput, hooks: TurnHooks): Promise<TurnResult> {
  const target = deps.models.target(input.requestedModel);
  // Claude Code runs `model`; conversations and suspended runs are keyed by the whole id (`sonnet@myrepo`).
  const { model, key } = target;
  // Unknown (not checked yet, container down) lets the run go ahead: it reports its own failure.
  if (deps.signIn?.knownSignedOut()) throw notSignedIn();
  const task = detectBackgroundTask(input.body, input.messages);
  if (task) {
    const prompt = preparePrompt(input.messages);
    const release = await acquireRunSlot({ limiter: deps.taskLimiter, runtime: deps.runtime }, input.abort);
    try {
      if (input.abort.signal.aborted) return { started: false };
      hooks.onStart();
      const outcome = await deps.executor.execute(
        { requestId: input.requestId, endpoint: input.endpoint, model: deps.config.CLAUDE_TASK_MODEL, stream: input.stream, client: `${input.client} (${task})`, prompt, abort: input.abort, task },
        hooks.onPiece,
      );
      return { started: true, outcome };
    } finally {
      release();
    }
  }

  const results = trailingToolResults(input.messages);
  const suspended = results ? deps.executor.suspended.take([...results.keys()], suspendKey(input, key)) : null;
  if (suspended && results) return continueSuspended(deps, input, hooks, key, suspended, results);
  if (results && !input.messages.some((m) => m.role === 'user')) {
    throw badRequest(`No run waits for the tool call(s) ${[...results.keys()].map((id) => `'${id}'`).join(', ')} (it ended, or the gateway restarted): send the conversation with them, from its first user message.`, 'input', 'unknown_tool_call_id');
  }

  // Validate before queueing: a malformed request must not wait for the conversation's lock.
  preparePrompt(input.messages);
  const unlock = await deps.conversations.lock(deps.conversations.lockKeyFor(input.messages, input.conversationId, key));
  try {
    const plan = deps.conversations.plan(input.messages, input.conversationId, key);
    // A session that was shown a client tool this turn lacks would still offer it: such a turn starts fresh instead.
    const resume = plan.resumeSessionId && (deps.runtime.hasSession?.(plan.resumeSessionId) ?? true) && (deps.runtime.clientToolsFit?.(plan.resumeSessionId, turnTools(input.clientTools)) ?? true) ? plan.resumeSessionId : null;
    let lastUser = -1;
    for (let i = input.messages.length - 1; i >= 0 && lastUser < 0; i--) if (input.messages[i].role === 'user') lastUser = i;
    const continuation = continuationOf(input.messages);
    // A resumed session holds the history: it gets the latest user turn and what followed it (tool calls and results).
    const tail = input.messages.slice(lastUser).filter((m) => m.role !== 'system' && m.role !== 'developer');
    const prompt = withInstructions(
      resume && continuation
        ? prepareResumedContinuation(input.messages)
        : resume && lastUser >= 0
          ? preparePrompt([...input.messages.filter((m) => m.role === 'system' || m.role === 'developer'), ...tail])
          : preparePrompt(input.messages),
      input.clientTools,
    );
    // A spare process can serve any fresh run, with or without the caller's functions (see SparePool.eligible).
    const place = deps.places ? placeFor(deps.places, target.project, plan.workspaceKey, !resume) : undefined;
    const release = await acquireRunSlot(deps, input.abort);
    const unhold = place && !place.project ? deps.places?.workspaces.hold(place.folder) : undefined;
    try {
      if (input.abort.signal.aborted) return { started: false };
      hooks.onStart();
      const run = deps.executor.start({
        requestId: input.requestId, endpoint: input.endpoint, model, stream: input.stream, client: input.client, prompt, abort: input.abort,
        ...(resume ? { resumeSessionId: resume } : {}), ...(continuation ? { continueAfter: continuation.shown } : {}), clientTools: input.clientTools ?? null,
        conversation: input.conversationId,
        ...(place ? { place } : {}),
      });
      const outcome = await run.drive(hooks.onPiece);
      if (outcome.status === 'done') plan.commit(outcome.sessionId, outcome.content);
      if (outcome.status === 'suspended') park(deps, input, key, run, outcome);
      return { started: true, outcome };
    } finally {
      unhold?.();
      release();
    }
  } finally {
    unlock();
  }
}

function park(deps: TurnDeps, input: TurnInput, model: string, run: LiveRun, outcome: RunOutcome): void {
  deps.executor.suspended.park(run, outcome.toolCalls.map((c) => c.id), suspendKey(input, model));
}

/** The caller's results for a run waiting on them: the run goes on and answers this request. */
async function continueSuspended(deps: TurnDeps, input: TurnInput, hooks: TurnHooks, model: string, run: LiveRun, results: Map<string, string>): Promise<TurnResult> {
  const owed = run.outstandingCalls();
  // Until it is resumed the run goes back to waiting whenever this request does not carry it on.
  const putBack = (): void => deps.executor.suspended.park(run, owed.map((c) => c.id), suspendKey(input, model));
  const missing = owed.filter((c) => !results.has(c.id));
  if (missing.length) {
    putBack();
    throw badRequest(`Missing tool results: every tool call needs a tool message with its tool_call_id (missing ${missing.map((c) => `'${c.id}' (${c.name})`).join(', ')}).`, 'messages', 'missing_tool_results');
  }
  let resumed = false;
  try {
    const unlock = await deps.conversations.lock(deps.conversations.lockKeyFor(input.messages, input.conversationId, model));
    try {
      const release = await acquireRunSlot(deps, input.abort);
      try {
        if (input.abort.signal.aborted) return { started: false };
        hooks.onStart();
        resumed = true;
        run.resume(results, input.requestId);
        const outcome = await run.drive(hooks.onPiece, input.abort.signal);
        // The conversation as the client will resend it next turn is this request's history plus this answer.
        if (outcome.status === 'done') deps.conversations.plan(input.messages, input.conversationId, model).commit(outcome.sessionId, outcome.content);
        if (outcome.status === 'suspended') park(deps, input, model, run, outcome);
        return { started: true, outcome };
      } finally {
        release();
      }
    } finally {
      unlock();
    }
  } finally {
    if (!resumed) putBack();
  }
}
