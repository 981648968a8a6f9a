/**
 * The operation state machine without docker: a stand-in compose manager whose calls the test ends by hand.
 * (On the real engine, with the tray and the control API as views: build.test.ts and tests/shell/backend-compose.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelled } from '../../main/compose/exec.ts';
import { ComposeBusyError, ComposeError, ComposeOperations, type OperableCompose } from '../../main/compose/index.ts';
import type { ComposeAction, ComposeOperation, ComposeProgressEvent, ComposeProgressLine, ComposeStatus, OpOptions, ProgressOptions } from '../../main/compose/types.ts';

interface Call {
  action: ComposeAction;
  opts: OpOptions & ProgressOptions;
  resolve(): void;
  reject(err: unknown): void;
}

const status: ComposeStatus = { overall: 'running', project: 'p', services: [], problem: null, compose: null, checkedAt: '' };

/** A compose manager whose every call waits for the test; an abort rejects it as the real one does. */
function standIn(): { compose: OperableCompose; calls: Call[] } {
  const calls: Call[] = [];
  const call = <T>(action: ComposeAction, value: T) => (opts: OpOptions & ProgressOptions = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      opts.signal?.addEventListener('abort', () => reject(cancelled(`compose ${action}`)), { once: true });
      calls.push({ action, opts, resolve: () => resolve(value), reject });
    });
  return {
    calls,
    compose: {
      up: call('up', status),
      down: call('down', undefined),
      restart: call('restart', status),
      rebuild: call('rebuild', status),
      commandFor: (a) => `compose ${a}`,
      commandLine: (...args) => `compose ${args.join(' ')}`,
    },
  };
}

function record(ops: ComposeOperations): { ops: ComposeOperation[]; lines: ComposeProgressLine[] } {
  const seen = { ops: [] as ComposeOperation[], lines: [] as ComposeProgressLine[] };
  ops.on('operation', (o) => seen.ops.push(o));
  ops.on('progress', (l) => seen.lines.push(l));
  return seen;
}

const line = (text: string): ComposeProgressEvent => ({ type: 'line', text });

