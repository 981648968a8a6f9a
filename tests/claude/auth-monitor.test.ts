/**
 * The sign-in monitor's rules: "signed out" only from a real answer, one follow-up reading shared by everyone who
 * asked while one ran, and a reading begun before a credential change never taken for one after it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClaudeAuthMonitor } from '../../main/claude/auth-monitor.ts';
import type { AuthReading } from '../../main/claude/auth-status.ts';

/** A reader whose readings the test answers one by one. */
function scriptedReader(): { read: () => Promise<AuthReading>; calls: number; answer(r: AuthReading): void } {
  const pending: Array<(r: AuthReading) => void> = [];
  const reader = {
    calls: 0,
    read: () => {
      reader.calls++;
      return new Promise<AuthReading>((resolve) => pending.push(resolve));
    },
    answer: (r: AuthReading) => {
      const next = pending.shift();
      assert.ok(next, 'no reading is waiting');
      next(r);
    },
  };
  return reader;
}

const signedOut: AuthReading = { ok: true, status: { loggedIn: false, authMethod: 'none' } };
const signedIn: AuthReading = { ok: true, status: { loggedIn: true, authMethod: 'api_key' } };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ClaudeAuthMonitor', () => {
  test('unknown until read; signed out only from an answer; a failed reading is unknown again', async () => {
    const r = scriptedReader();
    const m = new ClaudeAuthMonitor(r.read);
    assert.equal(m.snapshot().state, 'unknown');
    assert.equal(m.knownSignedOut(), false);
    const first = m.start();
    r.answer(signedOut);
    assert.equal((await first).state, 'signed_out');
    assert.equal(m.knownSignedOut(), true);
    const second = m.refresh();
    r.answer({ ok: false, reason: 'container not running' });
    const snap = await second;
    assert.equal(snap.state, 'unknown');
    assert.equal(snap.reason, 'container not running');
    assert.equal(m.knownSignedOut(), false, 'unknown lets runs go ahead');
    m.stop();
  });

  test('callers during a reading share one follow-up reading', async () => {
    const r = scriptedReader();
    const m = new ClaudeAuthMonitor(r.read);
    const a = m.refresh();
    const b = m.refresh();
    const c = m.refresh();
    assert.equal(r.calls, 1);
    r.answer(signedOut);
    await a;
    await tick();
    assert.equal(r.calls, 2, 'exactly one follow-up for b and c');
    r.answer(signedIn);
    assert.equal((await b).state, 'signed_in');
    assert.equal((await c).state, 'signed_in');
  });

  test('a reading begun before invalidate() is dropped; the follow-up decides', async () => {
    const r = scriptedReader();
    const m = new ClaudeAuthMonitor(r.read);
    const stale = m.refresh();
    m.invalidate('a credential was saved');
    const fresh = m.refresh();
    r.answer(signedOut); // answered for the old env
    await stale;
    assert.equal(m.snapshot().state, 'unknown', 'the old env\'s "signed out" must not refuse requests');
    await tick();
    r.answer(signedIn);
    assert.equal((await fresh).state, 'signed_in');
  });

  test('a refused credential is noted until a run answers or the credential changes; changes are announced', async () => {
    const r = scriptedReader();
    const m = new ClaudeAuthMonitor(r.read);
    let changes = 0;
    m.onChange(() => changes++);
    const p = m.refresh();
    r.answer(signedIn);
    await p;
    assert.equal(changes, 1);
    m.noteRejected('Invalid API key · Fix external API key');
    assert.equal(m.snapshot().rejected?.message, 'Invalid API key · Fix external API key');
    m.noteAnswered();
    assert.equal(m.snapshot().rejected, null);
    m.noteRejected('Invalid API key');
    m.invalidate('the saved credential was removed');
    assert.equal(m.snapshot().rejected, null);
    assert.equal(changes, 5);
  });
});

describe('ClaudeAuthMonitor retries', () => {
  test('a failed reading is retried on its own (sooner than the periodic one) until one succeeds', async () => {
    let calls = 0;
    let succeeded!: () => void;
    const done = new Promise<void>((r) => { succeeded = r; });
    const m = new ClaudeAuthMonitor(async () => {
      calls++;
      if (calls < 3) return { ok: false, reason: 'container not running' };
      succeeded();
      return signedIn;
    }, 3_600_000, 1);
    // The monitor's timers never hold the process open; this test must, while it waits for them.
    const keepAlive = setInterval(() => {}, 60_000);
    await m.start();
    assert.equal(m.snapshot().state, 'unknown');
    await done;
    clearInterval(keepAlive);
    await tick();
    assert.equal(m.snapshot().state, 'signed_in');
    assert.equal(calls, 3);
    m.stop();
  });
});
