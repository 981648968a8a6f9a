import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { HealthResponse, LiveConversationsHealth } from '../../main/contract/control-api.ts';
import { isAlive } from '../../main/claude/process-tree.ts';
import type { PendingApproval } from '../../main/contract/approvals.ts';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * The model remembers nothing: it answers from what Claude Code sends it. "What is my favorite color?" is answered
 * from the whole request, and the answer says whether the last user message carried the history as context
 * (a fresh start) or only the new turn (the session continued: resumed or live).
 */
const memoryScript: Script = (req, info) => {
  const last = info.userTexts.at(-1) ?? '';
  const fresh = last.includes('Earlier turns of this conversation');
  const color = /COLOR-[A-Z0-9]+/.exec(JSON.stringify(req.messages))?.[0] ?? 'unknown';
  if (/favorite colou?r\?/.test(last)) return { blocks: [{ type: 'text', text: `Your favorite color is ${color}. [${fresh ? 'fresh' : 'continued'}]` }] };
  if (last.includes('SLOW')) return { blocks: [{ type: 'text', text: 'slow '.repeat(200), chunks: 200 }], chunkDelayMs: 50 };
  return { blocks: [{ type: 'text', text: `Noted. [${fresh ? 'fresh' : 'continued'}]` }] };
};

interface Gateway {
  d: TestDashboard;
  client: OpenAI;
  /** Every Claude process the runtime started (its spawn registers each with the process tracker). */
  started: number[];
}

async function startGateway(config: Record<string, unknown>): Promise<Gateway> {
  const d = await startTestDashboard({ script: memoryScript, config });
  const started: number[] = [];
  const tracker = d.services.processes;
  const track = tracker.track.bind(tracker);
  tracker.track = (child: ChildProcess) => {
    if (child.pid) started.push(child.pid);
    track(child);
  };
  return { d, client: new OpenAI({ baseURL: d.v1, apiKey: 'x', maxRetries: 0 }), started };
}

async function ask(g: Gateway, messages: Msg[], model = 'sonnet', signal?: AbortSignal): Promise<string> {
  const r = await g.client.chat.completions.create({ model, messages }, { signal });
  return r.choices[0].message.content ?? '';
}

async function live(g: Gateway): Promise<LiveConversationsHealth> {
  const body = (await (await fetch(`${g.d.baseUrl}/health`, { headers: { authorization: `Bearer ${g.d.token}` } })).json()) as { liveConversations: LiveConversationsHealth | null };
  assert.ok(body.liveConversations, '/health lists live conversations');
  return body.liveConversations;
}

/** Turn 1 and the history turn 2 sends. */
async function firstTurn(g: Gateway, color: string): Promise<Msg[]> {
  const h: Msg[] = [{ role: 'user', content: `My favorite color is ${color}.` }];
  const a1 = await ask(g, h);
  assert.match(a1, /^Noted\./);
  return [...h, { role: 'assistant', content: a1 }, { role: 'user', content: 'What is my favorite color?' }];
}

