import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { TranscriptEvent } from '../../main/contract/events.ts';
import { startTestGateway, type TestGateway, adminInit } from '../helpers/gateway.ts';
import { clientToolLoop, plainAnswer } from '../fixtures/scripts.ts';
import { offeredTool, toolResultText, type MessagesRequest } from '../fixtures/scripted-anthropic.ts';
import { waitFor } from '../helpers/wait.ts';

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
  },
};

function system(req: MessagesRequest): string {
  return typeof req.system === 'string' ? req.system : (req.system ?? []).map((b) => b.text).join('\n');
}

const until = <T>(read: () => T | null | undefined, what = 'the run to get there'): Promise<T> => waitFor(read, { what, everyMs: 50, ms: 120_000 });

/** The caller's own functions through the real Claude Code binary, the scripted model and the openai SDK. */
describe('client tools on /v1/chat/completions (openai SDK, real Claude Code)', () => {
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    // One run slot: a suspended run must not hold it (the follow-ups and other requests below need it).
    gw = await startTestGateway({ script: plainAnswer('hello'), config: { MAX_CONCURRENT_RUNS: 1 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => gw.close());

  it('a full agent loop, non-stream: Bash, then tool_calls; the run waits; the result comes back; the answer uses it', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Paris' }], bashFirst: 'echo pre-$((1+1))' }));
    const before = gw.api.mainRequests().length;
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });

    // The caller's function was in the model's very first request, with its schema, beside Claude Code's tools.
    const firstModelRequest = gw.api.mainRequests()[before];
    const offered = firstModelRequest.tools?.find((t) => t.name === 'mcp__client_tools__get_weather');
    assert.ok(offered, `offered: ${firstModelRequest.tools?.map((t) => t.name).join(', ')}`);
    assert.equal(offered.description, 'Current weather of a city');
    assert.deepEqual((offered.input_schema as { required?: string[] }).required, ['city']);
    assert.ok(firstModelRequest.tools?.some((t) => t.name === 'Bash'));

    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = choice.message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    const call = calls[0];
    assert.equal(call.type, 'function');
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather', 'the caller sees its own name, no mcp__ prefix');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    const content = choice.message.content ?? '';
    assert.ok(content.startsWith('First a local step.'), content);
    assert.ok(content.includes('<summary>Bash: echo pre-$((1+1))</summary>') && content.includes('pre-2'), 'the Bash step before the call is in this response');
    assert.ok(content.includes('Local step printed pre-2; now asking the caller.'));
    assert.ok(!content.includes('get_weather'), 'no block for the client call: it is the tool_calls');

    // Suspended: its process alive, no run slot held, recorded as waiting.
    assert.equal(gw.services.executor.suspended.size, 1);
    assert.equal(gw.services.executor.activeCount, 0);
    assert.equal(gw.services.runtime.livePids().length, 1);
    const pid = gw.services.runtime.livePids()[0];
    const waiting = gw.services.store.events(first.id)?.find((e) => e.type === 'client_tool_wait');
    assert.ok(waiting && waiting.type === 'client_tool_wait', JSON.stringify(gw.services.store.events(first.id)?.map((e) => e.type)));
    assert.deepEqual(waiting.calls.map((c) => [c.toolUseId, c.name]), [[call.id, 'get_weather']]);

    const second = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [question, { role: 'assistant', content: choice.message.content, tool_calls: calls }, { role: 'tool', tool_call_id: call.id, content: '22°C and sunny' }],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(second.choices[0].message.content, "Final answer from the caller's results: 22°C and sunny");
    assert.equal(second.choices[0].message.tool_calls, undefined);

    // The same Claude process went on: the model saw the result as the tool_result of its own call, in one session.
    const last = gw.api.mainRequests().at(-1)!;
    const results = (last.messages.at(-1)!.content as Array<{ type: string; tool_use_id?: string }>).filter((b) => b.type === 'tool_result');
    assert.equal(results[0].tool_use_id, call.id);
    assert.equal(toolResultText(results[0] as never), '22°C and sunny');
    assert.equal(gw.api.mainRequests().length - before, 3, 'three model turns, no fresh start');
    const events = gw.services.store.events(first.id) ?? [];
    assert.equal(events.filter((e) => e.type === 'init').length, 1, 'one Claude start for both requests');
    assert.equal(events.filter((e) => e.type === 'request').length, 1);
    const resumed = events.find((e) => e.type === 'client_tool_resume');
    assert.ok(resumed && resumed.type === 'client_tool_resume', JSON.stringify(events.map((e) => e.type)));
    assert.equal(resumed.followUpRequestId, second.id);
    assert.ok(resumed.waitedMs >= 0);
    assert.deepEqual(resumed.toolUseIds, [call.id]);
    const end = events.at(-1);
    assert.ok(end && end.type === 'end' && end.status === 'done');
    assert.equal(gw.services.store.events(second.id), null, "the follow-up is part of the first request's transcript");
    await until(() => (gw.services.runtime.livePids().includes(pid) ? null : true));
    assert.equal(gw.services.executor.suspended.size, 0);
    // Both responses' usage adds up to Claude's total for the run.
    const result = events.find((e) => e.type === 'result');
    assert.ok(result && result.type === 'result');
    assert.equal((first.usage?.completion_tokens ?? 0) + (second.usage?.completion_tokens ?? 0), result.usage.outputTokens);
    assert.ok((first.usage?.prompt_tokens ?? 0) > 0 && (second.usage?.prompt_tokens ?? 0) > 0);
  });

  it('streams: delta.tool_calls (id, name, arguments), finish_reason tool_calls, [DONE]; the follow-up streams the rest', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Oslo' }] }));
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Oslo?' };
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, stream_options: { include_usage: true }, messages: [question], tools: [weatherTool] });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of s) chunks.push(c);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    // The paragraph ends before the call: the follow-up's text does not run on from it where a client joins both.
    assert.equal(text, 'Asking the caller.\n\n');
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.ok(deltas.length >= 1);
    assert.equal(deltas[0].index, 0);
    assert.match(deltas[0].id ?? '', /^toolu_/);
    assert.equal(deltas[0].type, 'function');
    assert.equal(deltas[0].function?.name, 'get_weather');
    const args = deltas.map((d) => d.function?.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), { city: 'Oslo' });
    const finishIdx = chunks.findIndex((c) => c.choices[0]?.finish_reason === 'tool_calls');
    assert.equal(finishIdx, chunks.length - 2, 'finish_reason, then the usage chunk');
    assert.deepEqual(chunks.at(-1)!.choices, []);

    const id = deltas[0].id ?? '';
    const follow = await client.chat.completions.create({
      model: 'sonnet',
      stream: true,
      tools: [weatherTool],
      messages: [question, { role: 'assistant', content: text, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: args } }] }, { role: 'tool', tool_call_id: id, content: [{ type: 'text', text: '-3°C, snow' }] }],
    });
    const rest: ChatCompletionChunk[] = [];
    for await (const c of follow) rest.push(c);
    assert.equal(rest.map((c) => c.choices[0]?.delta?.content ?? '').join(''), "Final answer from the caller's results: -3°C, snow");
    assert.equal(rest.at(-1)!.choices[0].finish_reason, 'stop');
    assert.ok(rest.every((c) => !c.choices[0]?.delta?.tool_calls));
  });

  it('several calls in one turn: all in one response, all results in one follow-up', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Paris' }, { city: 'London' }] }));
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Paris and London?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });
    const calls = first.choices[0].message.tool_calls ?? [];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(calls.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null)), [{ city: 'Paris' }, { city: 'London' }]);
    assert.equal(new Set(calls.map((c) => c.id)).size, 2);

    const history: ChatCompletionMessageParam[] = [question, { role: 'assistant', content: first.choices[0].message.content, tool_calls: calls }];
    // One result missing: refused, and the run keeps waiting for a complete follow-up.
    await assert.rejects(
      client.chat.completions.create({ model: 'sonnet', tools: [weatherTool], messages: [...history, { role: 'tool', tool_call_id: calls[0].id, content: 'rain' }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 400 && /Missing tool results/.test(err.message) && err.message.includes(calls[1].id),
    );
    assert.equal(gw.services.executor.suspended.size, 1);

    const second = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [...history, { role: 'tool', tool_call_id: calls[0].id, content: 'Paris: rain' }, { role: 'tool', tool_call_id: calls[1].id, content: 'London: fog' }],
    });
    assert.equal(second.choices[0].message.content, "Final answer from the caller's results: Paris: rain | London: fog");
    const last = gw.api.mainRequests().at(-1)!;
    const ids = (last.messages.at(-1)!.content as Array<{ type: string; tool_use_id?: string }>).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    assert.deepEqual(ids, calls.map((c) => c.id));
  });

  it('a call whose arguments do not match the schema never reaches the caller: Claude gets the validation error', async () => {
    gw.api.setScript((req, info) => {
      const asked = offeredTool(req, 'get_weather') ?? 'missing';
      if (info.assistantTurns === 0) return { blocks: [{ type: 'tool_use', name: asked, input: { city: 'Nice' } }, { type: 'tool_use', name: asked, input: { town: 'Nice' } }] };
      return { blocks: [{ type: 'text', text: `Results: ${info.lastToolResults.map((b) => `${b.is_error ? 'error' : 'ok'}=${toolResultText(b).slice(0, 40)}`).join(' | ')}` }] };
    });
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Nice?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });
    const calls = first.choices[0].message.tool_calls ?? [];
    assert.deepEqual(calls.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null)), [{ city: 'Nice' }]);
    const second = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [question, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: calls[0].id, content: 'sunny' }],
    });
    const text = second.choices[0].message.content ?? '';
    assert.match(text, /^Results: ok=sunny \| error=/, text);
  });

  it('a suspended run holds no run slot: other requests run while it waits', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Rome' }] }));
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Rome?' }], tools: [weatherTool] });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    gw.api.setScript(plainAnswer('Unblocked.'));
    // MAX_CONCURRENT_RUNS is 1: this would queue forever if the waiting run held the slot.
    const other = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'something else' }] });
    assert.equal(other.choices[0].message.content, 'Unblocked.');
    assert.equal(gw.services.executor.suspended.size, 1);
    const health = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { suspendedRuns: number; activeRuns: number };
    assert.equal(health.suspendedRuns, 1);
    assert.equal(health.activeRuns, 0);
    await gw.services.executor.suspended.closeAll();
    const end = await until(() => gw.services.store.events(first.id)?.find((e): e is Extract<TranscriptEvent, { type: 'end' }> => e.type === 'end'));
    assert.equal(end.status, 'interrupted');
  });

  it('a follow-up whose client leaves mid-answer cancels the run and kills its process', async () => {
    gw.api.setScript((req, info) => {
      const asked = offeredTool(req, 'get_weather') ?? 'missing';
      if (!info.lastToolResults.length) return { blocks: [{ type: 'tool_use', name: asked, input: { city: 'Kyiv' } }] };
      // The continuation's model turn starts, then stalls: the client gives up while Claude is still answering.
      return { blocks: [{ type: 'text', text: 'never sent' }], stallAfterStart: true };
    });
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Kyiv?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });
    const calls = first.choices[0].message.tool_calls ?? [];
    const pid = await until(() => gw.services.runtime.livePids()[0]);
    const ac = new AbortController();
    const follow = await client.chat.completions.create(
      { model: 'sonnet', stream: true, tools: [weatherTool], messages: [question, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: calls[0].id, content: 'cold' }] },
      { signal: ac.signal },
    );
    const seen: ChatCompletionChunk[] = [];
    // openai-node ends the iteration quietly on its own abort.
    for await (const c of follow) {
      seen.push(c);
      ac.abort();
    }
    assert.equal(seen[0]?.choices[0]?.delta?.role, 'assistant', 'the follow-up began answering');
    const end = await until(() => gw.services.store.events(first.id)?.find((e): e is Extract<TranscriptEvent, { type: 'end' }> => e.type === 'end'));
    assert.equal(end.status, 'cancelled');
    await until(() => (gw.services.runtime.livePids().includes(pid) ? null : true));
    assert.equal(gw.services.executor.suspended.size, 0);
    assert.equal(gw.services.executor.activeCount, 0);
  });

  it("tool_choice 'none' exposes nothing; 'required' and a named choice are asked for in the system prompt", async () => {
    gw.api.setScript(plainAnswer('No tools needed.'));
    const before = gw.api.mainRequests().length;
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], tool_choice: 'none' });
    assert.equal(r.choices[0].message.content, 'No tools needed.');
    assert.equal(r.choices[0].finish_reason, 'stop');
    const sent = gw.api.mainRequests()[before];
    assert.ok(!sent.tools?.some((t) => t.name.includes('get_weather')));
    assert.ok(sent.tools?.some((t) => t.name === 'Bash'));

    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], tool_choice: 'required' });
    assert.ok(system(gw.api.mainRequests().at(-1)!).includes('You must call at least one of these tools before you answer: mcp__client_tools__get_weather.'));
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false });
    const sys = system(gw.api.mainRequests().at(-1)!);
    assert.ok(sys.includes('You must call the tool mcp__client_tools__get_weather before you answer.'));
    assert.ok(sys.includes('Call at most one mcp__client_tools__* tool per turn.'));
  });

  it('malformed tools and unknown tool_call_ids get an OpenAI-shaped 400, and nothing runs', async () => {
    const before = gw.api.requests.length;
    const cases: Array<{ tools?: unknown; messages?: unknown; tool_choice?: unknown; match: RegExp }> = [
      { tools: [{ type: 'function', function: { description: 'x', parameters: { type: 'object' } } }], match: /Missing required parameter: 'tools\[0\]\.function\.name'/ },
      { tools: [{ type: 'function', function: { name: 'get weather' } }], match: /must be 1-64 letters, digits, underscores or dashes/ },
      { tools: [weatherTool, weatherTool], match: /'get_weather' is used twice/ },
      { tools: [{ type: 'function', function: { name: 'Bash' } }], match: /one of Claude Code's own tools/ },
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } } }], match: /not a usable JSON Schema/ },
      { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } }, match: /no function named 'nope'/ },
      { messages: [{ role: 'user', content: 'q' }, { role: 'tool', tool_call_id: 'call_nowhere', content: 'x' }], match: /'call_nowhere' answers no tool call/ },
    ];
    for (const c of cases) {
      const res = await fetch(`${gw.v1}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sonnet', messages: c.messages ?? [{ role: 'user', content: 'q' }], ...(c.tools ? { tools: c.tools } : {}), ...(c.tool_choice ? { tool_choice: c.tool_choice } : {}) }),
      });
      const body = (await res.json()) as { error: { message: string; type: string } };
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, c.match);
    }
    assert.equal(gw.api.requests.length, before, 'no Claude run started');
  });

  it('a follow-up whose run is gone (restart) gets a fresh run with the calls and results as history', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Lima' }] }));
    const before = gw.api.mainRequests().length;
    const r = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Lima?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_from_a_past_life', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_from_a_past_life', content: '19°C, cloudy' },
      ],
    });
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.content, "Final answer from the history's results: 19°C, cloudy");
    const sent = gw.api.mainRequests()[before];
    const prompt = sent.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((b) => b.text ?? '').join(''))).join('\n');
    assert.ok(prompt.includes('[called get_weather({"city":"Lima"})]'), prompt);
    assert.ok(prompt.includes('Your tool calls above have their results: continue from them.'));
    assert.ok(sent.tools?.some((t) => t.name === 'mcp__client_tools__get_weather'), 'the fresh run has the tools again');
  });
});

describe('client tools: a run nobody answers', () => {
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Bern' }] }), config: { CLIENT_TOOL_TIMEOUT_S: 1 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => gw.close());

  it('ends after CLIENT_TOOL_TIMEOUT_S (interrupted, process gone); the late follow-up still gets a correct answer', async () => {
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Bern?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });
    const calls = first.choices[0].message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    const end = await until(() => gw.services.store.events(first.id)?.find((e): e is Extract<TranscriptEvent, { type: 'end' }> => e.type === 'end'));
    assert.equal(end.status, 'interrupted');
    assert.match(end.reason ?? '', /CLIENT_TOOL_TIMEOUT_S/);
    assert.equal(gw.services.store.list().items.find((s) => s.requestId === first.id)?.status, 'interrupted');
    assert.equal(gw.services.executor.suspended.size, 0);
    await until(() => (gw.services.runtime.livePids().length === 0 ? true : null));

    const before = gw.api.mainRequests().length;
    const late = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [question, { role: 'assistant', content: first.choices[0].message.content, tool_calls: calls }, { role: 'tool', tool_call_id: calls[0].id, content: '25°C, clear' }],
    });
    assert.equal(late.choices[0].message.content, "Final answer from the history's results: 25°C, clear");
    assert.equal(gw.api.mainRequests().length - before, 1, 'a fresh run answered from the history');
  });
});

describe('client tools: a slow caller', () => {
  let gw: TestGateway;

  before(async () => {
    // A low MCP tool timeout in Claude's environment must not cut a call the gateway still lets wait.
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Quito' }] }), claudeEnv: { MCP_TOOL_TIMEOUT: '1000' } });
  });
  after(async () => gw.close());

  it('answers after longer than MCP_TOOL_TIMEOUT: the run still waits for it (CLIENT_TOOL_TIMEOUT_S governs)', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Quito?' };
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] });
    const calls = first.choices[0].message.tool_calls ?? [];
    await new Promise((r) => setTimeout(r, 2_500)); // the caller takes its time (a wait, not an assertion on time)
    const second = await client.chat.completions.create({
      model: 'sonnet',
      tools: [weatherTool],
      messages: [question, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: calls[0].id, content: '14°C, drizzle' }],
    });
    assert.equal(second.choices[0].message.content, "Final answer from the caller's results: 14°C, drizzle");
  });
});

/** n8n's AI Agent on the Responses API (its default): a Calculator tool in the flat function shape, via openai-node. */
describe('client tools on /v1/responses (openai SDK, real Claude Code)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  const calculator = {
    type: 'function' as const,
    name: 'calculator',
    description: 'Useful for getting the result of a math expression.',
    parameters: { type: 'object', properties: { input: { type: 'string', description: 'A math expression' } }, required: ['input'], additionalProperties: false },
    strict: true,
  };

  before(async () => {
    gw = await startTestGateway({ script: clientToolLoop({ tool: 'calculator', calls: [{ input: '6*7' }], bashFirst: 'echo pre-$((2+3))' }) });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => gw.close());

  it('non-stream: function_call output items, then function_call_output continues the same run', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'calculator', calls: [{ input: '6*7' }], bashFirst: 'echo pre-$((2+3))' }));
    const before = gw.api.mainRequests().length;
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'What is 6*7?' }];
    // A hosted tool n8n may add beside the functions is left out, not refused.
    const first = await client.responses.create({ model: 'sonnet', input, tools: [calculator, { type: 'web_search_preview' }] });
    assert.ok(gw.api.mainRequests()[before].tools?.some((t) => t.name === 'mcp__client_tools__calculator'));
    assert.equal(first.status, 'completed');
    const calls = first.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'calculator');
    assert.match(calls[0].call_id, /^toolu_/);
    assert.deepEqual(JSON.parse(calls[0].arguments), { input: '6*7' });
    assert.ok(first.output_text.includes('pre-5') && first.output_text.includes('now asking the caller.'), first.output_text);
    assert.equal(first.output.at(-1)?.type, 'function_call');

    const second = await client.responses.create({
      model: 'sonnet',
      tools: [calculator],
      input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: calls[0].call_id, output: '42' }],
    });
    assert.equal(second.status, 'completed');
    assert.equal(second.output_text, "Final answer from the caller's results: 42");
    assert.ok(!second.output.some((o) => o.type === 'function_call'));
    const events = gw.services.store.events(first.id) ?? [];
    assert.equal(events.filter((e) => e.type === 'init').length, 1, 'one Claude start for both requests');
    assert.equal(gw.api.mainRequests().length - before, 3);
  });

  it('stream: function_call item events, response.completed; the follow-up streams the rest', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'calculator', calls: [{ input: '2+2' }, { input: '3+3' }] }));
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Two sums' }];
    const s = await client.responses.create({ model: 'sonnet', input, tools: [calculator], stream: true });
    const types: string[] = [];
    let done: OpenAI.Responses.Response | null = null;
    let argDeltas = '';
    for await (const ev of s) {
      types.push(ev.type);
      if (ev.type === 'response.function_call_arguments.delta') argDeltas += ev.delta;
      if (ev.type === 'response.completed') done = ev.response;
    }
    assert.ok(done);
    const calls = done.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
    assert.deepEqual(calls.map((c) => JSON.parse(c.arguments)), [{ input: '2+2' }, { input: '3+3' }]);
    assert.equal(argDeltas, calls.map((c) => c.arguments).join(''));
    assert.equal(types.filter((t) => t === 'response.function_call_arguments.done').length, 2);
    assert.equal(types.at(-1), 'response.completed');

    const follow = await client.responses.create({
      model: 'sonnet',
      stream: true,
      tools: [calculator],
      input: [...input, ...(done.output as OpenAI.Responses.ResponseInputItem[]), ...calls.map((c, i): OpenAI.Responses.ResponseInputItem => ({ type: 'function_call_output', call_id: c.call_id, output: String([4, 6][i]) }))],
    });
    let text = '';
    for await (const ev of follow) if (ev.type === 'response.output_text.delta') text += ev.delta;
    assert.equal(text, "Final answer from the caller's results: 4 | 6");
  });

  it('function_call_output alone (previous_response_id style) for a run that is gone: a 400 saying what to send', async () => {
    await assert.rejects(
      client.responses.create({ model: 'sonnet', input: [{ type: 'function_call_output', call_id: 'toolu_gone', output: '1' }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 400 && /No run waits for the tool call\(s\) 'toolu_gone'/.test(err.message),
    );
  });
});
