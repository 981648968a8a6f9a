import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('concurrency limit', () => {
  let gw: TestGateway;
  // The model answers once the test opens the gate, so the first run holds its slot for as long as the test needs.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  before(async () => {
    gw = await startTestGateway({
      script: async (_req, info) => {
        if (info.isMainLoop) await gate;
        return { blocks: [{ type: 'text', text: 'slow answer' }] };
      },
      config: { MAX_CONCURRENT_RUNS: 1, MAX_QUEUED_RUNS: 1 },
    });
  });
  after(async () => {
    open();
    await gw.close();
  });

  it('queues up to the bound, then answers 429 with retry-after; queued requests still complete', async () => {
    const send = (n: number) => fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: `request ${n}` }] }) });
    const limiter = gw.services.limiter;
    const first = send(1);
    await waitUntil(() => limiter.activeCount === 1, { what: 'the first request to hold the run slot' });
    const second = send(2);
    await waitUntil(() => limiter.queuedCount === 1, { what: 'the second request to be queued' });
    const third = await send(3);
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    const body = (await third.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.type, 'rate_limit_error');
    open();
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    assert.equal(((await r2.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'slow answer');
    assert.equal(gw.services.store.list().total, 2, 'the refused request never ran');
  });
});
