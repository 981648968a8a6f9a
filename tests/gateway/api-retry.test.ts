import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ComponentHealth } from '../../main/health/gateway-health.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';

/**
 * The model API answering 529 (overloaded): Claude Code retries by itself and says so (system/api_retry). The
 * client sees each retry as it happens instead of a silent wait, and Health shows the model API as unreachable.
 */
describe('model API down: Claude Code retries, the client and Health see it', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: () => ({ blocks: [{ type: 'text', text: 'x' }] }), config: { CLAUDE_API_RETRIES: 3 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  const modelApi = (): ComponentHealth | undefined => gw.services.health().components.find((c) => c.name === 'model-api');

  it('each retry streams a visible status line, is recorded in the transcript, and Health shows the API unreachable meanwhile', async () => {
    let failures = 0;
    let healthDuringOutage: ComponentHealth | undefined;
    // The retried request waits until the gateway has seen Claude's retry notice (or gives up, failing the test).
    let noticed!: () => void;
    const retryNoticed = new Promise<void>((r) => { noticed = r; });
    const off = gw.services.bus.subscribe((e) => { if (e.event.type === 'api_retry') noticed(); });
    const giveUp = setTimeout(noticed, 20_000);
    const script: Script = async () => {
      if (failures === 1) { await retryNoticed; healthDuringOutage = modelApi(); }
      if (failures < 2) { failures++; return { httpError: 529, errorType: 'overloaded_error', message: 'Overloaded', retryable: true }; }
      return { blocks: [{ type: 'text', text: 'Back online.' }] };
    };
    gw.api.setScript(script);
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let id = '';
    for await (const c of s) { id = c.id; text += c.choices[0]?.delta?.content ?? ''; }
    off();
    clearTimeout(giveUp);
    const lines = text.split('\n').filter(Boolean);
    assert.match(lines[0], /^_Model API unavailable \(HTTP 529, overloaded\) — retry 1 of 3 in \d+(\.\d)? s…_$/);
    assert.match(lines[1], /retry 2 of 3/);
    assert.equal(lines.at(-1), 'Back online.');
    const retries = gw.services.store.events(id)!.filter((e) => e.type === 'api_retry');
    assert.deepEqual(retries.map((e) => e.type === 'api_retry' && [e.attempt, e.maxRetries, e.status]), [[1, 3, 529], [2, 3, 529]]);
    assert.equal(healthDuringOutage?.status, 'error');
    assert.match(healthDuringOutage?.reason ?? '', /unreachable|529/);
    assert.equal(modelApi()?.status, 'ok', 'reachable again once it answered');
  });

  it('CLAUDE_API_RETRIES caps Claude Code’s retries (CLAUDE_CODE_MAX_RETRIES): 3 retries, then a clear 502', async () => {
    gw.api.setScript(() => ({ httpError: 529, errorType: 'overloaded_error', message: 'Overloaded', retryable: true }));
    const before = gw.api.mainRequests().length;
    const err = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.match(err.message, /529/);
    assert.equal(gw.api.mainRequests().length - before, 4, 'the first attempt and 3 retries');
    assert.equal(modelApi()?.status, 'error', 'still down');
  });
});
