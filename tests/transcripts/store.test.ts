import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TranscriptBus } from '../../main/transcripts/bus.ts';
import { isValidTranscriptId, TranscriptStore } from '../../main/transcripts/store.ts';
import { waitUntil } from '../helpers/wait.ts';

const req = { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'test', prompt: 'hello world', systemPrompt: null, imageCount: 0, runtime: 'local' } as const;

describe('transcript store', () => {
  it('appends events in order to one JSON-lines file, broadcasts them, and summarizes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-'));
    const bus = new TranscriptBus();
    const seen: number[] = [];
    bus.subscribe((e) => seen.push(e.event.seq));
    const store = new TranscriptStore(dir, bus);
    store.init();
    const rec = store.begin('chatcmpl-a1');
    rec.emit(req);
    rec.emit({ type: 'tool_use', toolUseId: 't1', name: 'Bash', input: { command: 'ls' }, parentToolUseId: null });
    rec.emit({ type: 'end', status: 'done', reason: null, durationMs: 5 });
    assert.throws(() => rec.emit({ type: 'text_delta', text: 'late', parentToolUseId: null }), /already ended/);
    const lines = fs.readFileSync(path.join(dir, 'transcripts', 'chatcmpl-a1.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3]);
    assert.deepEqual(seen, [1, 2, 3]);
    const s = store.summary('chatcmpl-a1')!;
    assert.equal(s.status, 'done');
    assert.equal(s.toolCalls, 1);
    assert.equal(fs.statSync(path.join(dir, 'transcripts', 'chatcmpl-a1.jsonl')).mode & 0o777, 0o600);
  });

  it('on restart closes a transcript cut by a crash as interrupted, keeping every event (torn last line tolerated)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-'));
    const store = new TranscriptStore(dir, new TranscriptBus());
    store.init();
    const rec = store.begin('chatcmpl-crash');
    rec.emit(req);
    rec.emit({ type: 'text_delta', text: 'partial', parentToolUseId: null });
    const file = path.join(dir, 'transcripts', 'chatcmpl-crash.jsonl');
    await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').length === 3, { what: 'both lines written' });
    fs.appendFileSync(path.join(dir, 'transcripts', 'chatcmpl-crash.jsonl'), '{"type":"text_de');
    const again = new TranscriptStore(dir, new TranscriptBus());
    again.init();
    const events = again.events('chatcmpl-crash')!;
    assert.deepEqual(events.map((e) => e.type), ['request', 'text_delta', 'end']);
    const end = events[2];
    assert.ok(end.type === 'end' && end.status === 'interrupted');
    assert.equal(again.summary('chatcmpl-crash')!.status, 'interrupted');
  });

  it('ids cannot escape the transcripts folder', () => {
    for (const bad of ['../x', 'a/b', '..', '', 'a b', 'x'.repeat(200), '%2e%2e']) assert.equal(isValidTranscriptId(bad), false, bad);
    const store = new TranscriptStore(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-')), new TranscriptBus());
    store.init();
    assert.equal(store.events('../../etc/passwd'), null);
    assert.throws(() => store.begin('../evil'));
  });

  it('an unwritable data dir never fails the run: events still reach the bus, health reports it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-'));
    const bus = new TranscriptBus();
    const store = new TranscriptStore(dir, bus);
    store.init();
    fs.rmSync(path.join(dir, 'transcripts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'transcripts'), 'a file where a folder should be');
    let n = 0;
    bus.subscribe(() => n++);
    const rec = store.begin('chatcmpl-nodisk');
    rec.emit(req);
    assert.equal(n, 1);
    await waitUntil(() => !store.health().writable, { what: 'the failed write to show in health' });
    assert.ok(store.health().lastWriteError);
  });

  it('bus resumes from a last event id without gaps or duplicates', () => {
    const bus = new TranscriptBus(5);
    for (let i = 1; i <= 8; i++) bus.publish({ ...req, requestId: 'r', seq: i, ts: '' });
    const r = bus.since(5);
    assert.deepEqual(r.events.map((e) => e.id), [6, 7, 8]);
    assert.equal(r.complete, true);
    assert.equal(bus.since(1).complete, false);
  });

  it('bus ring keeps the latest ringSize events at least, and at most half as many again (trimmed in bulk)', () => {
    const bus = new TranscriptBus(10);
    for (let i = 1; i <= 100; i++) {
      bus.publish({ ...req, requestId: 'r', seq: i, ts: '' });
      const held = bus.since(0).events.map((e) => e.id);
      assert.ok(held.length >= Math.min(i, 10) && held.length <= 15, `after ${i}: ${held.length} held`);
      assert.deepEqual(held, Array.from({ length: held.length }, (_, k) => i - held.length + 1 + k), 'the newest, contiguous');
    }
    assert.equal(bus.since(90).complete, true);
    assert.deepEqual(bus.since(90).events.map((e) => e.id), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  });
});
