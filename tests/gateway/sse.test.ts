import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SseWriter } from '../../main/gateway/sse.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { waitUntil } from '../helpers/wait.ts';

/** A loopback server whose one route hands each request's writer to the test. */
let server: http.Server;
let base = '';
let onStream: (sse: SseWriter, req: http.IncomingMessage) => void = () => undefined;

before(async () => {
  server = http.createServer((req, res) => onStream(new SseWriter(res, { keepAliveMs: Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ka') ?? 60_000), headers: { 'x-extra': 'yes' } }), req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('SSE writer', () => {
  it('sends SSE headers (no length, no compression) and frames every kind of event as the spec and OpenAI clients read it', async () => {
    onStream = (sse) => {
      sse.retry(2000);
      sse.data({ a: 1, s: 'line\nbreak' });
      sse.event('login', { step: 'done' });
      sse.event('event', { n: 2 }, 'boot.7');
      sse.id('boot.8');
      sse.comment('hello');
      sse.done();
    };
    const res = await fetch(`${base}/framing`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.equal(res.headers.get('x-extra'), 'yes');
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(res.headers.get('content-encoding'), null);
    assert.equal(
      await res.text(),
      'retry: 2000\n\ndata: {"a":1,"s":"line\\nbreak"}\n\nevent: login\ndata: {"step":"done"}\n\nid: boot.7\nevent: event\ndata: {"n":2}\n\nid: boot.8\n\n: hello\n\ndata: [DONE]\n\n',
    );
  });

  it('a real SSE client reads the events, their names and ids', async () => {
    onStream = (sse) => {
      sse.event('hello', { type: 'hello' }, 'b.1');
      sse.id('b.2');
      sse.event('summary', { type: 'summary' });
      sse.end();
    };
    const reader = await SseReader.open(`${base}/client`, {});
    const msgs = await reader.until((m) => m.length === 2);
    assert.deepEqual(reader.frames.map((f) => [f.event, f.id]), [['hello', 'b.1'], [null, 'b.2'], ['summary', null]]);
    assert.deepEqual(msgs.map((m) => m.type), ['hello', 'summary']);
    assert.equal(reader.lastEventId, 'b.2');
    reader.close();
  });

  it('frames written in one tick leave in one socket write', async () => {
    let writes = -1;
    let afterTick = -1;
    onStream = (sse, req) => {
      // Counts the socket's own writes (a writev of many buffers is one); spied once the headers are out.
      const sock = req.socket;
      setImmediate(() => {
        writes = 0;
        for (const name of ['_write', '_writev']) {
          const orig: unknown = Reflect.get(sock, name);
          if (typeof orig !== 'function') continue;
          Reflect.set(sock, name, function (this: unknown, ...args: unknown[]) {
            writes++;
            return Reflect.apply(orig, this, args);
          });
        }
        for (let i = 0; i < 50; i++) sse.data({ i });
        setImmediate(() => {
          afterTick = writes;
          sse.done();
        });
      });
    };
    const res = await fetch(`${base}/cork`);
    const text = await res.text();
    assert.equal(text.split('\n\n').filter((f) => f.startsWith('data: {"i"')).length, 50);
    assert.equal(afterTick, 1, 'one socket write for the 50 frames of one tick');
  });

  it('sends a keep-alive comment while nothing else is written, at SSE_KEEPALIVE_S', async () => {
    let writer: SseWriter | null = null;
    onStream = (sse) => {
      writer = sse;
      sse.data({ first: true });
    };
    const ac = new AbortController();
    const res = await fetch(`${base}/quiet?ka=60`, { signal: ac.signal });
    const body = res.body;
    assert.ok(body);
    let text = '';
    const decoder = new TextDecoder();
    const pump = (async () => {
      try {
        for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
      } catch {
        // aborted below
      }
    })();
    await waitUntil(() => text.includes(': keep-alive\n\n'), { what: 'a keep-alive comment on a quiet stream' });
    assert.ok(text.startsWith('data: {"first":true}\n\n'));
    ac.abort();
    await pump;
    await waitUntil(() => writer?.closed === true, { what: 'the writer to see the client leave' });
  });

  it('closes when the client disconnects: onClose runs once, later writes are dropped', async () => {
    let writer: SseWriter | null = null;
    let closes = 0;
    onStream = (sse) => {
      writer = sse;
      sse.onClose(() => closes++);
      sse.event('hello', { type: 'hello' });
    };
    const reader = await SseReader.open(`${base}/leave?ka=30`, {});
    await reader.until((m) => m.length === 1);
    reader.close();
    await waitUntil(() => closes === 1, { what: 'onClose after the client left' });
    const w = writer as SseWriter | null;
    assert.ok(w);
    assert.equal(w.closed, true);
    w.data({ after: true }); // no throw, nothing written
    w.end();
    assert.equal(closes, 1, 'onClose runs once');
    let late = 0;
    w.onClose(() => late++);
    assert.equal(late, 1, 'a callback added after the close runs at once');
  });

  it('ending the stream runs onClose once and stops the keep-alive', async () => {
    let closes = 0;
    onStream = (sse) => {
      sse.onClose(() => closes++);
      sse.data({ x: 1 });
      sse.done();
      sse.done(); // a second end is harmless
    };
    const res = await fetch(`${base}/end?ka=50`);
    assert.equal(await res.text(), 'data: {"x":1}\n\ndata: [DONE]\n\n');
    assert.equal(closes, 1);
  });
});
