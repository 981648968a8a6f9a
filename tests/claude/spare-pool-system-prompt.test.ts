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
