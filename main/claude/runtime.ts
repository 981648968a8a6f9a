import type { SparePoolStats } from './spare-pool.ts';
import type { McpSdkServerConfigWithInstance, SDKMessage, SDKUserMessage, SpawnOptions, SpawnedProcess, PermissionMode } from '@anthropic-ai/claude-agent-sdk';

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
  /** In-process MCP servers for this run (the caller's own tools); such a run always starts its own process. */
  mcpServers?: Record<string, McpSdkServerConfigWithInstance>;
  /** Resume an existing Claude Code session (conversation continuity). */
  resumeSessionId?: string;
  /** Extra env for the Claude process on top of the inherited environment. */
  env?: Record<string, string>;
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
  /** PIDs (host-side) of Claude processes this runtime started that are still alive. */
  livePids(): number[];
  /** Starts what the runtime keeps ready between requests (spare processes); Services.start calls it. */
  start?(): void;
  /** Stops it again, leaving no process behind; Services.stop calls it. */
  close?(): Promise<void>;
  /** Spare-process counts for health, or null when this runtime keeps none. */
  spares?(): SparePoolStats | null;
}

export type SpawnHook = (options: SpawnOptions) => SpawnedProcess;
