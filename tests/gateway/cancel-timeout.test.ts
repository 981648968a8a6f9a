import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import type { BusEvent } from '../../main/transcripts/bus.ts';
import { log } from '../../main/log.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The gateway's own log lines at info level, whatever LOG_LEVEL the test gateway runs with. */
function captureLog(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const transport = Object.assign((m: { data: unknown[] }) => { lines.push(m.data.map(String).join(' ')); }, { level: 'info' as const, transforms: [] });
  log.transports.testCapture = transport;
  return { lines, stop: () => { log.transports.testCapture = null; } };
}

/** turns= and tools= of a request's log line. */
function loggedCounts(lines: string[], requestId: string): { turns: number; tools: number } {
  const line = lines.find((l) => l.startsWith(`request ${requestId} `));
  assert.ok(line, `a log line for ${requestId}`);
  return { turns: Number(/ turns=(\d+)/.exec(line)?.[1]), tools: Number(/ tools=(\d+)/.exec(line)?.[1]) };
}

function processesMatching(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

function waitForEvent(gw: TestGateway, pred: (e: BusEvent) => boolean, timeoutMs = 30_000): Promise<BusEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { off(); reject(new Error('event not seen')); }, timeoutMs);
    const off = gw.services.bus.subscribe((e) => {
      if (pred(e)) { clearTimeout(t); off(); resolve(e); }
    });
  });
}

describe('cancel: the client closes the connection mid-tool', () => {
  let gw: TestGateway;
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer('timeout 31.4159 tail -f /dev/null') }); });
  after(async () => gw.close());

  it('kills the Claude process tree and records the cancel', async () => {
    const ac = new AbortController();
    const toolStarted = waitForEvent(gw, (e) => e.event.type === 'tool_use');
    const res = await fetch(`${gw.v1}/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'sleep' }] }),
    });
    const requestId = res.headers.get('x-request-id')!;
    const reader = res.body!.getReader();
    void (async () => { try { for (;;) { const r = await reader.read(); if (r.done) break; } } catch { /* aborted */ } })();
    await toolStarted;
    await waitUntil(() => processesMatching('31.4159 tail').length > 0, { what: 'the tool to run' });
    assert.ok(gw.services.runtime.livePids().length > 0);
    ac.abort();
    await waitUntil(() => processesMatching('31.4159 tail').length === 0 && gw.services.runtime.livePids().length === 0, {
      what: () => `the process tree to be gone (left: ${processesMatching('31.4159 tail').join(' | ')})`,
    });
    await waitUntil(() => gw.services.store.summary(requestId)?.status === 'cancelled', { what: 'the transcript to say cancelled' });
    const events = gw.services.store.events(requestId)!;
    const end = events.at(-1)!;
    assert.equal(end.type, 'end');
    assert.ok(end.type === 'end' && end.status === 'cancelled');
    assert.equal(gw.services.executor.activeCount, 0);
  });

  it('the log line of a cancelled run reports the turns and tools its transcript shows', async () => {
    const capture = captureLog();
    try {
      const ac = new AbortController();
      const toolStarted = waitForEvent(gw, (e) => e.event.type === 'tool_use');
      const res = await fetch(`${gw.v1}/chat/completions`, {
        method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'sleep' }] }),
      });
      const requestId = res.headers.get('x-request-id')!;
      void res.body!.pipeTo(new WritableStream()).catch(() => {});
      await toolStarted;
      ac.abort();
      await waitUntil(() => gw.services.store.summary(requestId)?.status === 'cancelled', { what: 'the transcript to say cancelled' });
      const summary = gw.services.store.summary(requestId)!;
      assert.equal(summary.toolCalls, 1);
      assert.equal(summary.turns, 1, 'the turn that called the tool counts');
      assert.deepEqual(loggedCounts(capture.lines, requestId), { turns: summary.turns, tools: summary.toolCalls });
    } finally {
      capture.stop();
    }
  });
});

describe('REQUEST_TIMEOUT_S', () => {
  let gw: TestGateway;
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer('timeout 27.1828 tail -f /dev/null'), config: { REQUEST_TIMEOUT_S: 3 } }); });
  after(async () => gw.close());

  it('times out with a 504 in OpenAI shape, kills the process, records the error', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x' }); // default retries: x-should-retry must stop them
    const err = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'slow' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 504);
    assert.match(err.message, /timed out/);
    assert.equal(gw.services.store.list().total, 1, 'not retried: Claude ran once');
    await waitUntil(() => processesMatching('27.1828 tail').length === 0, { what: 'the tool process to be gone' });
    const s = gw.services.store.list().items[0];
    assert.equal(s.status, 'error');
    assert.match(s.error ?? '', /timed out/);
  });

  it('a stream that times out ends with an error chunk and [DONE]', async () => {
    const res = await fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'slow' }] }) });
    const raw = await res.text();
    const frames = raw.split('\n\n').filter((f) => f.startsWith('data: '));
    assert.equal(frames.at(-1), 'data: [DONE]');
    const err = JSON.parse(frames.at(-2)!.slice(6)) as { error?: { message: string } };
    assert.match(err.error?.message ?? '', /timed out/);
  });
});
