import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { RunSpec } from './runtime.ts';

/**
 * The user turns written into one Claude Code process (stream-json input). While it is open the process stays up
 * after a result and waits for the next turn; end() closes its stdin so it exits. One reader (the SDK's query).
 */
export class InputFeed implements AsyncIterable<SDKUserMessage> {
  private readonly queue: SDKUserMessage[] = [];
  private wake: (() => void) | null = null;
  private ended = false;

  constructor(messages: RunSpec['messages'] = []) {
    this.push(messages);
  }

  push(messages: RunSpec['messages']): void {
    if (this.ended) return;
    for (const message of messages) this.queue.push({ type: 'user', message, parent_tool_use_id: null });
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<SDKUserMessage> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
  }
}
