import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { StreamMessage } from '../../main/contract/control-api.ts';
import type { TranscriptEvent } from '../../main/contract/events.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { waitFor } from '../helpers/wait.ts';

/** Two Bash turns, text streamed slowly, so a reader can be cut while the run is still going. */
const slowAgent: Script = (_req, info) => {
  if (info.assistantTurns < 2) {
    return { chunkDelayMs: 15, blocks: [{ type: 'text', text: `Step ${info.assistantTurns + 1}: running a command now.`, chunks: 10 }, { type: 'tool_use', name: 'Bash', input: { command: `echo out-${info.assistantTurns + 1}` } }] };
  }
  return { chunkDelayMs: 15, blocks: [{ type: 'text', text: 'All done, both commands ran fine.', chunks: 10 }] };
};

const events = (msgs: StreamMessage[], requestId?: string): TranscriptEvent[] =>
  msgs.flatMap((m) => (m.type === 'event' ? [m.event] : m.type === 'reset' ? (m.events ?? []) : [])).filter((e) => !requestId || e.requestId === requestId);

function assertExactSequence(got: TranscriptEvent[], stored: TranscriptEvent[]): void {
  assert.deepEqual(got.map((e) => e.seq), stored.map((e) => e.seq), 'every event exactly once, in order');
  assert.deepEqual(got, stored);
}

