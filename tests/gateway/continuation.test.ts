import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { continuationOf, RepeatGuard } from '../../main/gateway/continuation.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe('continuation detection and the repeat guard', () => {
  it('a trailing assistant message with text is a continuation; a tool-call turn or an empty one is not', () => {
    assert.deepEqual(continuationOf([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'Roses' }]), { shown: 'Roses' });
    assert.equal(continuationOf([{ role: 'user', content: 'q' }]), null);
    assert.equal(continuationOf([{ role: 'user', content: 'q' }, { role: 'assistant', content: '  ' }]), null);
    assert.equal(continuationOf([{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'f' } }] }]), null);
  });

  it('drops a restatement of the shown text, in any chunking, and keeps what follows', () => {
    const g = new RepeatGuard('Roses are red,');
    const out = ['Ro', 'ses are', ' red,', ' violets', ' are blue.'].map((t) => g.push(t)).join('') + g.flush();
    assert.equal(out, ' violets are blue.');
  });

  it('lets a real continuation through at the first difference, and never loses held text', () => {
    const g = new RepeatGuard('Roses are red,');
    assert.equal(g.push('Ro'), '');
    assert.equal(g.push('bots'), 'Robots');
    assert.equal(g.push(' too'), ' too');
    const h = new RepeatGuard('Roses are red,');
    assert.equal(h.push('Roses'), '');
    assert.equal(h.flush(), 'Roses', 'a partial match at the end is sent, not dropped');
    const whole = new RepeatGuard('Roses are red,');
    assert.equal(whole.push('Roses are red,') + whole.flush(), '', 'a whole restatement and nothing else adds nothing');
  });
});

const CONTINUE = 'Continue this answer exactly where it stops';

/** First turn: a cut answer. A continuation request: says how Claude got it (fresh context or resumed session). */
const poemScript: Script = (_req, info) => {
  const last = info.userTexts.at(-1) ?? '';
  const how = last.startsWith('Your previous answer was cut off') ? 'resumed' : last.includes('Latest user message') ? 'fresh' : 'other';
  if (last.includes(CONTINUE)) {
    const quoted = last.includes('<assistant>\nRoses are red,\n</assistant>') ? '' : ' (partial not quoted)';
    return { blocks: [{ type: 'text', text: ` violets are blue. [${how}]${quoted}` }] };
  }
  if (last.includes('Another')) return { blocks: [{ type: 'text', text: `Another one. [${last.includes('Earlier turns') ? 'fresh' : 'resumed'}]` }] };
  return { blocks: [{ type: 'text', text: 'Roses are red,' }] };
};

describe('Continue Response (trailing assistant message), real Claude Code', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: poemScript });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  it('without a session: the history and the partial answer as context, only the continuation comes back (stream and not)', async () => {
    const messages: Msg[] = [{ role: 'user', content: 'Write the poem' }, { role: 'assistant', content: 'Roses are red,' }];
    const r = await client.chat.completions.create({ model: 'sonnet', messages });
    assert.equal(r.choices[0].message.content, ' violets are blue. [fresh]');
    const s = await client.chat.completions.create({ model: 'sonnet', messages, stream: true });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    assert.equal(text, ' violets are blue. [fresh]');
  });

  it('resumes the session that wrote the answer, sends only where it stops, and the next turn resumes too', async () => {
    const headers = { 'X-OpenWebUI-Chat-Id': 'chat-continue-1' };
    const h: Msg[] = [{ role: 'user', content: 'Write the poem' }];
    const r1 = await client.chat.completions.create({ model: 'sonnet', messages: h }, { headers });
    const a1 = r1.choices[0].message.content ?? '';
    assert.equal(a1, 'Roses are red,');
    const r2 = await client.chat.completions.create({ model: 'sonnet', messages: [...h, { role: 'assistant', content: a1 }] }, { headers });
    const a2 = r2.choices[0].message.content ?? '';
    assert.equal(a2, ' violets are blue. [resumed]');
    assert.equal(gw.services.store.summary(r2.id)?.sessionId, gw.services.store.summary(r1.id)?.sessionId, 'same Claude session');
    // OpenWebUI shows (and resends) the continuation appended to the partial answer.
    const r3 = await client.chat.completions.create({ model: 'sonnet', messages: [...h, { role: 'assistant', content: a1 + a2 }, { role: 'user', content: 'Another?' }] }, { headers });
    assert.equal(r3.choices[0].message.content, 'Another one. [resumed]');
  });

  it('a model that starts over anyway: the text the client already shows is not sent again (Responses API too)', async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'text', text: 'Roses are red, violets are blue.' }] }));
    try {
      const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Write the poem' }, { role: 'assistant', content: 'Roses are red,' }] });
      assert.equal(r.choices[0].message.content, ' violets are blue.');
      const resp = await client.responses.create({ model: 'sonnet', input: [{ role: 'user', content: 'Write the poem' }, { role: 'assistant', content: 'Roses are red,' }] });
      assert.equal(resp.output_text, ' violets are blue.');
    } finally {
      gw.api.setScript(poemScript);
    }
  });
});
