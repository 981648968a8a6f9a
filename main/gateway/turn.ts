import type { Config } from '../config/schema.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import { detectBackgroundTask } from './background-task.ts';
import type { ChatMessage } from './chat-request.ts';
import type { ConversationMap } from './conversations.ts';
import type { RunLimiter } from './limiter.ts';
import type { ModelCatalog } from './models.ts';
import { GatewayError } from './openai-errors.ts';
import { continuationOf } from './continuation.ts';
import { preparePrompt, prepareResumedContinuation } from './prompt.ts';
import { notSignedIn } from './sign-in-errors.ts';
import type { AnswerPiece } from './render.ts';
import type { RunExecutor, RunOutcome } from './run.ts';
import { acquireRunSlot } from './routes/run-slot.ts';

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
}

export interface TurnHooks {
  /** Called once a slot is held and Claude is about to start (send stream headers here). */
  onStart(): void;
  onPiece(piece: AnswerPiece): void;
}

export type TurnResult = { started: false } | { started: true; outcome: RunOutcome };

/**
 * One request of a conversation, for both /v1 endpoints: validation of the model, background-task routing, the
 * conversation's session (resume with only the new turn, or a fresh start with history as context), a run slot,
 * then the run itself. Returns started:false when the client left before Claude started.
 */
export async function runTurn(deps: TurnDeps, input: TurnInput, hooks: TurnHooks): Promise<TurnResult> {
  const model = deps.models.resolve(input.requestedModel);
  if (!model) {
    throw new GatewayError(404, `The model '${input.requestedModel}' does not exist. Available: ${deps.models.ids().join(', ')}.`, 'invalid_request_error', 'model_not_found', 'model');
  }
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

  // Validate before queueing: a malformed request must not wait for the conversation's lock.
  preparePrompt(input.messages);
  const unlock = await deps.conversations.lock(deps.conversations.lockKeyFor(input.messages, input.conversationId, model));
  try {
    const plan = deps.conversations.plan(input.messages, input.conversationId, model);
    const resume = plan.resumeSessionId && (deps.runtime.hasSession?.(plan.resumeSessionId) ?? true) ? plan.resumeSessionId : null;
    const lastUser = [...input.messages].reverse().find((m) => m.role === 'user');
    const continuation = continuationOf(input.messages);
    const prompt = resume && continuation
      ? prepareResumedContinuation(input.messages)
      : resume && lastUser
        ? preparePrompt([...input.messages.filter((m) => m.role === 'system' || m.role === 'developer'), lastUser])
        : preparePrompt(input.messages);
    const release = await acquireRunSlot(deps, input.abort);
    try {
      if (input.abort.signal.aborted) return { started: false };
      hooks.onStart();
      const outcome = await deps.executor.execute(
        { requestId: input.requestId, endpoint: input.endpoint, model, stream: input.stream, client: input.client, prompt, abort: input.abort, ...(resume ? { resumeSessionId: resume } : {}), ...(continuation ? { continueAfter: continuation.shown } : {}) },
        hooks.onPiece,
      );
      if (outcome.status === 'done') plan.commit(outcome.sessionId, outcome.content);
      return { started: true, outcome };
    } finally {
      release();
    }
  } finally {
    unlock();
  }
}
