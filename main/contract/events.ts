/**
 * The one event sequence of a request. Claude Code's typed messages become these events once; the OpenAI
 * stream, the non-stream body, the stored transcript and the live dashboard are all views of them.
 * Shared by main, preload and renderer: types only, no runtime imports.
 */

import type { ApprovalOutcome } from './approvals.ts';

export type RunStatus = 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export type TranscriptEventBody =
  | {
      type: 'request';
      endpoint: string;
      model: string;
      stream: boolean;
      client: string;
      /** The prompt as sent to Claude (history rendered as context, latest user turn last). */
      prompt: string;
      systemPrompt: string | null;
      imageCount: number;
      runtime: string;
      /** The project the run works in (null: the conversation's own workspace); absent on older transcripts. */
      project?: string | null;
      /** The run's working folder on this machine. */
      folder?: string;
    }
  | { type: 'init'; sessionId: string; model: string; cwd: string; tools: string[]; mcpServers: Array<{ name: string; status: string }>; claudeVersion: string | null }
  | { type: 'text_delta'; text: string; parentToolUseId: string | null }
  | { type: 'thinking_delta'; text: string; parentToolUseId: string | null }
  | { type: 'tool_use'; toolUseId: string; name: string; input: unknown; parentToolUseId: string | null }
  | { type: 'tool_result'; toolUseId: string; content: string; isError: boolean; parentToolUseId: string | null }
  | {
      type: 'result';
      subtype: string;
      isError: boolean;
      usage: TokenUsage;
      costUsd: number;
      numTurns: number;
      sessionId: string;
      durationMs: number;
    }
  | { type: 'error'; message: string; code: string }
  /**
   * The run called the caller's own functions (client tools): the HTTP response ended with these tool_calls and
   * the run waits, suspended, for the caller's results.
   */
  | { type: 'client_tool_wait'; calls: Array<{ toolUseId: string; name: string; arguments: string }> }
  /** The caller's results arrived in request `followUpRequestId` after `waitedMs`: the run goes on, answering it. */
  | { type: 'client_tool_resume'; toolUseIds: string[]; waitedMs: number; followUpRequestId: string }
  /**
   * A tool call outside the run's allow-list waits for the user's decision in the app (live approvals); the
   * client's stream shows that it waits.
   */
  | { type: 'approval_wait'; approvalId: string; toolUseId: string; tool: string; input: unknown; project: string | null; client: string; conversation: string | null; expiresAt: string }
  /**
   * How that approval ended: the user's decision, `timeout` (APPROVAL_TIMEOUT_S), `withdrawn` (the request went
   * away). `message`: what Claude received as the tool's result on a denial; `rule`: the rule an "always" wrote.
   */
  | { type: 'approval_decision'; approvalId: string; toolUseId: string; tool: string; outcome: ApprovalOutcome; message: string | null; rule: string | null; waitedMs: number }
  /** The model API failed with a retryable error; Claude Code retries after `delayMs` (status null: no response). */
  | { type: 'api_retry'; attempt: number; maxRetries: number; delayMs: number; status: number | null; error: string }
  | {
      type: 'end';
      status: Exclude<RunStatus, 'running'>;
      reason: string | null;
      durationMs: number;
      /** The run's final counts (Claude's own turn count, else the turns begun): the log line reports the same. */
      turns?: number;
      toolCalls?: number;
    };

export type TranscriptEventType = TranscriptEventBody['type'];

/** One stored/broadcast event: the body plus its place in the request's sequence. */
export type TranscriptEvent = TranscriptEventBody & {
  requestId: string;
  /** 1-based position within its request; a stored transcript has no gaps. */
  seq: number;
  /** ISO timestamp. */
  ts: string;
};

/** What the transcript list shows per request, derived from its events. */
export interface TranscriptSummary {
  requestId: string;
  endpoint: string;
  model: string;
  client: string;
  stream: boolean;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  turns: number;
  toolCalls: number;
  usage: TokenUsage | null;
  costUsd: number | null;
  sessionId: string | null;
  error: string | null;
  /** First characters of the latest user turn, for the list and text filter. */
  preview: string;
  eventCount: number;
  /** Where the run worked (request event): its project, or null for the conversation's own workspace. */
  project?: string | null;
  folder?: string | null;
}
