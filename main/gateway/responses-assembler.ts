import crypto from 'node:crypto';
import type { ClientToolCall } from './client-tools/bridge.ts';
import type { AnswerPiece } from './render.ts';

const hex = (): string => crypto.randomUUID().replace(/-/g, '');

interface MessageItem { type: 'message'; id: string; status: 'in_progress' | 'completed'; role: 'assistant'; content: Array<{ type: 'output_text'; text: string; annotations: []; logprobs: [] }> }
interface ReasoningItem { type: 'reasoning'; id: string; status?: 'in_progress' | 'completed'; summary: Array<{ type: 'summary_text'; text: string }> }
/** A call of one of the caller's functions: the response ends with it and the run waits for its output. */
interface FunctionCallItem { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'in_progress' | 'completed' }
export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem;
export type ResponsesEvent = { type: string; sequence_number: number } & Record<string, unknown>;

/**
 * Builds the Responses API view of an answer from the same pieces the chat endpoint streams: contiguous content
 * becomes one `message` item, contiguous thinking one `reasoning` item. Emits the streaming events as it goes
 * (`response.output_item.added`, `…output_text.delta`, …) and yields the final `output` array for both modes.
 */
export class ResponsesAssembler {
  readonly output: OutputItem[] = [];
  /** The text item being written (function calls are whole when added). */
  private current: MessageItem | ReasoningItem | null = null;
  private seq = 0;

  constructor(private readonly emit: (ev: ResponsesEvent) => void = () => {}) {}

  event(type: string, body: Record<string, unknown>): void {
    this.emit({ type, sequence_number: this.seq++, ...body });
  }

  push(piece: AnswerPiece): void {
    const want = piece.kind === 'content' ? 'message' : 'reasoning';
    if (this.current?.type !== want) {
      this.close();
      this.open(want);
    }
    const item = this.current as MessageItem | ReasoningItem;
    const outputIndex = this.output.length - 1;
    if (item.type === 'message') {
      item.content[0].text += piece.text;
      this.event('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta: piece.text, logprobs: [] });
    } else {
      item.summary[0].text += piece.text;
      this.event('response.reasoning_summary_text.delta', { item_id: item.id, output_index: outputIndex, summary_index: 0, delta: piece.text });
    }
  }

  /** The calls the response ends with, each a function_call item streamed as OpenAI does (arguments as one delta). */
  functionCalls(calls: readonly ClientToolCall[]): void {
    this.close();
    for (const c of calls) {
      const item: FunctionCallItem = { type: 'function_call', id: `fc_${hex()}`, call_id: c.id, name: c.name, arguments: '', status: 'in_progress' };
      this.output.push(item);
      const outputIndex = this.output.length - 1;
      this.event('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) });
      this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: c.arguments });
      item.arguments = c.arguments;
      this.event('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, name: c.name, arguments: c.arguments });
      item.status = 'completed';
      this.event('response.output_item.done', { output_index: outputIndex, item: structuredClone(item) });
    }
  }

  /** Closes the open item (call before completing the response). */
  close(): void {
    const item = this.current;
    if (!item) return;
    this.current = null;
    const outputIndex = this.output.length - 1;
    if (item.type === 'message') {
      const part = item.content[0];
      this.event('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: part.text, logprobs: [] });
      this.event('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
    } else {
      const part = item.summary[0];
      this.event('response.reasoning_summary_text.done', { item_id: item.id, output_index: outputIndex, summary_index: 0, text: part.text });
      this.event('response.reasoning_summary_part.done', { item_id: item.id, output_index: outputIndex, summary_index: 0, part });
    }
    item.status = 'completed';
    this.event('response.output_item.done', { output_index: outputIndex, item });
  }

  get outputText(): string {
    return this.output.flatMap((i) => (i.type === 'message' ? i.content.map((c) => c.text) : [])).join('');
  }

  private open(kind: 'message' | 'reasoning'): void {
    const item: MessageItem | ReasoningItem = kind === 'message'
      ? { type: 'message', id: `msg_${hex()}`, status: 'in_progress', role: 'assistant', content: [] }
      : { type: 'reasoning', id: `rs_${hex()}`, status: 'in_progress', summary: [] };
    this.output.push(item);
    this.current = item;
    const outputIndex = this.output.length - 1;
    this.event('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) });
    if (item.type === 'message') {
      const part = { type: 'output_text' as const, text: '', annotations: [] as [], logprobs: [] as [] };
      item.content.push(part);
      this.event('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { ...part } });
    } else {
      const part = { type: 'summary_text' as const, text: '' };
      item.summary.push(part);
      this.event('response.reasoning_summary_part.added', { item_id: item.id, output_index: outputIndex, summary_index: 0, part: { ...part } });
    }
  }
}