describe('live conversations: the next turn is written into the process that answered the last one', () => {
  let g: Gateway;
  before(async () => { g = await startGateway({ MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300 }); });
  after(async () => g.d.close());

  it('turn 2 is answered by the same process, with the history; Health lists it without prompt text', async () => {
    const turn2 = await firstTurn(g, 'COLOR-TEAL42');
    assert.equal(g.started.length, 1);
    const pid = g.started[0];
    assert.ok(isAlive(pid), 'the process outlives its turn');
    let h = await live(g);
    assert.equal(h.count, 1);
    assert.equal(h.limit, 4);
    assert.deepEqual(h.conversations.map((c) => [c.model, c.state]), [['sonnet', 'idle']]);

    assert.equal(await ask(g, turn2), 'Your favorite color is COLOR-TEAL42. [continued]');
    assert.deepEqual(g.started, [pid], 'no second Claude process started');
    const three: Msg[] = [...turn2, { role: 'assistant', content: 'Your favorite color is COLOR-TEAL42. [continued]' }, { role: 'user', content: 'And my favorite color?' }];
    assert.equal(await ask(g, three), 'Your favorite color is COLOR-TEAL42. [continued]');
    assert.deepEqual(g.started, [pid], 'turn 3 too');
    const sessions = g.d.services.store.list().items.slice(0, 3).map((s) => s.sessionId);
    assert.equal(new Set(sessions).size, 1, 'one Claude session for the three turns');

    h = await live(g);
    assert.equal(h.count, 1);
    assert.equal(typeof h.conversations[0].idleS, 'number');
    const api = (await (await g.d.call('/api/health')).json()) as HealthResponse;
    assert.deepEqual(api.liveConversations?.conversations.map((c) => c.model), ['sonnet'], 'the dashboard API lists it too');
    const both = JSON.stringify(h) + JSON.stringify(api);
    assert.doesNotMatch(both, /COLOR-|favorite/, 'no prompt text in Health');
  });

  it('a model change or an edited history starts a fresh process', async () => {
    const turn2 = await firstTurn(g, 'COLOR-ONYX8');
    const n = g.started.length;
    assert.equal(await ask(g, turn2, 'opus'), 'Your favorite color is COLOR-ONYX8. [fresh]');
    assert.equal(g.started.length, n + 1, 'another model: its own process');

    const edited: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-BLUE9.' }, ...turn2.slice(1)];
    assert.equal(await ask(g, edited), 'Your favorite color is COLOR-BLUE9. [fresh]');
    assert.equal(g.started.length, n + 2, 'edited history: a fresh process');
  });

  it('a cancelled turn kills its kept process', async () => {
    const turn2 = await firstTurn(g, 'COLOR-GOLD1');
    const pid = g.started.at(-1)!;
    const slow: Msg[] = [...turn2.slice(0, -1), { role: 'user', content: 'SLOW please' }];
    const ac = new AbortController();
    const r = g.client.chat.completions.create({ model: 'sonnet', messages: slow, stream: true }, { signal: ac.signal });
    const stream = await r;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) break;
    assert.equal(g.started.at(-1), pid, 'the turn ran in the kept process');
    ac.abort();
    await waitUntil(() => !isAlive(pid), { what: 'the kept process to be killed by the cancel' });
  });
});

describe('live conversations: limits and expiry', () => {
  it('after the keep-alive the next turn resumes in a fresh process and still has the history', async () => {
    const g = await startGateway({ MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 1 });
    try {
      const turn2 = await firstTurn(g, 'COLOR-PLUM5');
      const [pid] = g.started;
      await waitUntil(async () => (await live(g)).count === 0 && !isAlive(pid), { what: 'the keep-alive to close the process' });
      assert.equal(await ask(g, turn2), 'Your favorite color is COLOR-PLUM5. [continued]', 'resumed: only the new turn was sent');
      assert.equal(g.started.length, 2);
    } finally {
      await g.d.close();
    }
  });

  it('MAX_LIVE_CONVERSATIONS=1: the older conversation is closed, and its next turn resumes', async () => {
    const g = await startGateway({ MAX_LIVE_CONVERSATIONS: 1, CONVERSATION_KEEPALIVE_S: 300 });
    try {
      const a = await firstTurn(g, 'COLOR-RED7');
      const b = await firstTurn(g, 'COLOR-GREEN3');
      const [pa, pb] = g.started;
      await waitUntil(() => !isAlive(pa), { what: 'the older conversation to be closed' });
      assert.ok(isAlive(pb), 'the newer one is kept');
      assert.equal((await live(g)).count, 1);
      assert.equal(await ask(g, b), 'Your favorite color is COLOR-GREEN3. [continued]');
      assert.equal(g.started.length, 2, 'the kept one answered');
      assert.equal(await ask(g, a), 'Your favorite color is COLOR-RED7. [continued]');
      assert.equal(g.started.length, 3, 'the closed one resumed in a new process');
    } finally {
      await g.d.close();
    }
  });

  it('shutdown leaves no Claude process', async () => {
    const g = await startGateway({ MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300 });
    await firstTurn(g, 'COLOR-SAND2');
    await firstTurn(g, 'COLOR-SKY6');
    assert.equal((await live(g)).count, 2);
    assert.ok(g.started.every(isAlive));
    await g.d.close();
    assert.deepEqual(g.started.filter(isAlive), [], 'every kept process is gone once stop() returned');
  });

  it('a new conversation still uses a spare, and its process is kept for turn 2', async () => {
    const g = await startGateway({ MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300, CLAUDE_SPARE_PROCESSES: 1 });
    try {
      await waitUntil(() => { const s = g.d.services.runtime.spares?.(); return !!s && s.parked + s.bound === 1; }, { what: 'the spare to be ready' });
      const turn2 = await firstTurn(g, 'COLOR-MINT4');
      assert.equal(g.d.services.runtime.spares?.()?.claims, 1, 'turn 1 ran on the spare');
      await waitUntil(() => { const s = g.d.services.runtime.spares?.(); return !!s && s.parked + s.bound === 1; }, { what: 'the pool to refill' });
      const n = g.started.length;
      assert.equal(await ask(g, turn2), 'Your favorite color is COLOR-MINT4. [continued]');
      assert.equal(g.started.length, n, 'turn 2 ran in the process the spare became');
      assert.equal(g.d.services.runtime.spares?.()?.claims, 1);
    } finally {
      await g.d.close();
    }
  });
});

