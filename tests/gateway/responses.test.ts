import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bashThenAnswer, plainAnswer } from '../fixtures/scripts.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';

/** POST /v1/responses (n8n ≥ 1.3 "Use Responses API") with the openai SDK's responses.create. */
describe('POST /v1/responses', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: bashThenAnswer('echo resp-$((6*7))') });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  it('non-stream: the complete agentic answer as output_text, same content as chat completions', async () => {
    const r = await client.responses.create({ model: 'sonnet', input: 'compute', instructions: 'Be brief.' });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.match(r.id, /^resp_/);
    assert.ok(r.output_text.includes("I'll run the command."));
    assert.ok(r.output_text.includes('```text\nresp-42\n```'));
    assert.ok(r.output_text.endsWith('The command printed resp-42. Done.'));
    assert.ok(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    const chat = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'compute' }] });
    assert.equal(r.output_text, chat.choices[0].message.content);
    const summary = gw.services.store.summary(r.id)!;
    assert.equal(summary.endpoint, '/v1/responses');
    assert.equal(summary.status, 'done');
  });

  it('stream: created → deltas → completed, deltas add up to the final output_text', async () => {
    const stream = await client.responses.create({ model: 'sonnet', stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: 'compute' }] }] });
    const types: string[] = [];
    let deltas = '';
    let final: OpenAI.Responses.Response | null = null;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') deltas += ev.delta;
      if (ev.type === 'response.completed') final = ev.response;
    }
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.ok(types.includes('response.output_item.added') && types.includes('response.output_item.done'));
    assert.ok(final);
    assert.equal(final.output_text ?? final.output.flatMap((o) => (o.type === 'message' ? o.content.map((c) => (c.type === 'output_text' ? c.text : '')) : [])).join(''), deltas);
    assert.ok(deltas.includes('resp-42'));
  });

  it("usage is complete per the spec and is Claude's real usage, in the body and in response.completed", async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'text', text: 'Counted.' }], usage: { input_tokens: 7, cache_read_input_tokens: 1000, cache_creation_input_tokens: 30, output_tokens: 11 } }));
    const expectFrom = (id: string) => {
      const result = gw.services.store.events(id)!.find((e) => e.type === 'result');
      assert.ok(result && result.type === 'result');
      const u = result.usage;
      assert.ok(u.cacheReadInputTokens > 0 && u.outputTokens > 0, 'the scripted usage reached the transcript');
      const input = u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
      return { input_tokens: input, input_tokens_details: { cached_tokens: u.cacheReadInputTokens }, output_tokens: u.outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + u.outputTokens };
    };
    const r = await client.responses.create({ model: 'sonnet', input: 'count' });
    assert.deepEqual(r.usage, expectFrom(r.id));
    const stream = await client.responses.create({ model: 'sonnet', stream: true, input: 'count' });
    let completed: OpenAI.Responses.Response | null = null;
    for await (const ev of stream) if (ev.type === 'response.completed') completed = ev.response;
    assert.ok(completed);
    assert.deepEqual(completed.usage, expectFrom(completed.id));
  });

  it('thinking becomes a reasoning item, text a message item', async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'thinking', thinking: 'Pondering.' }, { type: 'text', text: 'Forty-two.' }] }));
    const r = await client.responses.create({ model: 'sonnet', input: 'why' });
    assert.deepEqual(r.output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal(r.output_text, 'Forty-two.');
  });

  it('conversation items (assistant turns, function call outputs) reach Claude as context', async () => {
    gw.api.setScript(plainAnswer('ok'));
    const before = gw.api.mainRequests().length;
    await client.responses.create({
      model: 'sonnet',
      input: [
        { role: 'user', content: 'remember CODEWORD-ZETA' },
        { role: 'assistant', content: 'Noted.' },
        { type: 'function_call', call_id: 'c1', name: 'lookup', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'LOOKUP-RESULT' },
        { role: 'user', content: 'what was it?' },
      ],
    });
    const sent = JSON.stringify(gw.api.mainRequests().slice(before)[0].messages);
    assert.ok(sent.includes('CODEWORD-ZETA') && sent.includes('LOOKUP-RESULT') && sent.includes('what was it?'));
  });

  it('errors: malformed → 400, unknown model → 404', async () => {
    await assert.rejects(client.responses.create({ model: 'sonnet', input: [] as never }), (e: unknown) => e instanceof OpenAI.BadRequestError);
    await assert.rejects(client.responses.create({ model: 'nope-model', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  /** Text and a tool step stream first, then the model API fails: the client must see a failure, not a short answer. */
  const failAfterTool: Script = (_req, info) => info.lastToolResults.length
    ? { httpError: 500, message: 'scripted model outage' }
    : { blocks: [{ type: 'text', text: 'Working on it.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo part-1' } }] };

  it('a failure mid-stream makes openai-node throw an APIError with the gateway message, after response.failed', async () => {
    gw.api.setScript(failAfterTool);
    const stream = await client.responses.create({ model: 'sonnet', stream: true, input: 'x' });
    const types: string[] = [];
    let deltas = '';
    let failed: OpenAI.Responses.Response | null = null;
    const err = await (async () => {
      try {
        for await (const ev of stream) {
          types.push(ev.type);
          if (ev.type === 'response.output_text.delta') deltas += ev.delta;
          if (ev.type === 'response.failed') failed = ev.response;
        }
        return null;
      } catch (e) {
        return e;
      }
    })();
    assert.ok(deltas.includes('Working on it.') && deltas.includes('part-1'), 'the answer had begun');
    assert.ok(err instanceof OpenAI.APIError, `the iteration threw an APIError (got ${String(err)})`);
    assert.ok(failed, 'response.failed was delivered before the error');
    const gatewayMessage = (failed as OpenAI.Responses.Response).error?.message ?? '';
    assert.ok(gatewayMessage.includes('scripted model outage'), gatewayMessage);
    assert.equal(err.message, gatewayMessage);
    assert.equal(types.at(-1), 'response.failed');
  });

  it('the failed stream is valid per the Responses streaming spec: response.failed, then one error event, in sequence', async () => {
    gw.api.setScript(failAfterTool);
    const res = await fetch(`${gw.v1}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', stream: true, input: 'x' }) });
    // SSE comments (`: keep-alive`, sent while a slow run is quiet) are not events.
    const frames = (await res.text()).split('\n\n').filter((f) => f.split('\n').some((l) => l.trim() && !l.startsWith(':')));
    const events = frames.map((f) => {
      const name = /^event: (.+)$/m.exec(f)?.[1];
      const data = JSON.parse(/^data: (.+)$/m.exec(f)?.[1] ?? 'null') as { type: string; sequence_number: number } & Record<string, unknown>;
      assert.equal(name, data.type, 'the event name matches its type');
      return data;
    });
    assert.deepEqual(events.slice(-2).map((e) => e.type), ['response.failed', 'error']);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_e, i) => i), 'sequence numbers count up from 0');
    const error = events.at(-1)!;
    // ResponseErrorEvent: code, message, param at the top; the nested `error` is what SDKs raise on.
    assert.equal(typeof error.message, 'string');
    assert.equal(error.code, 'claude_error');
    assert.equal(error.param, null);
    assert.deepEqual(error.error, { type: 'server_error', code: 'claude_error', message: error.message, param: null });
    assert.ok(events.slice(0, -1).every((e) => !('error' in e)), 'no earlier event carries a top-level error');
  });
});
