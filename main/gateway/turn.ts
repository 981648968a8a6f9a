import type { Config } from '../config/schema.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import { detectBackgroundTask } from './background-task.ts';
import type { ChatMessage } from './chat-request.ts';
import type { ClientToolSet } from './client-tools/definitions.ts';
import { clientToolInstructions } from './client-tools/instructions.ts';
import { turnTools } from './client-tools/bridge.ts';
import { scopedConversationId, type ConversationMap, type ConversationPlan } from './conversations.ts';
import type { LiveRun } from './live-run.ts';
import type { RunLimiter } from './limiter.ts';
import type { ModelCatalog, ModelTarget } from './models.ts';
import { badRequest, GatewayError } from './openai-errors.ts';
import { continuationOf, type Continuation } from './continuation.ts';
import { partsToText, preparePrompt, prepareResumedContinuation, type PreparedPrompt } from './prompt.ts';
import { notSignedIn } from './sign-in-errors.ts';
import type { AnswerPiece } from './render.ts';
import type { RunExecutor, RunOutcome } from './run.ts';
import { acquireRunSlot } from './routes/run-slot.ts';
import { placeFor, type PlaceDeps } from '../projects/places.ts';
import { WorkspaceError } from '../projects/workspaces.ts';
import type { Project, RunPlace } from '../contract/projects.ts';

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
  /** X-OpenWebUI-Chat-Id, session_id field or header, as the client sent it (scoped by `caller`). */
  conversationId: string | null;
  /**
   * Who calls (caller.ts: the key's hash, or `local`): conversations, their folders, grants, suspended runs and kept
   * processes are found only within the caller's own namespace.
   */
  caller: string;
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

/**
 * The tool results of a request that ends with one (call id → content): a follow-up to tool calls, else null. Every
 * result after the last user message counts, in any valid OpenAI order: grouped after one assistant message with
 * several calls, interleaved one call and result at a time (n8n, LangChain), or split across assistant messages.
 */
export function toolResultsOfTail(messages: readonly ChatMessage[]): Map<string, string> | null {
  if (messages.at(-1)?.role !== 'tool') return null;
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') { start = i + 1; break; }
  const results = new Map<string, string>();
  for (const m of messages.slice(start)) {
    if (m.role === 'tool' && typeof m.tool_call_id === 'string') results.set(m.tool_call_id, partsToText(m.content));
  }
  return results.size ? results : null;
}

function withInstructions(prompt: PreparedPrompt, tools: ClientToolSet | null | undefined): PreparedPrompt {
  const extra = tools ? clientToolInstructions(tools) : null;
  if (!extra) return prompt;
  return { ...prompt, systemPrompt: prompt.systemPrompt ? `${prompt.systemPrompt}\n\n${extra}` : extra };
}

/** Where a suspended run may be picked up again: the endpoint and model it began with. */
function suspendKey(input: TurnInput, model: string): string {
  return `${input.caller}\u0000${input.endpoint}\u0000${model}`;
}

/**
 * What a turn is, decided before anything changes: a background task, the follow-up of a run suspended on client
 * tools, or a turn of a conversation. Carrying it out changes state only once the run really starts (a run slot held,
 * the client still there): a request refused (429, 503) or cancelled while queued leaves everything as it was.
 */
type TurnPlan =
  | { kind: 'task'; task: string; prompt: PreparedPrompt }
  | { kind: 'follow-up'; key: string; lockKey: string; run: LiveRun; results: Map<string, string> }
  | { kind: 'conversation'; target: ModelTarget; lockKey: string };

/** The part of a conversation turn read under its lock (the previous turn may have just committed its answer). */
interface ConversationTurn {
  conversation: ConversationPlan;
  resume: string | null;
  continuation: Continuation | null;
  prompt: PreparedPrompt;
  workspaceKey: string;
  /** A spare process can serve any fresh run, with or without the caller's functions (see SparePool.eligible). */
  mayUseSpare: boolean;
}

