import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bashThenAnswer, plainAnswer } from '../fixtures/scripts.ts';

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

  it('errors: malformed → 400, unknown model → 404, failure mid-stream → response.failed', async () => {
    await assert.rejects(client.responses.create({ model: 'sonnet', input: [] as never }), (e: unknown) => e instanceof OpenAI.BadRequestError);
    await assert.rejects(client.responses.create({ model: 'nope-model', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    gw.api.setScript(() => ({ httpError: 500, message: 'scripted failure' }));
    const stream = await client.responses.create({ model: 'sonnet', stream: true, input: 'x' });
    const types: string[] = [];
    let failed: OpenAI.Responses.Response | null = null;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.failed') failed = ev.response;
    }
    assert.equal(types.at(-1), 'response.failed');
    assert.ok(failed?.error?.message);
  });
});
