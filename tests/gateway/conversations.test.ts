import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ConversationMap } from '../../main/gateway/conversations.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startScriptedAnthropic, type Script, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * The model remembers nothing by itself: it answers from what Claude Code sends it. Turn 3 asks for a fact given in
 * turn 1, and the script also reports whether the last user message held only the new turn (a resumed session) or
 * the whole history rendered as context (a fresh start).
 */
const memoryScript: Script = (req, info) => {
  const last = info.userTexts.at(-1) ?? '';
  const fresh = last.includes('Earlier turns of this conversation');
  const everything = JSON.stringify(req.messages);
  const color = /COLOR-[A-Z0-9]+/.exec(everything)?.[0] ?? 'unknown';
  if (/favorite colou?r\?/.test(last)) return { blocks: [{ type: 'text', text: `Your favorite color is ${color}. [${fresh ? 'fresh' : 'resumed'}]` }] };
  return { blocks: [{ type: 'text', text: `Noted (${info.userTexts.length} user turns seen). [${fresh ? 'fresh' : 'resumed'}]` }] };
};

async function ask(client: OpenAI, messages: Msg[], headers: Record<string, string> = {}): Promise<string> {
  const r = await client.chat.completions.create({ model: 'sonnet', messages }, { headers });
  return r.choices[0].message.content ?? '';
}

