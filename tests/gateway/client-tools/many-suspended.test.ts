import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import { offeredTool, type Script } from '../../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway, adminInit } from '../../helpers/gateway.ts';
import { waitUntil } from '../../helpers/wait.ts';

const SUSPENDED = 20;

const lookup: ChatCompletionTool = {
  type: 'function',
  function: { name: 'lookup', description: 'Look a key up', parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } },
};

/** Requests naming a key call the client tool with it; "plain" requests just answer. */
const script: Script = (req, info) => {
  const said = info.userTexts.join('\n');
  if (said.includes('plain')) return { blocks: [{ type: 'text', text: 'Plain answer.' }] };
  const asked = offeredTool(req, 'lookup') ?? 'missing';
  if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: 'Resumed.' }] };
  return { blocks: [{ type: 'tool_use', name: asked, input: { key: /key-\d+/.exec(said)?.[0] ?? 'none' } }] };
};

/** Runs waiting for their callers hold no run slot: with 20 of them alive, other requests still run at once. */
describe(`${SUSPENDED} suspended runs do not block other requests`, () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script, config: { MAX_CONCURRENT_RUNS: 2, MAX_QUEUED_RUNS: 64, MAX_SUSPENDED_RUNS: SUSPENDED } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 300_000 });
  });
  after(async () => gw.close());

  it('20 runs wait, each with its Claude process; plain requests, stream and not, answer meanwhile; one of them resumes; all end on close', async () => {
    const firsts = await Promise.all(
      Array.from({ length: SUSPENDED }, (_, i) => client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: `key-${i}` }], tools: [lookup] })),
    );
    for (const [i, r] of firsts.entries()) {
      assert.equal(r.choices[0].finish_reason, 'tool_calls');
      const c = r.choices[0].message.tool_calls?.[0];
      assert.ok(c && c.type === 'function');
      assert.deepEqual(JSON.parse(c.function.arguments), { key: `key-${i}` });
    }
    assert.equal(gw.services.executor.suspended.size, SUSPENDED);
    assert.equal(gw.services.executor.activeCount, 0);
    assert.equal(gw.services.runtime.livePids().length, SUSPENDED, 'every waiting run keeps its process');

    // MAX_CONCURRENT_RUNS is 2: if waiting runs held slots, these would queue behind them until CLIENT_TOOL_TIMEOUT_S.
    const plain = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'plain, no tools' }] });
    assert.equal(plain.choices[0].message.content, 'Plain answer.');
    const streamed = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'plain again' }] });
    let text = '';
    for await (const ch of streamed) text += ch.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'Plain answer.');
    const health = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { suspendedRuns: number; activeRuns: number; queuedRuns: number };
    assert.deepEqual([health.suspendedRuns, health.activeRuns, health.queuedRuns], [SUSPENDED, 0, 0]);

    // The last one to wait still resumes with its result.
    const last = firsts[SUSPENDED - 1];
    const call = last.choices[0].message.tool_calls?.[0];
    assert.ok(call);
    const resumed = await client.chat.completions.create({
      model: 'sonnet',
      tools: [lookup],
      messages: [{ role: 'user', content: `key-${SUSPENDED - 1}` }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'value' }],
    });
    assert.equal(resumed.choices[0].message.content, 'Resumed.');
    assert.equal(gw.services.executor.suspended.size, SUSPENDED - 1);

    await gw.services.executor.suspended.closeAll();
    for (const r of firsts.slice(0, -1)) assert.equal(gw.services.store.summary(r.id)?.status, 'interrupted');
    await waitUntil(() => gw.services.runtime.livePids().length === 0, { what: 'every waiting run’s process to be gone', ms: 60_000 });
  });
});
