import type { TranscriptEvent } from '../contract/events.ts';
import { callerToolName } from './client-tools/bridge.ts';

/** One piece of the OpenAI answer: visible content or reasoning. */
export type AnswerPiece = { kind: 'content'; text: string } | { kind: 'reasoning'; text: string };

const REASONING_TAG_RE = /<(\/?)(think|thinking|reason|reasoning|thought|details|summary)\b/gi;

/**
 * Neutralises markup without escaping: OpenWebUI swallows <think>-style tags anywhere in the accumulated text (code
 * fences included) into a reasoning block, and finds <details>/<summary> with regexes, showing the summary as plain
 * text (so `&amp;` would be shown literally). Only these tag openings are broken, by a zero-width space after '<':
 * every other character (`&&`, `>`, `2>&1`, quotes) stays exactly as typed and the text looks unchanged.
 */
export function escapeTags(text: string): string {
  return text.replace(REASONING_TAG_RE, '<\u200b$1$2');
}

/** A fence longer than any backtick run inside keeps the block balanced whatever the tool printed. */
export function fenced(body: string, lang: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body.replace(/\n$/, '')}\n${fence}`;
}

export function truncateBytes(text: string, maxBytes: number): string {
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return text;
  // Cut on a character boundary: decoding a byte-truncated buffer may end in a replacement char; drop it.
  const cut = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut}\n… [truncated: ${total} bytes total]`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v : null;
}

/** "_Model API unavailable (HTTP 529, overloaded) — retry 1 of 10 in 1 s…_" */
export function retryNotice(status: number | null, error: string, attempt: number, maxRetries: number, delayMs: number): string {
  // Without a status, "unknown" is Claude Code's word for "no HTTP answer" (the gateway names the cause when it can).
  const cause = status ? `HTTP ${status}${error && error !== 'unknown' ? `, ${error}` : ''}` : error && error !== 'unknown' ? error : 'no response';
  const secs = delayMs >= 10_000 ? Math.round(delayMs / 1000) : Math.max(0.1, Math.round(delayMs / 100) / 10);
  return `_Model API unavailable (${escapeTags(cause.replace(/[_*\n]/g, ' '))}) — retry ${attempt} of ${maxRetries} in ${secs} s…_`;
}

/** "Bash: ls -la", "Read: src/a.ts", "github › search_issues: …" */
export function toolSummary(name: string, input: unknown): string {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  let label = name;
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  if (mcp) label = `${mcp[1]} › ${mcp[2]}`;
  const detail =
    str(i.command) ?? str(i.file_path) ?? str(i.notebook_path) ?? str(i.path) ?? str(i.pattern) ?? str(i.url) ?? str(i.query) ?? str(i.description) ?? str(i.prompt) ??
    (Object.values(i).find((v): v is string => typeof v === 'string' && v.trim().length > 0) ?? null);
  if (!detail) return label;
  const line = detail.split(/\r\n|[\r\n\u2028\u2029]/)[0].trim();
  return `${label}: ${line.length > 80 ? `${line.slice(0, 79)}…` : line}`;
}

function inputBlock(name: string, input: unknown): string {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  if (name === 'Bash' && typeof i.command === 'string') return fenced(escapeTags(i.command), 'bash');
  if (Object.keys(i).length === 0) return '';
  return fenced(escapeTags(JSON.stringify(input, null, 2)), 'json');
}

/**
 * The OpenAI view of a request's events. Top-level assistant text streams as content; thinking as reasoning. Each
 * tool step shows twice, as it happens: when it starts, a block with its title and input; when it ends, a block with
 * its result. Both are whole, closed block-level <details>: OpenWebUI renders a <details> only once it is closed
 * (an open one shows as raw markup), the text stays append-only so the final answer reads the same as the stream,
 * and parallel or nested calls can never interleave inside a block. Stream and non-stream both use this, so they
 * cannot disagree.
 */
export class AnswerRenderer {
  private readonly toolUses = new Map<string, { name: string; input: unknown; parent: string | null }>();
  private tail: string;
  private started: boolean;

  /** `shown`: text the client already shows before this answer (a continuation), so blocks start on their own line. */
  constructor(private readonly maxToolOutputBytes: number, shown = '') {
    this.started = shown.length > 0;
    this.tail = shown.slice(-2);
  }

  render(ev: TranscriptEvent): AnswerPiece[] {
    switch (ev.type) {
      case 'text_delta':
        if (ev.parentToolUseId) return [];
        return [this.content(ev.text)];
      case 'thinking_delta':
        if (ev.parentToolUseId) return [];
        return [{ kind: 'reasoning', text: ev.text }];
      case 'tool_use': {
        const use = { name: ev.name, input: ev.input, parent: ev.parentToolUseId };
        this.toolUses.set(ev.toolUseId, use);
        // The caller's own functions reach it as tool_calls and their results come from it: no block for them. The
        // text so far ends its paragraph, so the next model turn's text (the follow-up's) does not run on from it
        // in a client that shows both in one message (n8n's streamed agent output, OpenWebUI).
        if (callerToolName(use.name) !== null) return use.parent === null ? [this.content(this.lead())] : [];
        // An empty body would leave the summary unread as a title (OpenWebUI wants a line after it).
        return [this.content(this.block(this.title(use), inputBlock(use.name, use.input) || '_no input_'))];
      }
      case 'tool_result': {
        const use = this.toolUses.get(ev.toolUseId) ?? { name: 'Tool', input: {}, parent: ev.parentToolUseId };
        if (callerToolName(use.name) !== null) return [];
        const out = truncateBytes(ev.content, this.maxToolOutputBytes);
        return [this.content(this.block(`${this.title(use)} — ${ev.isError ? 'error' : 'result'}`, fenced(escapeTags(out.length ? out : '(no output)'), 'text')))];
      }
      case 'approval_wait':
        // The run waits for the user: say so, or the client sees minutes of silence (keep-alives continue).
        return [this.content(`${this.lead()}_Waiting for approval in Claude Code Gateway… (${escapeTags(toolSummary(ev.tool, ev.input)).replace(/[_*]/g, ' ')})_\n\n`)];
      case 'approval_decision': {
        if (ev.outcome === 'withdrawn') return [];
        const said = ev.outcome === 'deny' ? 'Denied in Claude Code Gateway.' : ev.outcome === 'timeout' ? 'No decision in time: denied.' : 'Approved in Claude Code Gateway.';
        return [this.content(`${this.lead()}_${said}_\n\n`)];
      }
      case 'api_retry':
        // Claude Code waits and retries by itself: say so, or the client sees minutes of silence.
        return [this.content(`${this.lead()}${retryNotice(ev.status, ev.error, ev.attempt, ev.maxRetries, ev.delayMs)}\n\n`)];
      default:
        return [];
    }
  }

  private content(text: string): AnswerPiece {
    this.started = true;
    this.tail = (this.tail + text).slice(-2);
    return { kind: 'content', text };
  }

  /** Newlines that put a block on its own line after whatever the answer (or the client) shows so far. */
  private lead(): string {
    return !this.started || this.tail.endsWith('\n\n') ? '' : this.tail.endsWith('\n') ? '\n' : '\n\n';
  }

  /** One line of plain text: markup is neutralised, never HTML-escaped (see escapeTags). */
  private title(use: { name: string; input: unknown; parent: string | null }): string {
    return `${use.parent !== null ? '↳ ' : ''}${escapeTags(toolSummary(use.name, use.input))}`;
  }

  private block(summary: string, body: string): string {
    return `${this.lead()}<details>\n<summary>${summary}</summary>\n\n${body}\n</details>\n\n`;
  }
}
