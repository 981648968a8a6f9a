import type { LiveConversationsHealth } from '../contract/control-api.ts';
import type { ToolTurn, TurnTool } from './client-tool-endpoint.ts';
import type { CanUseTool, SDKMessage, SDKUserMessage, SpawnOptions, SpawnedProcess, PermissionMode, SettingSource, Settings } from '@anthropic-ai/claude-agent-sdk';

/** What one gateway request asks Claude Code to do. */
export interface RunSpec {
  /** The user turn(s) to send; a single message for a fresh run. */
  messages: SDKUserMessage['message'][];
  /** Appended to Claude Code's own system prompt (it keeps its tool instructions). */
  systemPrompt: string | null;
  model: string;
  cwd: string;
  allowedTools: string[];
  disallowedTools: string[];
  permissionMode: PermissionMode;
  maxTurns: number;
  abortController: AbortController;
  /** Built-in tools offered to the model; `[]` disables them all (background tasks). Default: Claude Code's set. */
  tools?: string[];
  /**
   * The caller's own functions for this turn: every process has the client-tools endpoint from birth and is shown
   * these (see client-tool-endpoint.ts); a kept process whose earlier tools this turn does not cover is not used.
   */
  clientTools?: ToolTurn;
  /**
   * Asked for a tool call outside allowedTools (live approvals). A spare process registered its callback when it
   * started: it forwards to the run that claimed it.
   */
  canUseTool?: CanUseTool;
  /** Resume an existing Claude Code session (conversation continuity). */
  resumeSessionId?: string;
  /** Extra env for the Claude process on top of the inherited environment. */
  env?: Record<string, string>;
  /** The run's policy as Claude Code settings (`--settings`: permissions, sandbox); see main/policy/confine.ts. */
  settings?: Settings;
  /** Extra CLI flags of the run's policy (`restricted` for read-only). */
  extraArgs?: Record<string, string | null>;
  /** Claude Code's setting sources (default: all); the policy leaves out the folder's own (confine.ts). */
  settingSources?: SettingSource[];
  /** Claude Code's stderr lines, for logs and error messages. */
  onStderr?: (line: string) => void;
}

/**
 * Where Claude Code runs. The local runtime spawns the bundled binary; the docker runtime runs it inside the
 * compose container through the Agent SDK's spawn hook. Both yield the SDK's own typed messages.
 */
export interface ClaudeRuntime {
  readonly kind: 'local' | 'docker';
  /** Resolves when a run can start, or rejects with a user-facing reason (container down, binary missing). */
  ready(): Promise<void>;
  run(spec: RunSpec): AsyncIterable<SDKMessage>;
  /** Whether a Claude Code session can be resumed here (its transcript exists). */
  hasSession?(sessionId: string): boolean;
  /**
   * Whether a turn offering these client tools may continue the session: Claude Code keeps offering every tool a
   * session was shown, so a session that saw a tool this turn lacks (or defines otherwise) is not continued.
   */
  clientToolsFit?(sessionId: string, tools: readonly TurnTool[]): boolean;
  /** PIDs (host-side) of Claude processes this runtime started that are still alive. */
  livePids(): number[];
  /** Starts what the runtime keeps ready between requests (spare processes); Services.start calls it. */
  start?(): void;
  /** Stops it again, leaving no process behind; Services.stop calls it. */
  close?(): Promise<void>;
  /** Spare-process counts for health, or null when this runtime keeps none. */
  spares?(): SparePoolStats | null;
  /**
   * The base environment changed (a Claude credential saved or removed in the app): processes started ahead of
   * time with the old one are replaced; runs already going keep theirs.
   */
  envChanged?(): void;
  /**
   * A change Claude Code reads only at start-up (MCP servers, sign-ins): the spares started before it are replaced,
   * the kept processes closed (busy ones once their turn ends).
   */
  retireProcesses?(reason: string): void;
  /** Processes kept after a turn for the conversation's next one (CONVERSATION_KEEPALIVE_S), or null when none are. */
  liveConversations?(): LiveConversationsHealth | null;
  /** Closes the idle kept processes (their conversations' next turns resume in new ones). */
  closeLiveConversations?(reason: string): void;
  /** A waiting spare's own fresh folder, handed to a new conversation as its workspace (null: none waits). */
  takeSpareFolder?(): string | null;
  /** Fresh folders spares wait in (not a conversation's yet): the workspace cleanup keeps them. */
  spareFolders?(): string[];
}

/** A fixed environment, or one read at every start (it follows the credential saved in the app). */
export type BaseEnv = NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv);

export function readBaseEnv(env: BaseEnv | undefined): NodeJS.ProcessEnv {
  return typeof env === 'function' ? env() : (env ?? process.env);
}

export type SpawnHook = (options: SpawnOptions) => SpawnedProcess;

export interface SparePoolStats {
  size: number;
  /** Started, not yet bound to a session: claimed per run. */
  parked: number;
  /** Bound to the expected session, waiting for a prompt. */
  bound: number;
  /** Of those, listed ahead of time with the client tools new chats keep bringing (OpenWebUI's, an n8n agent's). */
  listed: number;
  starting: number;
  /** Runs served by a spare. */
  claims: number;
  /** Claims the process refused (project settings, dead spare…): those runs started cold. */
  fallbacks: number;
  /** Eligible runs that found no spare ready for them and started cold. */
  misses: number;
  /** Spares replaced because what they read at start-up changed (MCP servers, sign-ins): see retire(). */
  retired: number;
  lastError: string | null;
  /** Set when the pool gave up (claims keep being refused): runs all start cold. */
  disabled: string | null;
}
