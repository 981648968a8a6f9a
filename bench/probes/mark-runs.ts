import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeRuntime } from '../../main/claude/runtime.ts';

/**
 * Wraps a runtime's run() so a probe can time a turn: `run` when the gateway hands the run to Claude, `msg` at its
 * first message, `modelStart` at the model's message_start, `delta` at its first content delta (first of each).
 */
export function markRuns(rt: ClaudeRuntime, marks: Record<string, number>): void {
  const run = rt.run.bind(rt);
  rt.run = (spec) => {
    marks.run = performance.now();
    const source = run(spec);
    return (async function* (): AsyncGenerator<SDKMessage> {
      for await (const m of source) {
        marks.msg ??= performance.now();
        if (m.type === 'stream_event' && m.event.type === 'message_start') marks.modelStart ??= performance.now();
        if (m.type === 'stream_event' && m.event.type === 'content_block_delta') marks.delta ??= performance.now();
        yield m;
      }
    })();
  };
}
