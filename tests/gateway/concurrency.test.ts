import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

describe('concurrency limit', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: () => ({ blocks: [{ type: 'text', text: 'slow answer' }], delayMs: 1500 }), config: { MAX_CONCURRENT_RUNS: 1, MAX_QUEUED_RUNS: 1 } });
  });
  after(async () => gw.close());

  it('queues up to the bound, then answers 429 with retry-after; queued requests still complete', async () => {
    const send = (n: number) => fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: `request ${n}` }] }) });
    const first = send(1);
    await new Promise((r) => setTimeout(r, 300));
    const second = send(2);
    await new Promise((r) => setTimeout(r, 300));
    const third = await send(3);
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    const body = (await third.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.type, 'rate_limit_error');
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    assert.equal(((await r2.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'slow answer');
    assert.equal(gw.services.store.list().total, 2, 'the refused request never ran');
  });
});