describe('conversation continuity', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: memoryScript });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  it('resumes the Claude session and sends only the new turn; turn 3 recalls a fact from turn 1', async () => {
    const history: Msg[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'My favorite color is COLOR-TEAL42.' }];
    const a1 = await ask(client, history);
    assert.match(a1, /^Noted \(1 user turns seen\)/);
    history.push({ role: 'assistant', content: a1 }, { role: 'user', content: 'What is 2+2?' });
    const a2 = await ask(client, history);
    assert.match(a2, /\[resumed\]/);
    history.push({ role: 'assistant', content: a2 }, { role: 'user', content: 'What is my favorite color?' });
    const before = gw.api.mainRequests().length;
    const a3 = await ask(client, history);
    assert.equal(a3, 'Your favorite color is COLOR-TEAL42. [resumed]');
    const sent = gw.api.mainRequests().slice(before)[0];
    const lastUser = sent.messages.filter((m) => m.role === 'user').at(-1)!;
    const lastText = (typeof lastUser.content === 'string' ? lastUser.content : lastUser.content.filter((b) => b.type === 'text' && !b.text?.startsWith('<system-reminder>')).map((b) => b.text).join('')).trim();
    assert.equal(lastText, 'What is my favorite color?', 'only the new turn was sent');
    const sessions = gw.services.store.list().items.slice(0, 3).map((s) => s.sessionId);
    assert.equal(new Set(sessions).size, 1, 'one Claude session for the three turns');
  });

  it('an edited history starts fresh with the history as context', async () => {
    const a1 = await ask(client, [{ role: 'user', content: 'My favorite color is COLOR-RED7.' }]);
    const edited: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-BLUE9.' }, { role: 'assistant', content: a1 }, { role: 'user', content: 'What is my favorite color?' }];
    const a2 = await ask(client, edited);
    assert.equal(a2, 'Your favorite color is COLOR-BLUE9. [fresh]');
  });

  it('a regenerated turn does not continue the session that holds the old answer', async () => {
    const h: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-GREEN3.' }];
    const a1 = await ask(client, h);
    const turn2: Msg[] = [...h, { role: 'assistant', content: a1 }, { role: 'user', content: 'What is my favorite color?' }];
    assert.match(await ask(client, turn2), /\[resumed\]/);
    assert.match(await ask(client, turn2), /COLOR-GREEN3\. \[fresh\]/, 'regenerate = fresh start');
  });

  it('requests of one conversation (same chat id) run one after the other', async () => {
    const headers = { 'X-OpenWebUI-Chat-Id': 'chat-queue-1' };
    const h: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-GOLD1.' }];
    const [r1, r2] = await Promise.all([
      client.chat.completions.create({ model: 'sonnet', messages: h }, { headers }),
      client.chat.completions.create({ model: 'sonnet', messages: [...h, { role: 'assistant', content: 'x' }, { role: 'user', content: 'What is my favorite color?' }] }, { headers }),
    ]);
    const e1 = gw.services.store.events(r1.id)!;
    const e2 = gw.services.store.events(r2.id)!;
    const [first, second] = e1[0].ts <= e2[0].ts ? [e1, e2] : [e2, e1];
    assert.ok(second[0].ts >= first.at(-1)!.ts, 'the second started after the first ended');
  });

  it('side-by-side models in one chat run in parallel', async () => {
    // Each run waits at the model API until the other model's run has arrived too; serialized runs would each be
    // alone there (the wait gives up after a while so a serialized gateway fails this test instead of hanging).
    let waiting: Array<() => void> = [];
    gw.api.setScript(async (req, info) => {
      const last = info.userTexts.at(-1) ?? '';
      if (!last.includes('SIDE-BY-SIDE')) return memoryScript(req, info);
      let together = false;
      if (waiting.length) { together = true; for (const w of waiting) w(); waiting = []; }
      else together = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => { waiting = []; resolve(false); }, 20_000);
        waiting.push(() => { clearTimeout(t); resolve(true); });
      });
      return { blocks: [{ type: 'text', text: together ? 'together' : 'alone' }] };
    });
    try {
      const headers = { 'X-OpenWebUI-Chat-Id': 'chat-side-by-side' };
      const messages: Msg[] = [{ role: 'user', content: 'SIDE-BY-SIDE question' }];
      const [a, b] = await Promise.all([
        client.chat.completions.create({ model: 'sonnet', messages }, { headers }),
        client.chat.completions.create({ model: 'opus', messages }, { headers }),
      ]);
      assert.deepEqual([a.choices[0].message.content, b.choices[0].message.content], ['together', 'together']);
    } finally {
      gw.api.setScript(memoryScript);
    }
  });

  it('a model never resumes the session another model saved in the same chat', async () => {
    const headers = { 'X-OpenWebUI-Chat-Id': 'chat-two-models' };
    const h: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-ONYX8.' }];
    const a1 = await ask(client, h, headers);
    const turn2: Msg[] = [...h, { role: 'assistant', content: a1 }, { role: 'user', content: 'What is my favorite color?' }];
    const other = await client.chat.completions.create({ model: 'opus', messages: turn2 }, { headers });
    assert.equal(other.choices[0].message.content, 'Your favorite color is COLOR-ONYX8. [fresh]', 'opus starts its own session');
    assert.equal(await ask(client, turn2, headers), 'Your favorite color is COLOR-ONYX8. [resumed]', "sonnet still resumes its own");
  });

  it('OpenWebUI background tasks run without tools, one turn, on the task model', async () => {
    const before = gw.api.requests.length;
    const r = await client.chat.completions.create({
      model: 'sonnet',
      messages: [{ role: 'user', content: '### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n### Chat History:\n<chat_history>\nUSER: hi\n</chat_history>' }],
    });
    // The scripted model answers requests that offer no tools as side requests.
    assert.equal(r.choices[0].message.content, 'Side reply');
    const sent = gw.api.requests.slice(before);
    assert.ok(sent.length >= 1 && sent.every((q) => !q.tools || q.tools.length === 0), 'no tools offered');
    const s = gw.services.store.summary(r.id)!;
    assert.match(s.client, /title_generation/);
    assert.equal(gw.services.store.events(r.id)!.find((e) => e.type === 'request')?.type, 'request');
    const req = gw.services.store.events(r.id)!.find((e) => e.type === 'request');
    assert.ok(req && req.type === 'request' && req.model === 'haiku');
  });
});

