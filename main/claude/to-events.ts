import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { TokenUsage, TranscriptEventBody } from '../contract/events.ts';

interface Block {
  type: string;
  text?: string;
  thinking?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? '' : JSON.stringify(content);
  return (content as Block[])
    .map((c) => (c.type === 'text' ? c.text ?? '' : c.type === 'image' ? '[image]' : `[${c.type}]`))
    .join('\n');
}

/**
 * Turns Claude Code's typed SDK messages into transcript events, exactly once each: text and thinking come from the
 * token-level stream events, and the complete assistant messages only fill in what the stream did not carry (a
 * message that arrived without partial events); tool calls come from complete assistant messages (their input is
 * whole), results from the user messages that carry them, paired by tool_use_id.
 */
export class SdkEventMapper {
  /** Text/thinking already emitted, per API message id and kind. */
  private readonly streamed = new Map<string, string>();
  private readonly completed = new Map<string, string>();
  private readonly seenToolUses = new Set<string>();
  private readonly seenToolResults = new Set<string>();
  claudeVersion: string | null = null;
  sessionId: string | null = null;
  toolUses = 0;
  /** Top-level model turns begun (API message ids): the turn count of a run that ends without Claude's result. */
  private readonly turnIds = new Set<string>();

  get turnsSeen(): number {
    return this.turnIds.size;
  }

  map(m: SDKMessage): TranscriptEventBody[] {
    switch (m.type) {
      case 'system':
        if (m.subtype === 'init') {
          this.claudeVersion = m.claude_code_version ?? null;
          this.sessionId = m.session_id;
          return [{ type: 'init', sessionId: m.session_id, model: m.model, cwd: m.cwd, tools: m.tools, mcpServers: m.mcp_servers.map((s) => ({ name: s.name, status: s.status })), claudeVersion: m.claude_code_version ?? null }];
        }
        if (m.subtype === 'api_retry') {
          return [{ type: 'api_retry', attempt: m.attempt, maxRetries: m.max_retries, delayMs: m.retry_delay_ms, status: m.error_status, error: String(m.error) }];
        }
        return [];
      case 'stream_event': {
        const ev = m.event;
        if (ev.type !== 'content_block_delta') return [];
        const msgId = (m as { api_message_id?: string }).api_message_id ?? m.uuid;
        if (m.parent_tool_use_id === null) this.turnIds.add(msgId);
        if (ev.delta.type === 'text_delta') return this.delta('text', msgId, ev.delta.text, m.parent_tool_use_id);
        if (ev.delta.type === 'thinking_delta') return this.delta('thinking', msgId, ev.delta.thinking, m.parent_tool_use_id);
        return [];
      }
      case 'assistant': {
        const out: TranscriptEventBody[] = [];
        const msgId = m.message.id ?? m.uuid;
        if (m.error) {
          // A synthetic "API Error: …" message: it is a failure to report, never answer text.
          const text = (m.message.content as Block[]).map((b) => b.text ?? '').join('').trim();
          return [{ type: 'error', message: text || `Claude Code reported ${m.error}`, code: m.error }];
        }
        if (m.parent_tool_use_id === null) this.turnIds.add(msgId);
        for (const b of m.message.content as Block[]) {
          if (b.type === 'text' && b.text) out.push(...this.complete('text', msgId, b.text, m.parent_tool_use_id));
          else if (b.type === 'thinking' && b.thinking) out.push(...this.complete('thinking', msgId, b.thinking, m.parent_tool_use_id));
          else if ((b.type === 'tool_use' || b.type === 'server_tool_use' || b.type === 'mcp_tool_use') && b.id && !this.seenToolUses.has(b.id)) {
            this.seenToolUses.add(b.id);
            this.toolUses++;
            out.push({ type: 'tool_use', toolUseId: b.id, name: b.name ?? 'tool', input: b.input ?? {}, parentToolUseId: m.parent_tool_use_id });
          }
        }
        return out;
      }
      case 'user': {
        if ('isReplay' in m && m.isReplay) return [];
        const content = m.message.content;
        if (typeof content === 'string') return [];
        const out: TranscriptEventBody[] = [];
        for (const b of content as Block[]) {
          if (b.type !== 'tool_result' || !b.tool_use_id || this.seenToolResults.has(b.tool_use_id)) continue;
          this.seenToolResults.add(b.tool_use_id);
          out.push({ type: 'tool_result', toolUseId: b.tool_use_id, content: toolResultText(b.content), isError: b.is_error === true, parentToolUseId: m.parent_tool_use_id });
        }
        return out;
      }
      case 'result': {
        const u = m.usage;
        const usage: TokenUsage = {
          inputTokens: u.input_tokens ?? 0,
          outputTokens: u.output_tokens ?? 0,
          cacheReadInputTokens: u.cache_read_input_tokens ?? 0,
          cacheCreationInputTokens: u.cache_creation_input_tokens ?? 0,
        };
        this.sessionId = m.session_id;
        return [{ type: 'result', subtype: m.subtype, isError: m.is_error, usage, costUsd: m.total_cost_usd ?? 0, numTurns: m.num_turns, sessionId: m.session_id, durationMs: m.duration_ms }];
      }
      default:
        return [];
    }
  }

  private key(kind: string, msgId: string, parent: string | null): string {
    return `${kind}:${parent ?? ''}:${msgId}`;
  }

  private delta(kind: 'text' | 'thinking', msgId: string, text: string, parent: string | null): TranscriptEventBody[] {
    if (!text) return [];
    const k = this.key(kind, msgId, parent);
    this.streamed.set(k, (this.streamed.get(k) ?? '') + text);
    return [kind === 'text' ? { type: 'text_delta', text, parentToolUseId: parent } : { type: 'thinking_delta', text, parentToolUseId: parent }];
  }

  /** A complete block: emit only the part the stream has not already delivered. */
  private complete(kind: 'text' | 'thinking', msgId: string, text: string, parent: string | null): TranscriptEventBody[] {
    const k = this.key(kind, msgId, parent);
    const full = (this.completed.get(k) ?? '') + text;
    this.completed.set(k, full);
    const already = this.streamed.get(k) ?? '';
    if (full.length <= already.length || !full.startsWith(already)) return [];
    const missing = full.slice(already.length);
    this.streamed.set(k, full);
    return [kind === 'text' ? { type: 'text_delta', text: missing, parentToolUseId: parent } : { type: 'thinking_delta', text: missing, parentToolUseId: parent }];
  }
}