/** Decides what the request is; throws its 4xx before anything waits or changes. */
function planTurn(deps: TurnDeps, input: TurnInput, noFollowUp = false): TurnPlan {
  const target = deps.models.target(input.requestedModel);
  // Unknown (not checked yet, container down) lets the run go ahead: it reports its own failure.
  if (deps.signIn?.knownSignedOut()) throw notSignedIn();
  const task = detectBackgroundTask(input.body, input.messages);
  if (task) return { kind: 'task', task, prompt: preparePrompt(input.messages) };

  // Claude Code runs `model`; conversations and suspended runs are keyed by the whole id (`sonnet@myrepo`).
  const { key } = target;
  const lockKey = deps.conversations.lockKeyFor(input.messages, input.conversationId, key, input.caller);
  const results = toolResultsOfTail(input.messages);
  const suspended = results && !noFollowUp ? deps.executor.suspended.peek([...results.keys()], suspendKey(input, key)) : null;
  if (suspended && results) {
    const missing = suspended.outstandingCalls().filter((c) => !results.has(c.id));
    if (missing.length) {
      throw badRequest(`Missing tool results: every tool call needs a tool message with its tool_call_id (missing ${missing.map((c) => `'${c.id}' (${c.name})`).join(', ')}).`, 'messages', 'missing_tool_results');
    }
    return { kind: 'follow-up', key, lockKey, run: suspended, results };
  }
  if (results && !input.messages.some((m) => m.role === 'user')) {
    throw badRequest(`No run waits for the tool call(s) ${[...results.keys()].map((id) => `'${id}'`).join(', ')} (it ended, or the gateway restarted): send the conversation with them, from its first user message.`, 'input', 'unknown_tool_call_id');
  }
  // Validate before queueing: a malformed request must not wait for the conversation's lock.
  preparePrompt(input.messages);
  return { kind: 'conversation', target, lockKey };
}

/** The conversation's side of the plan: resume or fresh start, the prompt, the folder. Reads only. */
function planConversationTurn(deps: TurnDeps, input: TurnInput, target: ModelTarget): ConversationTurn {
  const conversation = deps.conversations.plan(input.messages, input.conversationId, target.key, input.caller);
  // A session that was shown a client tool this turn lacks would still offer it: such a turn starts fresh instead.
  const resume = conversation.resumeSessionId && (deps.runtime.hasSession?.(conversation.resumeSessionId) ?? true) && (deps.runtime.clientToolsFit?.(conversation.resumeSessionId, turnTools(input.clientTools)) ?? true) ? conversation.resumeSessionId : null;
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
  return { conversation, resume, continuation, prompt, workspaceKey: conversation.workspaceKey, mayUseSpare: !resume };
}

/**
 * One request of a conversation, for both /v1 endpoints: the plan (planTurn), then, holding the conversation's lock
 * and a run slot, the run itself. Returns started:false when the client left before Claude started.
 */
export async function runTurn(deps: TurnDeps, input: TurnInput, hooks: TurnHooks): Promise<TurnResult> {
  // A follow-up whose run ended while it waited for a slot is planned once more: without that run.
  for (let attempt = 0; ; attempt++) {
    const plan = planTurn(deps, input, attempt > 0);
    if (plan.kind === 'task') return runTask(deps, input, hooks, plan.task, plan.prompt);
    const unlock = await deps.conversations.lock(plan.lockKey);
    try {
      if (plan.kind === 'conversation') return await runConversationTurn(deps, input, hooks, plan.target);
      const done = await continueSuspended(deps, input, hooks, plan);
      if (done) return done;
    } finally {
      unlock();
    }
  }
}

