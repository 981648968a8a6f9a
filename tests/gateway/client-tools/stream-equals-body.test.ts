import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionTool } from 'openai/resources/chat/completions';
import { clientToolLoop } from '../../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.ts';

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

interface Leg { content: string; calls: Array<{ name: string; arguments: string }>; finish: string | null }

/**
 * One view of one event sequence: for a run that suspends on a client tool, each response's non-stream body equals
 * what the stream of the same run carried — the segment before the call (Bash step included) and the continuation.
 */
describe('client tools: the non-stream body equals the concatenated stream, for both responses of a run', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Bonn' }, { city: 'Graz' }], bashFirst: 'echo pre-$((5+5))' }) });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
  });
  after(async () => gw.close());

  async function leg(messages: ChatCompletionMessageParam[], stream: boolean): Promise<Leg & { ids: string[] }> {
    if (!stream) {
      const r = await client.chat.completions.create({ model: 'sonnet', messages, tools: [weatherTool] });
      const calls = (r.choices[0].message.tool_calls ?? []).filter((c): c is Extract<ChatCompletionMessageToolCall, { type: 'function' }> => c.type === 'function');
      return { content: r.choices[0].message.content ?? '', calls: calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })), ids: calls.map((c) => c.id), finish: r.choices[0].finish_reason };
    }
    const s = await client.chat.completions.create({ model: 'sonnet', messages, tools: [weatherTool], stream: true });
    let content = '';
    let finish: string | null = null;
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    for await (const ch of s) {
      const choice = ch.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? '';
      for (const d of choice.delta.tool_calls ?? []) {
        calls[d.index] ??= { id: '', name: '', arguments: '' };
        calls[d.index].id += d.id ?? '';
        calls[d.index].name += d.function?.name ?? '';
        calls[d.index].arguments += d.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    return { content, calls: calls.map((c) => ({ name: c.name, arguments: c.arguments })), ids: calls.map((c) => c.id), finish };
  }

  async function run(stream: boolean): Promise<Leg[]> {
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Bonn and Graz?' };
    const first = await leg([question], stream);
    assert.equal(first.finish, 'tool_calls');
    const tool_calls = first.ids.map((id, i) => ({ id, type: 'function' as const, function: first.calls[i] }));
    const second = await leg([question, { role: 'assistant', content: first.content, tool_calls }, ...first.ids.map((id, i): ChatCompletionMessageParam => ({ role: 'tool', tool_call_id: id, content: `r${i}` }))], stream);
    return [first, second].map(({ content, calls, finish }) => ({ content, calls, finish }));
  }

  it('same content, same calls, same finish reasons', async () => {
    const body = await run(false);
    const streamed = await run(true);
    assert.ok(body[0].content.includes('pre-10'), 'the Bash step is in the first response');
    assert.equal(body[1].content, "Final answer from the caller's results: r0 | r1");
    assert.deepEqual(streamed, body);
  });

  it('the text before the call and the text after it stay apart, as one answer reads (n8n streams both into one)', async () => {
    for (const stream of [false, true]) {
      const [first, second] = await run(stream);
      assert.match(first.content + second.content, /now asking the caller\.\n\nFinal answer from the caller's results/, `stream=${stream}`);
    }
  });
});
