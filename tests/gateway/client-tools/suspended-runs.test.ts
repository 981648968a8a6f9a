import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SuspendedRuns, type ExpiryReason, type Suspendable } from '../../../main/gateway/client-tools/suspended-runs.ts';

class FakeRun implements Suspendable {
  expired: ExpiryReason | null = null;
  constructor(readonly name: string) {}
  async expire(reason: ExpiryReason): Promise<void> {
    this.expired = reason;
  }
}

describe('suspended runs', () => {
  it('hands a run to the follow-up that names one of its call ids, once, and only for its model', () => {
    const runs = new SuspendedRuns<FakeRun>(60_000, 4);
    const a = new FakeRun('a');
    runs.park(a, ['call_1', 'call_2'], 'sonnet');
    assert.equal(runs.take(['call_9'], 'sonnet'), null);
    assert.equal(runs.take(['call_2'], 'opus'), null);
    assert.equal(runs.take(['call_2'], 'sonnet'), a);
    assert.equal(runs.take(['call_2'], 'sonnet'), null, 'taken once');
    assert.equal(runs.size, 0);
    assert.equal(a.expired, null);
  });

  it('ends the oldest run beyond the bound', () => {
    const runs = new SuspendedRuns<FakeRun>(60_000, 2);
    const [a, b, c] = [new FakeRun('a'), new FakeRun('b'), new FakeRun('c')];
    runs.park(a, ['a1'], 'm');
    runs.park(b, ['b1'], 'm');
    runs.park(c, ['c1'], 'm');
    assert.equal(a.expired, 'evicted');
    assert.equal(b.expired, null);
    assert.equal(runs.size, 2);
    assert.equal(runs.take(['a1'], 'm'), null);
  });

  it('ends a run nobody answers within the timeout', async () => {
    const runs = new SuspendedRuns<FakeRun>(20, 2);
    const a = new FakeRun('a');
    runs.park(a, ['a1'], 'm');
    while (!a.expired) await new Promise((r) => setTimeout(r, 10));
    assert.equal(a.expired, 'client_tool_timeout');
    assert.equal(runs.size, 0);
  });

  it('a taken run is not ended by its old timer; closeAll ends the rest', async () => {
    const runs = new SuspendedRuns<FakeRun>(20, 4);
    const [a, b] = [new FakeRun('a'), new FakeRun('b')];
    runs.park(a, ['a1'], 'm');
    runs.park(b, ['b1'], 'm');
    assert.equal(runs.take(['a1'], 'm'), a);
    await runs.closeAll();
    assert.equal(b.expired, 'shutdown');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.expired, null);
  });

  it('ends one chosen run on demand (the dashboard), once; the others keep waiting', async () => {
    const runs = new SuspendedRuns<FakeRun>(60_000, 4);
    const [a, b] = [new FakeRun('a'), new FakeRun('b')];
    runs.park(a, ['a1'], 'm');
    runs.park(b, ['b1'], 'm');
    const picked = runs.find((r) => r.name === 'b');
    assert.equal(picked, b);
    assert.equal(runs.find((r) => r.name === 'z'), null);
    assert.equal(await runs.end(b, 'ended_by_user'), true);
    assert.equal(b.expired, 'ended_by_user');
    assert.equal(await runs.end(b, 'ended_by_user'), false, 'no longer waiting');
    assert.equal(runs.take(['b1'], 'm'), null);
    assert.equal(runs.take(['a1'], 'm'), a);
    assert.equal(a.expired, null);
  });
});