/** A turn of the conversation: a resumed session or a fresh start, in its folder (or project). */
async function runConversationTurn(deps: TurnDeps, input: TurnInput, hooks: TurnHooks, target: ModelTarget): Promise<TurnResult> {
  const turn = planConversationTurn(deps, input, target);
  const release = await acquireRunSlot(deps, input.abort);
  let unhold: (() => void) | undefined;
  try {
    if (input.abort.signal.aborted) return { started: false };
    // From here the run starts: its folder (a spare's, for a new conversation) and its resume point are taken.
    const place = deps.places ? placeOrRefusal(deps.places, target.project, turn.workspaceKey, turn.mayUseSpare) : undefined;
    // A policy that cannot be enforced here (no sandbox) is refused before anything is sent: a plain 503, even streamed.
    const refused = deps.executor.refusalFor(place);
    if (refused) throw refused;
    unhold = place && !place.project ? deps.places?.workspaces.hold(place.folder) : undefined;
    const run = deps.executor.start({
      requestId: input.requestId, endpoint: input.endpoint, model: target.model, stream: input.stream, client: input.client, prompt: turn.prompt, abort: input.abort,
      ...(turn.resume ? { resumeSessionId: turn.resume } : {}), ...(turn.continuation ? { continueAfter: turn.continuation.shown } : {}), clientTools: input.clientTools ?? null,
      // "Allow for this conversation" grants are the caller's own.
      conversation: input.conversationId ? scopedConversationId(input.caller, input.conversationId) : null,
      ...(place ? { place } : {}),
    });
    // A run its policy refuses (no sandbox) answers with its status: nothing sent, no stream opened, no turn taken.
    if (!run.refusal()) {
      turn.conversation.claim();
      hooks.onStart();
    }
    const outcome = await run.drive(hooks.onPiece);
    if (outcome.status === 'done') turn.conversation.commit(outcome.sessionId, outcome.content);
    if (outcome.status === 'suspended') park(deps, input, target.key, run, outcome);
    return { started: true, outcome };
  } finally {
    unhold?.();
    release();
  }
}

/** The run's place; a chat folder that cannot be made (disk full, unwritable) is the request's 503, not a crash. */
function placeOrRefusal(places: PlaceDeps, project: Project | null, workspaceKey: string, mayUseSpare: boolean): RunPlace {
  try {
    return placeFor(places, project, workspaceKey, mayUseSpare);
  } catch (err) {
    if (err instanceof WorkspaceError) throw new GatewayError(err.status, err.message, 'server_error', err.code);
    throw err;
  }
}

/** A background task (title, tags…): one turn on the task model, in its own slots. */
async function runTask(deps: TurnDeps, input: TurnInput, hooks: TurnHooks, task: string, prompt: PreparedPrompt): Promise<TurnResult> {
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

function park(deps: TurnDeps, input: TurnInput, model: string, run: LiveRun, outcome: RunOutcome): void {
  deps.executor.suspended.park(run, outcome.toolCalls.map((c) => c.id), suspendKey(input, model));
}

/**
 * The caller's results for a run waiting on them: the run goes on and answers this request. It keeps waiting (its
 * timeout running) until this request holds a run slot; if it ended meanwhile, the request is planned again (a fresh
 * start with the history).
 */
async function continueSuspended(deps: TurnDeps, input: TurnInput, hooks: TurnHooks, plan: Extract<TurnPlan, { kind: 'follow-up' }>): Promise<TurnResult | null> {
  const { run, results, key } = plan;
  const release = await acquireRunSlot(deps, input.abort);
  try {
    if (input.abort.signal.aborted) return { started: false };
    // The run ended while this request waited (timeout, eviction): the calls and results are history now.
    if (!deps.executor.suspended.claim(run)) return null;
    hooks.onStart();
    const owed = new Set(run.outstandingCalls().map((c) => c.id));
    run.resume(new Map([...results].filter(([id]) => owed.has(id))), input.requestId);
    const outcome = await run.drive(hooks.onPiece, input.abort.signal);
    // The conversation as the client will resend it next turn is this request's history plus this answer.
    if (outcome.status === 'done') {
      const conversation = deps.conversations.plan(input.messages, input.conversationId, key, input.caller);
      conversation.claim();
      conversation.commit(outcome.sessionId, outcome.content);
    }
    if (outcome.status === 'suspended') park(deps, input, key, run, outcome);
    return { started: true, outcome };
  } finally {
    release();
  }
}
