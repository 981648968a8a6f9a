import type { ChatMessage } from './chat-request.ts';

/**
 * OpenWebUI's "Continue Response" resends the conversation with the partial assistant answer last and appends
 * whatever comes back to it. Such a request asks Claude to go on from where that text stops; the answer must carry
 * only the continuation (never the text the client already shows).
 */

export interface Continuation {
  /** The partial answer exactly as the client shows it (tool blocks included). */
  shown: string;
}

function textOf(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('');
}

/** A trailing assistant message with text (not a tool-call turn) makes the request a continuation. */
export function continuationOf(messages: readonly ChatMessage[]): Continuation | null {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant' || (last.tool_calls?.length ?? 0) > 0) return null;
  const shown = textOf(last.content);
  return shown.trim() ? { shown } : null;
}

const HOW =
  'Continue this answer exactly where it stops, as if you had never been interrupted: your first characters are the ' +
  'next characters of the answer (mid-word or mid-sentence if that is where it stops). Do not repeat any of it, do ' +
  'not start over and do not mention the interruption.';

/** Appended to a fresh start's prompt (history as context): the whole partial answer, then how to go on. */
export function continueFromText(visibleText: string): string {
  return `Your answer to it so far — the user already sees this text; it was cut off:\n\n<assistant>\n${visibleText}\n</assistant>\n\n${HOW}`;
}

/** The whole user turn of a resumed session, which already holds the answer: where it stops, and how to go on. */
export function continueResumedText(visibleText: string): string {
  const tail = visibleText.length > 400 ? `…${visibleText.slice(-400)}` : visibleText;
  return `Your previous answer was cut off. The user sees it ending with:\n\n<assistant>\n${tail}\n</assistant>\n\n${HOW}`;
}

/**
 * Drops a restatement of the shown text from the start of the continuation, for a model that starts over anyway.
 * Content is held only while it still matches the shown text; at the first difference everything held goes out.
 */
export class RepeatGuard {
  private held = '';
  private open: boolean;
  private readonly shown: string;

  constructor(shown: string) {
    this.shown = shown.trim();
    this.open = this.shown.length > 0;
  }

  /** Text to send now for this piece of content. */
  push(text: string): string {
    if (!this.open) return text;
    this.held += text;
    const h = this.held.trimStart();
    if (this.shown.startsWith(h)) return '';
    this.open = false;
    const held = this.held;
    this.held = '';
    return h.startsWith(this.shown) ? h.slice(this.shown.length) : held;
  }

  /** At the end of the run: held text goes out unless it restated the whole shown text (nothing new is lost). */
  flush(): string {
    this.open = false;
    const held = this.held;
    this.held = '';
    return held.trim() === this.shown ? '' : held;
  }
}