describe('live SSE stream', () => {
  let gw: TestDashboard;
  let client: OpenAI;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${gw.token}` });
  before(async () => {
    gw = await startTestDashboard({ script: slowAgent });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
  });

  test('all-requests stream: cut mid-run, resume by Last-Event-ID → no gap, no duplicate', async () => {
    const first = await SseReader.open(`${gw.baseUrl}/api/stream?view=events`, auth());
    assert.equal(first.status, 200);
    const run = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'do two steps' }] });
    const msgs1 = await first.until((m) => events(m).filter((e) => e.type === 'text_delta').length >= 3);
    first.close();
    assert.equal(msgs1[0].type, 'hello');
    const cut = first.lastEventId;
    assert.ok(cut, 'events carry ids');
    const requestId = events(msgs1)[0].requestId;
    // Resume while the run is still going: part replayed from the ring, the rest live.
    const second = await SseReader.open(`${gw.baseUrl}/api/stream?view=events`, { ...auth(), 'last-event-id': cut });
    const msgs2 = await second.until((m) => events(m, requestId).some((e) => e.type === 'end'));
    second.close();
    await run;
    assert.deepEqual(msgs2[0], { type: 'hello', bootId: gw.control.bootId, resumed: true });
    assert.ok(!msgs2.some((m) => m.type === 'reset'), 'the ring still held everything: no reset');
    const stored = gw.services.store.events(requestId) ?? [];
    assert.ok(stored.some((e) => e.type === 'tool_use') && stored.some((e) => e.type === 'tool_result'));
    assertExactSequence([...events(msgs1, requestId), ...events(msgs2, requestId)], stored);
  });

  test('one-request stream starts with the stored transcript, then continues live; resume joins exactly', async () => {
    const run = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'again' }] });
    // Wait until the request exists, then attach to it mid-run.
    const requestId = await waitFor(() => gw.services.store.list({ status: 'running' }).items[0]?.requestId, { what: 'the request to run' });
    const url = `${gw.baseUrl}/api/stream?view=events&requestId=${requestId}`;
    const a = await SseReader.open(url, auth());
    const msgsA = await a.until((m) => m.some((x) => x.type === 'reset') && events(m).some((e) => e.type === 'tool_use'));
    a.close();
    const resetA = msgsA.find((m) => m.type === 'reset');
    assert.ok(resetA && resetA.type === 'reset' && resetA.reason === 'initial' && (resetA.events?.length ?? 0) > 0);
    const b = await SseReader.open(url, { ...auth(), 'last-event-id': a.lastEventId ?? '' });
    const msgsB = await b.until((m) => events(m).some((e) => e.type === 'end'));
    b.close();
    await run;
    assertExactSequence([...events(msgsA), ...events(msgsB)], gw.services.store.events(requestId) ?? []);
  });

  test('resume past the ring (gap) falls back to the store; a stale boot id resets too', async () => {
    const done = gw.services.store.list({ status: 'done' }).items[0];
    assert.ok(done);
    const stored = gw.services.store.events(done.requestId) ?? [];
    const oldCursor = `${gw.control.bootId}.1`;
    // Overflow the bus ring with another request's events: event 2.. of `done` are no longer replayable.
    for (let i = 0; i < gw.services.bus.capacity + 50; i++) {
      gw.services.bus.publish({ type: 'text_delta', text: 'x', parentToolUseId: null, requestId: 'synthetic_flood', seq: i + 1, ts: new Date().toISOString() });
    }
    const r = await SseReader.open(`${gw.baseUrl}/api/stream?view=events&requestId=${done.requestId}`, { ...auth(), 'last-event-id': oldCursor });
    const msgs = await r.until((m) => m.some((x) => x.type === 'reset'));
    r.close();
    const reset = msgs.find((m) => m.type === 'reset');
    assert.ok(reset && reset.type === 'reset');
    assert.match(reset.reason, /no longer held/);
    assert.deepEqual(reset.events, stored);
    assert.equal(r.lastEventId, `${gw.control.bootId}.${gw.services.bus.lastId}`, 'the reset carries the resume point');

    const stale = await SseReader.open(`${gw.baseUrl}/api/stream?view=events&requestId=${done.requestId}`, { ...auth(), 'last-event-id': 'deadbeef0000.42' });
    const m2 = await stale.until((m) => m.some((x) => x.type === 'reset'));
    stale.close();
    const reset2 = m2.find((m) => m.type === 'reset');
    assert.ok(reset2 && reset2.type === 'reset' && /restarted/.test(reset2.reason));
    assert.deepEqual(reset2.events, stored);

    const all = await SseReader.open(`${gw.baseUrl}/api/stream?view=events`, { ...auth(), 'last-event-id': oldCursor });
    const m3 = await all.until((m) => m.some((x) => x.type === 'reset'));
    all.close();
    const reset3 = m3.find((m) => m.type === 'reset');
    assert.ok(reset3 && reset3.type === 'reset' && reset3.events === null, 'all-requests view: refetch, no bulk replay');
  });

  test('a long stored transcript arrives in parts, live events queue behind it; the resume id comes with its last part', async () => {
    const rec = gw.services.store.begin('long_run_1');
    rec.emit({ type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'test', prompt: 'long', systemPrompt: null, imageCount: 0, runtime: 'local' });
    for (let i = 0; i < 5000; i++) rec.emit({ type: 'text_delta', text: `${i} `, parentToolUseId: null });
    const r = await SseReader.open(`${gw.baseUrl}/api/stream?view=events&requestId=long_run_1`, auth());
    // Still running: events emitted while the stored part is being sent must follow it, once each.
    await r.until((m) => m.some((x) => x.type === 'reset'));
    for (let i = 0; i < 20; i++) rec.emit({ type: 'text_delta', text: `live ${i} `, parentToolUseId: null });
    rec.emit({ type: 'end', status: 'done', reason: null, durationMs: 5 });
    const stored = gw.services.store.events('long_run_1') ?? [];
    assert.equal(stored.length, 5022);
    const msgs = await r.until((m) => events(m).some((e) => e.type === 'end'));
    // A duplicate of a queued live event would follow the end: a marker published after it bounds the wait for one.
    gw.services.bus.publish({ type: 'text_delta', text: 'marker', parentToolUseId: null, requestId: 'long_run_1', seq: stored.length + 1, ts: new Date().toISOString() });
    await r.until((m) => events(m).some((e) => e.seq === stored.length + 1));
    r.close();
    const reset = msgs[1];
    assert.ok(reset.type === 'reset' && reset.events && reset.events.length < 5001, 'first part only');
    assert.equal(reset.type === 'reset' && reset.summary?.status, 'running');
    const snapshotEnd = r.frames.findIndex((f) => f.id !== null);
    assert.ok(snapshotEnd > 1, 'no id before the stored part is complete');
    const beforeId = r.frames.slice(0, snapshotEnd + 1).flatMap((f) => (f.data ? [JSON.parse(f.data) as StreamMessage] : []));
    assert.ok(events(beforeId).length >= 5001, 'the id comes with the last stored event');
    assertExactSequence(events(r.messages()).filter((e) => e.seq <= stored.length), stored);
  });

  test('summaries view: one row update per change, resumable', async () => {
    const r = await SseReader.open(`${gw.baseUrl}/api/stream?view=summaries`, auth());
    const run = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'summaries please' }] });
    const msgs = await r.until((m) => m.some((x) => x.type === 'summary' && x.summary.status === 'done'));
    r.close();
    await run;
    const rows = msgs.flatMap((m) => (m.type === 'summary' ? [m.summary] : []));
    assert.equal(rows[0].status, 'running');
    const last = rows[rows.length - 1];
    assert.equal(last.status, 'done');
    assert.equal(last.toolCalls, 2);
    assert.ok(last.usage && last.usage.outputTokens > 0);
    assert.ok(rows.length < last.eventCount, 'text deltas do not each produce a row update');
    // Resuming from the first row's id replays the newest state of that request once.
    const firstId = r.frames.find((f) => f.event === 'summary')?.id ?? '';
    const again = await SseReader.open(`${gw.baseUrl}/api/stream?view=summaries`, { ...auth(), 'last-event-id': firstId });
    const m2 = await again.until((m) => m.some((x) => x.type === 'summary'));
    // A second replayed row would come before the row of a request that begins now.
    const marker = gw.services.store.begin('summaries_marker');
    marker.emit({ type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'test', prompt: 'marker', systemPrompt: null, imageCount: 0, runtime: 'local' });
    marker.emit({ type: 'end', status: 'done', reason: null, durationMs: 1 });
    await again.until((m) => m.some((x) => x.type === 'summary' && x.summary.requestId === 'summaries_marker'));
    again.close();
    const replayed = again.messages().flatMap((m) => (m.type === 'summary' && m.summary.requestId !== 'summaries_marker' ? [m.summary] : []));
    assert.equal(replayed.length, 1, JSON.stringify(m2.map((x) => x.type)));
    assert.equal(replayed[0].status, 'done');
  });

  test('unknown request id → 404 before the stream opens', async () => {
    const r = await gw.call('/api/stream?view=events&requestId=nope_123');
    assert.equal(r.status, 404);
    const bad = await gw.call('/api/stream?view=events&requestId=../../etc');
    assert.equal(bad.status, 404);
  });
});