describe('compose operations (state machine)', () => {
  it('runs one operation at a time: a second start is refused with the running one, until it ends', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose);
    assert.equal(ops.current(), null);
    const up = ops.start('up', 'tray');
    assert.equal(up.state, 'running');
    assert.equal(up.origin, 'tray');
    assert.equal(up.command, 'compose up');
    assert.ok(ops.busy());
    assert.throws(() => ops.start('down'), (err: unknown) => err instanceof ComposeBusyError && err.code === 'busy' && err.operation.id === up.id && /started from the tray/.test(err.reason));
    await assert.rejects(ops.run('rebuild'), ComposeBusyError);
    assert.equal(calls.length, 1, 'the refused ones never reached compose');

    calls[0].resolve();
    const ended = await ops.idle();
    assert.equal(ended?.id, up.id);
    assert.equal(ended?.state, 'done');
    assert.ok(ended?.endedAt);
    assert.ok(!ops.busy());
    const down = ops.start('down');
    assert.notEqual(down.id, up.id);
    assert.equal(calls[1].action, 'down');
    calls[1].resolve();
    assert.equal((await ops.idle())?.state, 'done');
  });

  it('stages and build steps become operation events; every output line a progress event, numbered', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose);
    const seen = record(ops);
    const op = ops.start('up');
    const p = calls[0].opts.onProgress;
    assert.ok(p, 'the operation listens to progress');
    p({ type: 'stage', stage: 'checking' });
    p({ type: 'stage', stage: 'building' });
    p(line('Building claude'));
    p(line('Step 1/3 : FROM base'));
    p(line(' ---> 0123abcd'));
    p(line('Step 2/3 : RUN npm install -g "@anthropic-ai/claude-code@2.1.330"'));
    p(line('npm stand-in: installing'));
    assert.equal(ops.current()?.step?.index, 2);
    assert.match(ops.current()?.phase ?? '', /^building the runtime image .*: step 2\/3 \(RUN npm install/);
    p({ type: 'stage', stage: 'starting' });
    assert.equal(ops.current()?.step, null, 'the step belongs to the build');
    p({ type: 'stage', stage: 'waiting-healthy' });
    calls[0].resolve();
    await ops.idle();

    assert.deepEqual(seen.lines.map((l) => [l.seq, l.text]), [
      [1, 'Building claude'], [2, 'Step 1/3 : FROM base'], [3, ' ---> 0123abcd'], [4, 'Step 2/3 : RUN npm install -g "@anthropic-ai/claude-code@2.1.330"'], [5, 'npm stand-in: installing'],
    ]);
    assert.ok(seen.lines.every((l) => l.operationId === op.id));
    // One operation event per change a view shows (not one per line).
    assert.deepEqual(seen.ops.map((o) => [o.state, o.stage, o.step?.index ?? null]), [
      ['running', null, null], ['running', 'checking', null], ['running', 'building', null], ['running', 'building', 1], ['running', 'building', 2],
      ['running', 'starting', null], ['running', 'waiting-healthy', null], ['done', 'waiting-healthy', null],
    ]);
    assert.equal(seen.ops.at(-1)?.lines, 5);
    // Events are copies: a view that changes one changes nothing else.
    seen.ops[0].state = 'failed';
    assert.equal(ops.current()?.state, 'done');
  });

  it('cancel aborts the running call and ends it cancelled; with none running it says so', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose);
    assert.equal(ops.cancel(), false);
    const running = ops.run('rebuild', 'tray');
    assert.equal(ops.cancel(), true);
    assert.equal(calls[0].opts.signal?.aborted, true);
    const ended = await running;
    assert.equal(ended.state, 'cancelled');
    assert.equal(ended.problem?.code, 'cancelled');
    assert.equal(ended.phase, 'rebuild cancelled');
    assert.equal(ops.cancel(), false);
  });

  it('a failure ends the operation with the problem (run resolves, it does not throw)', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose);
    const running = ops.run('restart');
    calls[0].reject(new ComposeError({ code: 'build-failed', reason: 'Building failed.', fix: 'compose build claude', detail: 'npm error 404' }));
    const ended = await running;
    assert.equal(ended.state, 'failed');
    assert.deepEqual(ended.problem, { code: 'build-failed', reason: 'Building failed.', fix: 'compose build claude', detail: 'npm error 404' });
    const plain = ops.run('up');
    calls[1].reject(new Error('boom'));
    assert.deepEqual((await plain).problem, { code: 'failed', reason: 'boom', fix: 'compose ps' });
  });

  it('keeps the latest lines of the current operation for late views; a new operation starts empty', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose, { maxLines: 3 });
    ops.start('up');
    for (let i = 1; i <= 5; i++) calls[0].opts.onProgress?.(line(`line ${i}`));
    assert.deepEqual(ops.lines().map((l) => [l.seq, l.text]), [[3, 'line 3'], [4, 'line 4'], [5, 'line 5']]);
    calls[0].resolve();
    await ops.idle();
    assert.equal(ops.lines().length, 3, 'an ended operation keeps its output for a page opened afterwards');
    calls[0].opts.onProgress?.(line('late'));
    assert.equal(ops.lines().length, 3, 'nothing is added after the end');
    ops.start('down');
    assert.deepEqual(ops.lines(), []);
    calls[1].resolve();
    await ops.idle();
  });

  it('a listener that throws neither stops the operation nor the other listeners', async () => {
    const { compose, calls } = standIn();
    const ops = new ComposeOperations(compose);
    ops.on('operation', () => {
      throw new Error('broken view');
    });
    const states: string[] = [];
    const off = ops.on('operation', (o) => states.push(o.state));
    const running = ops.run('down');
    calls[0].resolve();
    assert.equal((await running).state, 'done');
    assert.deepEqual(states, ['running', 'done']);
    off();
    ops.start('up');
    assert.deepEqual(states, ['running', 'done'], 'unsubscribed');
    calls[1].resolve();
    await ops.idle();
  });
});
