import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Answers with the user marker the request carries anywhere (system prompt or first user turn). */
const script: Script = (req) => {
  const marker = /USER-[A-Z]+/.exec(JSON.stringify(req))?.[0] ?? 'none';
  return { blocks: [{ type: 'text', text: `hello ${marker}` }] };
};

/**
 * OpenWebUI fills {{CURRENT_DATE}}, {{USER_NAME}}… into the system prompt: it differs per request. A spare waiting for
 * the prompt must fit any of them (the system prompt travels with the first user turn) and the pool must not churn.
 */
describe('spares fit any system prompt (real Claude Code, scripted model)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  const started: number[] = [];
  before(async () => {
    gw = await startTestGateway({ script, config: { CLAUDE_SPARE_PROCESSES: 1 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
    const tracker = gw.services.processes;
    const track = tracker.track.bind(tracker);
    tracker.track = (child) => {
      if (child.pid) started.push(child.pid);
      track(child);
    };
  });
  after(async () => gw.close());

  const stats = () => gw.services.runtime.spares?.();
  const ready = (): boolean => (stats()?.bound ?? 0) + (stats()?.parked ?? 0) === 1;

  it('three new chats, each with its own system prompt: each first turn is a spare\'s and sees its own prompt', async () => {
    for (const [i, user] of ['USER-ALICE', 'USER-BOB', 'USER-CAROL'].entries()) {
      await waitUntil(ready, { what: `spare ${i + 1} ready`, ms: 90_000 });
      const before = started.length;
      const r = await client.chat.completions.create(
        { model: 'sonnet', messages: [{ role: 'system', content: `Today is 2026-12-0${i + 1}. The user is ${user}.` }, { role: 'user', content: 'hi' }] },
        { headers: { 'X-OpenWebUI-Chat-Id': `sp-${i}` } },
      );
      assert.equal(r.choices[0].message.content, `hello ${user}`);
      assert.equal(stats()?.claims, i + 1, `served by a spare: ${JSON.stringify(stats())}`);
      assert.equal(stats()?.misses, 0);
      // Only the claimed spare's replacement started: no other spare was thrown away.
      await waitUntil(ready, { what: 'the replacement', ms: 90_000 });
      assert.equal(started.length - before, 1, 'one replacement, no churn');
    }
  });
});

/** Item: the first request right after start used to run cold beside the starting spare, which was then discarded. */
describe('the first request right after start uses the spare that is still starting', () => {
  let gw: TestGateway;
  const started: number[] = [];
  before(async () => {
    gw = await startTestGateway({ script, config: { CLAUDE_SPARE_PROCESSES: 1 } });
    const tracker = gw.services.processes;
    const track = tracker.track.bind(tracker);
    tracker.track = (child) => {
      if (child.pid) started.push(child.pid);
      track(child);
    };
  });
  after(async () => gw.close());

  it('claimed, not a cold start; no spare thrown away', async () => {
    const stats = () => gw.services.runtime.spares?.();
    assert.equal(stats()?.starting, 1, `the spare is still starting: ${JSON.stringify(stats())}`);
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi USER-FIRST' }] }, { headers: { 'X-OpenWebUI-Chat-Id': 'first' } });
    assert.equal(r.choices[0].message.content, 'hello USER-FIRST');
    assert.equal(stats()?.claims, 1, `served by the starting spare: ${JSON.stringify(stats())}`);
    await waitUntil(() => (stats()?.bound ?? 0) === 1, { what: 'the replacement', ms: 90_000 });
    assert.equal(started.length, 2, 'the first spare and its replacement, nothing else');
  });
});
