import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { isAlive } from '../../main/claude/process-tree.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

/** "SLOW" answers take a few seconds: a turn is still running when the change happens. */
const script: Script = (_req, info) => {
  const slow = (info.userTexts.at(-1) ?? '').includes('SLOW');
  return slow ? { blocks: [{ type: 'text', text: 'slow '.repeat(40), chunks: 40 }], chunkDelayMs: 75 } : { blocks: [{ type: 'text', text: 'quick' }] };
};

/**
 * Kept processes read their environment and MCP servers at start-up: after a credential or MCP change none may be
 * kept with the old ones — a turn running at that moment ends normally and its process is closed then. Stopping /v1
 * closes the idle ones too.
 */
describe('live conversations after a credential or MCP change, and after /v1 stops (real Claude Code)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  const started: number[] = [];
  before(async () => {
    gw = await startTestGateway({ script, config: { MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
    const tracker = gw.services.processes;
    const track = tracker.track.bind(tracker);
    tracker.track = (child: ChildProcess) => {
      if (child.pid) started.push(child.pid);
      track(child);
    };
  });
  after(async () => gw.close());

  const live = () => gw.services.runtime.liveConversations?.();

  for (const [what, change] of [
    ['a credential change', () => gw.services.runtime.envChanged?.()],
    ['an MCP change', () => gw.services.runtime.retireProcesses?.('test: MCP servers changed')],
  ] as const) {
    it(`a turn running during ${what} finishes, and its process is not kept`, async () => {
      const before = started.length;
      const answer = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: `SLOW ${what}` }] }, { headers: { 'X-OpenWebUI-Chat-Id': what } });
      await waitUntil(() => live()?.conversations.some((c) => c.state === 'answering') ?? false, { what: 'the turn to be answering', ms: 60_000 });
      change();
      const r = await answer;
      assert.match(r.choices[0].message.content ?? '', /^slow/);
      const pid = started[before];
      await waitUntil(() => !isAlive(pid), { what: 'the process of the turn to end', ms: 30_000 });
      assert.equal(live()?.count, 0, JSON.stringify(live()));
    });
  }

  it('stopping /v1 closes idle kept processes', async () => {
    const before = started.length;
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'X-OpenWebUI-Chat-Id': 'stop' } });
    assert.equal(live()?.count, 1);
    const pid = started[before];
    assert.ok(isAlive(pid));
    await gw.services.stopGateway(0, 'test');
    await waitUntil(() => !isAlive(pid), { what: 'the idle process to be closed', ms: 30_000 });
    assert.equal(live()?.count, 0);
  });
});
