import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SseWriter } from '../../main/gateway/sse.ts';
import { TranscriptBus } from '../../main/transcripts/bus.ts';
import { TranscriptStore } from '../../main/transcripts/store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const storeModule = path.resolve(here, '../../main/transcripts/store.ts');
const busModule = path.resolve(here, '../../main/transcripts/bus.ts');
const req = { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'test', prompt: 'hello', systemPrompt: null, imageCount: 0, runtime: 'local' } as const;

const lines = (file: string): Array<{ seq: number; type: string }> =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; type: string }) : [];

/** Runs a script in a fresh Node (with tsx) that emits events and then dies in the given way. */
function dieAfterEmitting(dir: string, death: string): { status: number | null } {
  const script = `
    const { TranscriptStore } = await import(${JSON.stringify(storeModule)});
    const { TranscriptBus } = await import(${JSON.stringify(busModule)});
    const store = new TranscriptStore(${JSON.stringify(dir)}, new TranscriptBus());
    store.init();
    const rec = store.begin('chatcmpl-dies');
    rec.emit(${JSON.stringify(req)});
    for (let i = 0; i < 50; i++) rec.emit({ type: 'text_delta', text: 'd' + i, parentToolUseId: null });
    ${death}
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: r.status };
}

describe('transcript writes batched per loop turn', () => {
  it('events emitted together reach the file in one write, once the loop turns; end is written at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-batch-'));
    const store = new TranscriptStore(dir, new TranscriptBus());
    store.init();
    const file = path.join(dir, 'transcripts', 'chatcmpl-b1.jsonl');
    const rec = store.begin('chatcmpl-b1');
    rec.emit(req);
    for (let i = 0; i < 20; i++) rec.emit({ type: 'text_delta', text: `d${i}`, parentToolUseId: null });
    assert.equal(lines(file).length, 0, 'nothing written while the burst is in hand');
    // reading the transcript sees everything emitted so far
    assert.equal(store.events('chatcmpl-b1')?.length, 21);
    rec.emit({ type: 'text_delta', text: 'more', parentToolUseId: null });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(lines(file).map((l) => l.seq), Array.from({ length: 22 }, (_, i) => i + 1));
    rec.emit({ type: 'end', status: 'done', reason: null, durationMs: 1 });
    assert.equal(lines(file).at(-1)?.type, 'end', 'end is on disk when emit returns');
  });

  it('a process that exits or throws right after emitting still has every event on disk', () => {
    for (const death of ['process.exit(3);', "throw new Error('boom');"]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-batch-'));
      const r = dieAfterEmitting(dir, death);
      assert.notEqual(r.status, 0, death);
      const got = lines(path.join(dir, 'transcripts', 'chatcmpl-dies.jsonl'));
      assert.equal(got.length, 51, `${death}: all 51 events written`);
      assert.deepEqual(got.map((l) => l.seq), Array.from({ length: 51 }, (_, i) => i + 1));
    }
  });

  it('an SSE frame never leaves before its transcript line is on disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-batch-'));
    const store = new TranscriptStore(dir, new TranscriptBus());
    store.init();
    const file = path.join(dir, 'transcripts', 'chatcmpl-order.jsonl');
    const onDiskAtWrite: boolean[] = [];
    const server = http.createServer((_req, res) => {
      const sse = new SseWriter(res, { keepAliveMs: 60_000 });
      setImmediate(() => {
        // the moment a frame is handed to the response (headers went out already)
        const orig = res.write.bind(res) as (...args: unknown[]) => boolean;
        Reflect.set(res, 'write', (...args: unknown[]) => {
          onDiskAtWrite.push(lines(file).some((l) => l.type === 'text_delta'));
          return orig(...args);
        });
        // the frame is written before the event is emitted, in the same turn: the line still goes first
        sse.data({ piece: 'x' });
        const rec = store.begin('chatcmpl-order');
        rec.emit(req);
        rec.emit({ type: 'text_delta', text: 'x', parentToolUseId: null });
        setImmediate(() => {
          rec.emit({ type: 'end', status: 'done', reason: null, durationMs: 1 });
          sse.done();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      assert.equal(await res.text(), 'data: {"piece":"x"}\n\ndata: [DONE]\n\n');
      assert.ok(onDiskAtWrite.length >= 1);
      assert.equal(onDiskAtWrite[0], true, 'the first frame left after its line was written');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