describe('live conversations: an approval asked in turn 2, served by the kept process', () => {
  /** Turn 1 answers; a turn asking RUN-IT calls Bash (outside the allow-list; not a read-only command Claude Code lets through), then reports what it printed. */
  const askScript: Script = (_req, info) => {
    if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `OUT[${toolResultText(info.lastToolResults[0]).trim()}]` }] };
    if ((info.userTexts.at(-1) ?? '').includes('RUN-IT')) return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'touch turn2.txt && echo ran-$((6*7))', description: 'turn 2' } }] };
    return { blocks: [{ type: 'text', text: 'Noted.' }] };
  };
  let d: TestDashboard;
  before(async () => { d = await startTestDashboard({ script: askScript, config: { MAX_LIVE_CONVERSATIONS: 1, CONVERSATION_KEEPALIVE_S: 300, CLAUDE_ALLOWED_TOOLS: 'Read' } }); });
  after(async () => d.close());

  it("turn 2's tool call waits for an approval listed for turn 2's request; Allow lets it run in the kept process", async () => {
    const client = new OpenAI({ baseURL: d.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
    const started: number[] = [];
    const tracker = d.services.processes;
    const track = tracker.track.bind(tracker);
    tracker.track = (child: ChildProcess) => {
      if (child.pid) started.push(child.pid);
      track(child);
    };
    const h: Msg[] = [{ role: 'user', content: 'Hello.' }];
    const a1 = (await client.chat.completions.create({ model: 'sonnet', messages: h })).choices[0].message.content ?? '';
    assert.match(a1, /Noted\./);
    await waitUntil(() => (d.services.runtime.liveConversations?.()?.count ?? 0) === 1, { what: 'turn 1 kept its process', ms: 30_000 });
    assert.equal(started.length, 1, 'turn 1 started one Claude process');

    const turn2 = client.chat.completions.create({ model: 'sonnet', messages: [...h, { role: 'assistant', content: a1 }, { role: 'user', content: 'RUN-IT' }] }).withResponse();
    let pending: PendingApproval[] = [];
    await waitUntil(() => (pending = d.services.approvals.list()).length === 1, { what: "turn 2's approval", ms: 30_000 });
    const [approval] = pending;
    assert.equal(approval.tool, 'Bash');
    const res = await d.call(`/api/approvals/${encodeURIComponent(approval.id)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'allow_once' }) });
    assert.equal(res.status, 200);
    const { data, response } = await turn2;
    assert.equal(response.headers.get('x-request-id'), approval.requestId, "the approval belongs to turn 2's request");
    assert.match(data.choices[0].message.content ?? '', /OUT\[ran-42\]/, 'the tool ran after Allow');
    const events = (d.services.store.events(approval.requestId) ?? []).map((e) => e.type);
    assert.ok(events.includes('approval_wait') && events.includes('approval_decision'), `recorded in turn 2's transcript: ${events.join(',')}`);
    assert.equal(started.length, 1, 'one Claude process served both turns');
  });
});
