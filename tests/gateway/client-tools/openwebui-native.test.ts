import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { MessagesRequest, Script } from '../../fixtures/scripted-anthropic.ts';
import { OPENWEBUI_TOOLS } from '../../fixtures/openwebui-tools.ts';
import { adminInit, startTestGateway, type TestGateway } from '../../helpers/gateway.ts';
import { waitUntil } from '../../helpers/wait.ts';

type Msg = ChatCompletionMessageParam;
const PREFIX = 'mcp__client_tools__';

/** The client tools a model request offered (caller's names). */
function offered(req: MessagesRequest): string[] {
  return (req.tools ?? []).map((t) => t.name).filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length)).sort();
}

/** "CALL <tool>" calls that client tool when it is offered; otherwise the answer names what was offered. */
const script: Script = (req, info) => {
  const last = info.userTexts.at(-1) ?? '';
  const m = /CALL (\w+)/.exec(last);
  const tools = offered(req);
  if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `done: ${info.lastToolResults.map((b) => JSON.stringify(b.content)).join(' ')}` }] };
  if (m && tools.includes(m[1])) return { blocks: [{ type: 'tool_use', name: `${PREFIX}${m[1]}`, input: { content: 'likes tea' } }], stopReason: 'tool_use' };
  return { blocks: [{ type: 'text', text: `ok, ${tools.length} tools${m ? `, ${m[1]} not offered` : ''}` }] };
};

/**
 * OpenWebUI 0.11 with Function Calling "Native" sends its ~34 built-in tools on every chat request: such chats must be
 * as warm as any other — a spare on turn 1, the kept process on the next turns — and see exactly this turn's tools.
 */
describe("OpenWebUI's built-in tools: spare on turn 1, live process on the next turns (real Claude Code)", () => {
  let gw: TestGateway;
  let client: OpenAI;
  /** Claude processes started with --resume (a turn that did not find its kept process). */
  const resumed: number[] = [];

  before(async () => {
    gw = await startTestGateway({ script, config: { CLAUDE_SPARE_PROCESSES: 1, MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 120_000 });
    const tracker = gw.services.processes;
    const track = tracker.track.bind(tracker);
    tracker.track = (child: ChildProcess) => {
      if (child.pid && child.spawnargs.includes('--resume')) resumed.push(child.pid);
      track(child);
    };
  });
  after(async () => gw.close());

  const stats = () => gw.services.runtime.spares?.();
  const ready = (): boolean => (stats()?.bound ?? 0) + (stats()?.parked ?? 0) >= 1;
  async function ask(chat: string, messages: Msg[], tools: ChatCompletionTool[] = OPENWEBUI_TOOLS): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    return client.chat.completions.create({ model: 'sonnet', messages, tools }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
  }
  async function liveCount(): Promise<number> {
    const h = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { liveConversations?: { count: number } | null };
    return h.liveConversations?.count ?? 0;
  }

  it('turn 1 takes a spare, turns 2 and 3 (one with a tool call) run in the kept process', async () => {
    await waitUntil(ready, { what: 'a spare ready', ms: 90_000 });
    const claims = stats()?.claims ?? 0;
    const h: Msg[] = [{ role: 'user', content: 'Hello' }];
    const a1 = await ask('owui-1', h);
    assert.equal(a1.choices[0].message.content, 'ok, 34 tools');
    assert.equal(stats()?.claims, claims + 1, `turn 1 served by a spare: ${JSON.stringify(stats())}`);
    assert.equal(await liveCount(), 1, '/health lists the kept process');

    h.push({ role: 'assistant', content: a1.choices[0].message.content }, { role: 'user', content: 'Remember I like tea. CALL add_memory' });
    const a2 = await ask('owui-1', h);
    assert.equal(a2.choices[0].finish_reason, 'tool_calls');
    const call = a2.choices[0].message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'add_memory');
    h.push(a2.choices[0].message as Msg, { role: 'tool', tool_call_id: call.id, content: 'saved' });
    const a2b = await ask('owui-1', h);
    assert.match(a2b.choices[0].message.content ?? '', /^done: .*saved/);

    h.push({ role: 'assistant', content: a2b.choices[0].message.content }, { role: 'user', content: 'Thanks' });
    const a3 = await ask('owui-1', h);
    assert.equal(a3.choices[0].message.content, 'ok, 34 tools');
    assert.deepEqual(resumed, [], 'no turn resumed in a new process');
    assert.equal(await liveCount(), 1);
  });

  it('a tool switched off between turns is not offered and not callable', async () => {
    const h: Msg[] = [{ role: 'user', content: 'Hi' }];
    const a1 = await ask('owui-2', h);
    assert.equal(a1.choices[0].message.content, 'ok, 34 tools');
    const fewer = OPENWEBUI_TOOLS.filter((t) => t.type === 'function' && t.function.name !== 'add_memory');
    h.push({ role: 'assistant', content: a1.choices[0].message.content }, { role: 'user', content: 'Remember this. CALL add_memory' });
    const before = gw.api.mainRequests().length;
    const a2 = await ask('owui-2', h, fewer);
    const reqs = gw.api.mainRequests().slice(before);
    assert.ok(reqs.length > 0);
    for (const r of reqs) assert.ok(!offered(r).includes('add_memory'), `offered: ${offered(r).join(',')} resumed=${resumed.length} n=${reqs.length}`);
    assert.equal(a2.choices[0].message.content, 'ok, 33 tools, add_memory not offered');
  });
});