describe('conversation continuity across a gateway restart', () => {
  let api: ScriptedAnthropic;
  let dataDir: string;
  before(async () => {
    api = await startScriptedAnthropic(memoryScript);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-restart-'));
  });
  after(async () => {
    await api.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('turn 2 after a restart still resumes the same session', async () => {
    const gw1 = await startTestGateway({ script: memoryScript, api, dataDir });
    const c1 = new OpenAI({ baseURL: gw1.v1, apiKey: 'x', maxRetries: 0 });
    const h: Msg[] = [{ role: 'user', content: 'My favorite color is COLOR-PLUM5.' }];
    const a1 = await ask(c1, h);
    await gw1.close();
    const gw2 = await startTestGateway({ script: memoryScript, api, dataDir });
    try {
      const c2 = new OpenAI({ baseURL: gw2.v1, apiKey: 'x', maxRetries: 0 });
      const a2 = await ask(c2, [...h, { role: 'assistant', content: a1 }, { role: 'user', content: 'What is my favorite color?' }]);
      assert.equal(a2, 'Your favorite color is COLOR-PLUM5. [resumed]');
    } finally {
      await gw2.close();
    }
  });
});

describe('conversation map and chat workspaces', () => {
  it('a plan reads only: the resume point is used up by claim(), once the run starts; callers never share entries', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-convmap-'));
    const map = new ConversationMap(path.join(dir, 'conversations.json'), 60_000);
    const turn1: Msg[] = [{ role: 'user', content: 'hello' }];
    map.plan(turn1 as never, 'chat-1', 'sonnet').commit('session-aaaa1111', 'hi there');
    const turn2 = [...turn1, { role: 'assistant', content: 'hi there' }, { role: 'user', content: 'again' }];
    const refused = map.plan(turn2 as never, 'chat-1', 'sonnet');
    assert.equal(refused.resumeSessionId, 'session-aaaa1111');
    // Never claimed (answered 429, cancelled while queued): the next attempt still resumes.
    const started = map.plan(turn2 as never, 'chat-1', 'sonnet');
    assert.equal(started.resumeSessionId, 'session-aaaa1111');
    started.claim();
    assert.equal(map.plan(turn2 as never, 'chat-1', 'sonnet').resumeSessionId, null, 'a regenerate after the run started is fresh');
    // Another caller with the same chat id and history: its own namespace, folder included.
    map.plan(turn1 as never, 'chat-1', 'sonnet', 'key:aaaa').commit('session-bbbb2222', 'hi there');
    const other = map.plan(turn2 as never, 'chat-1', 'sonnet', 'key:bbbb');
    assert.equal(other.resumeSessionId, null);
    assert.notEqual(other.workspaceKey, started.workspaceKey);
    assert.equal(map.plan(turn2 as never, 'chat-1', 'sonnet', 'key:aaaa').resumeSessionId, 'session-bbbb2222');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a turn's commit is saved in the background (the answer's end never waits on the disk), and is on disk right after", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-convmap-'));
    const file = path.join(dir, 'conversations.json');
    const map = new ConversationMap(file, 60_000);
    const turn1: Msg[] = [{ role: 'user', content: 'hello' }];
    const turn2 = [...turn1, { role: 'assistant', content: 'hi there' }, { role: 'user', content: 'again' }];
    map.plan(turn1 as never, 'chat-1', 'sonnet').commit('session-aaaa1111', 'hi there');
    assert.equal(fs.existsSync(file), false, 'no synced write when the turn ends');
    await map.settled();
    assert.equal(new ConversationMap(file, 60_000).plan(turn2 as never, 'chat-1', 'sonnet').resumeSessionId, 'session-aaaa1111');
    // Turns ending together: one write in flight, the last state lands.
    for (let i = 0; i < 8; i++) map.plan([{ role: 'user', content: `q${i}` }] as never, `chat-${i + 2}`, 'sonnet').commit(`session-${i}`, 'ok');
    await map.settled();
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] };
    assert.equal(saved.entries.length, 9);
    assert.deepEqual(fs.readdirSync(dir), ['conversations.json'], 'no temp file left');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a turn keeps the workspace of the turn before; a session saved before workspaces is not resumed (it ran in CLAUDE_CWD)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-convmap-'));
    const file = path.join(dir, 'conversations.json');
    const turn1: Msg[] = [{ role: 'user', content: 'hello' }];
    const map = new ConversationMap(file, 60_000);
    const first = map.plan(turn1 as never, null, 'sonnet');
    first.commit('session-1234abcd', 'hi there');
    map.flush(); // as the app's shutdown does
    const turn2 = [...turn1, { role: 'assistant', content: 'hi there' }, { role: 'user', content: 'again' }];
    const next = new ConversationMap(file, 60_000).plan(turn2 as never, null, 'sonnet');
    assert.equal(next.resumeSessionId, 'session-1234abcd');
    assert.equal(next.workspaceKey, first.workspaceKey, 'same folder as turn 1');
    assert.equal(new ConversationMap(file, 60_000).plan([{ role: 'user', content: 'other' }] as never, 'chat-9', 'sonnet').workspaceKey, 'chat:chat-9');
    // The same entry as an older gateway saved it (no workspace): a fresh start instead of a resume that cannot work.
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<Record<string, unknown>> };
    for (const e of saved.entries) delete e.workspace;
    fs.writeFileSync(file, JSON.stringify(saved));
    const legacy = new ConversationMap(file, 60_000).plan(turn2 as never, null, 'sonnet');
    assert.equal(legacy.resumeSessionId, null);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
