import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planQuit, QuitController, quitDeadlineMs, runQuit, waitForIdle } from '../../main/shell/quit-sequence.ts';

test('plan: stop accepting → drain (only with running requests) → Claude → OAuth → rest; containers untouched', () => {
  const busy = planQuit({ activeRuns: 2, graceMs: 7000 });
  assert.deepEqual(busy.map((s) => s.id), ['stop-accepting', 'drain', 'stop-claude', 'stop-oauth', 'stop-services']);
  assert.equal(busy.find((s) => s.id === 'drain')?.timeoutMs, 7000);
  assert.deepEqual(planQuit({ activeRuns: 0, graceMs: 7000 }).map((s) => s.id), ['stop-accepting', 'stop-claude', 'stop-oauth', 'stop-services']);
  assert.deepEqual(planQuit({ activeRuns: 3, graceMs: 0 }).map((s) => s.id), ['stop-accepting', 'stop-claude', 'stop-oauth', 'stop-services']);
  assert.ok(!busy.some((s) => /container|compose/i.test(`${s.id} ${s.label}`)));
  // the hard deadline covers every bound
  assert.equal(quitDeadlineMs(busy, 0), busy.reduce((a, s) => a + s.timeoutMs, 0));
});

test('runQuit runs steps in order and keeps going past failures and overruns', async () => {
  const order: string[] = [];
  let sawAbort = false;
  const plan = planQuit({ activeRuns: 1, graceMs: 50 });
  const report = await runQuit(plan, {
    'stop-accepting': async () => { order.push('stop-accepting'); },
    drain: (signal) => new Promise<void>((resolve) => {
      order.push('drain');
      signal.addEventListener('abort', () => { sawAbort = true; resolve(); });
    }),
    'stop-claude': async () => { order.push('stop-claude'); throw new Error('kill failed'); },
    'stop-services': async () => { order.push('stop-services'); },
  });
  assert.deepEqual(order, ['stop-accepting', 'drain', 'stop-claude', 'stop-services']);
  assert.ok(sawAbort, 'the overrunning step is told to give up');
  assert.deepEqual(report.steps.map((s) => [s.id, s.outcome]), [
    ['stop-accepting', 'done'],
    ['drain', 'timeout'],
    ['stop-claude', 'failed'],
    ['stop-oauth', 'no-handler'],
    ['stop-services', 'done'],
  ]);
  assert.equal(report.steps[2].error, 'kill failed');
  assert.equal(report.clean, false);
  const clean = await runQuit(planQuit({ activeRuns: 0, graceMs: 0 }), { 'stop-accepting': async () => {} });
  assert.equal(clean.clean, true);
});

test('waitForIdle resolves when runs reach zero, or at the bound', async () => {
  let runs = 2;
  const t0 = Date.now();
  setTimeout(() => { runs = 0; }, 60);
  await waitForIdle(() => runs, new AbortController().signal, 10);
  assert.ok(Date.now() - t0 >= 50);

  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  await waitForIdle(() => 5, ac.signal, 10_000); // would hang without the abort
  assert.equal(ac.signal.aborted, true);
});

test('QuitController: one sequence; a second request while quitting forces exit; exits 0 when done', async () => {
  const exits: number[] = [];
  let release!: () => void;
  let runs = 0;
  const q = new QuitController(() => { runs++; return new Promise<void>((r) => { release = r; }); }, (c) => exits.push(c));
  assert.equal(q.phase, 'running');
  const done = q.request();
  assert.equal(q.phase, 'quitting');
  void q.request();
  assert.deepEqual(exits, [130]);
  release();
  await done;
  assert.equal(q.phase, 'done');
  assert.deepEqual(exits, [130, 0]);
  await q.request();
  assert.equal(runs, 1);
  assert.deepEqual(exits, [130, 0]);
});

test('QuitController exits even when the sequence throws', async () => {
  const exits: number[] = [];
  const q = new QuitController(async () => { throw new Error('boom'); }, (c) => exits.push(c));
  await q.request();
  assert.deepEqual(exits, [0]);
});
