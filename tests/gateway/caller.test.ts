import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { PendingApproval } from '../../main/contract/approvals.ts';
import { loadOrCreateAdminToken } from '../../main/control/admin-token.ts';
import { bashThenAnswer, clientToolLoop } from '../fixtures/scripts.ts';
import { offeredTool, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

const ALICE = 'key-alice-0123456789';
const BOB = 'key-bob-0123456789';
const CHAT = 'the-same-chat-id';
const RISKY = 'mkdir -p out && echo risky-step-ran';

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** Client tool runs when offered; a Bash step that asks for approval on RISKY; else whether the session was resumed. */
const script: Script = (req, info) => {
  if (offeredTool(req, 'get_weather')) return clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Oslo' }] })(req, info);
  const last = info.userTexts.at(-1) ?? '';
  if (last.includes('RISKY') || info.lastToolResults.length) return bashThenAnswer(RISKY)(req, info);
  return { blocks: [{ type: 'text', text: `ok [${last.includes('Earlier turns of this conversation') ? 'fresh' : 'resumed'}]` }] };
};

/**
 * Two API keys send the same chat id (issue 20 item 4): each has its own conversation — its own folder, Claude
 * session, "allow for this conversation" grants and suspended client-tool runs — and the same key keeps its own.
 */
describe('callers: conversations are namespaced by the API key', () => {
  let gw: TestGateway;
  let alice: OpenAI;
  let bob: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script, config: { GATEWAY_API_KEYS: `${ALICE},${BOB}`, CLAUDE_ALLOWED_TOOLS: 'Read' } });
    alice = new OpenAI({ baseURL: gw.v1, apiKey: ALICE, maxRetries: 0, timeout: 120_000 });
    bob = new OpenAI({ baseURL: gw.v1, apiKey: BOB, maxRetries: 0, timeout: 120_000 });
  });
  after(async () => gw.close());

  const headers = { 'X-OpenWebUI-Chat-Id': CHAT };
  async function ask(client: OpenAI, messages: ChatCompletionMessageParam[]): Promise<{ id: string; content: string; folder: string; session: string }> {
    const r = await client.chat.completions.create({ model: 'sonnet', messages }, { headers });
    const req = gw.services.store.events(r.id)?.find((e) => e.type === 'request');
    const folder = req && req.type === 'request' && 'folder' in req ? String(req.folder) : '';
    return { id: r.id, content: r.choices[0].message.content ?? '', folder, session: gw.services.store.summary(r.id)?.sessionId ?? '' };
  }

  it('same chat id, two keys: different folders and sessions; each key resumes its own', async () => {
    const h: ChatCompletionMessageParam[] = [{ role: 'user', content: 'hello' }];
    const a1 = await ask(alice, h);
    const b1 = await ask(bob, h);
    assert.ok(a1.folder && b1.folder);
    assert.notEqual(b1.folder, a1.folder, "Bob's chat does not work in Alice's folder");
    assert.notEqual(b1.session, a1.session);
    // The same history (the scripted answers are identical) from each key resumes that key's own session.
    const next: ChatCompletionMessageParam[] = [...h, { role: 'assistant', content: a1.content }, { role: 'user', content: 'and now?' }];
    const a2 = await ask(alice, next);
    assert.match(a2.content, /\[resumed\]/);
    assert.deepEqual([a2.folder, a2.session], [a1.folder, a1.session], 'Alice keeps her conversation');
    const b2 = await ask(bob, next);
    assert.match(b2.content, /\[resumed\]/);
    assert.deepEqual([b2.folder, b2.session], [b1.folder, b1.session], 'Bob keeps his');
  });

  it('"allow for this conversation" is the key\'s own: the other key with the same chat id is asked again', async () => {
    const token = loadOrCreateAdminToken(gw.dataDir).token;
    const decide = (id: string, decision: string) =>
      fetch(`${gw.baseUrl}/api/approvals/${encodeURIComponent(id)}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ decision }) });
    const pending = (): PendingApproval[] => gw.services.approvals.list();
    const risky: ChatCompletionMessageParam[] = [{ role: 'user', content: 'RISKY step please' }];

    const first = ask(alice, risky);
    await waitUntil(() => pending().length === 1, { what: "Alice's approval", ms: 60_000 });
    assert.equal((await decide(pending()[0].id, 'allow_conversation')).status, 200);
    assert.match((await first).content, /risky-step-ran/);

    let asked = 0;
    const off = gw.services.approvals.onAsk(() => { asked++; });
    try {
      assert.match((await ask(alice, [{ role: 'user', content: 'RISKY again' }])).content, /risky-step-ran/);
      assert.equal(asked, 0, 'Alice is not asked again in her conversation');
      const bobs = ask(bob, risky);
      await waitUntil(() => pending().length === 1, { what: 'Bob is asked', ms: 60_000 });
      assert.equal((await decide(pending()[0].id, 'deny')).status, 200);
      assert.match((await bobs).content, /Denied in Claude Code Gateway/);
    } finally {
      off();
    }
  });

  it("a suspended client-tool run answers only its own key's follow-up", async () => {
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Oslo?' };
    const first = await alice.chat.completions.create({ model: 'sonnet', messages: [question], tools: [weatherTool] }, { headers });
    const calls = first.choices[0].message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    const followUp: ChatCompletionMessageParam[] = [question, { role: 'assistant', content: first.choices[0].message.content, tool_calls: calls }, { role: 'tool', tool_call_id: calls[0].id, content: 'sunny' }];
    // Bob replays Alice's call id: he gets a run of his own (the calls as history), Alice's run keeps waiting.
    const bobs = await bob.chat.completions.create({ model: 'sonnet', messages: followUp, tools: [weatherTool] }, { headers });
    assert.notEqual(bobs.id, first.id);
    assert.match(bobs.choices[0].message.content ?? '', /from the history's results: sunny/);
    assert.ok(!gw.services.store.events(first.id)?.some((e) => e.type === 'client_tool_resume'), "Alice's run was not resumed by Bob");
    assert.equal(gw.services.executor.suspended.size, 1);
    const alices = await alice.chat.completions.create({ model: 'sonnet', messages: followUp, tools: [weatherTool] }, { headers });
    assert.equal(alices.choices[0].message.content, "Final answer from the caller's results: sunny");
    assert.equal(gw.services.executor.suspended.size, 0);
  });
});
