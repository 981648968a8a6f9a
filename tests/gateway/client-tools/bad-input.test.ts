import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MessagesRequest } from '../../fixtures/scripted-anthropic.ts';
import { clientToolLoop, plainAnswer } from '../../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.ts';

const calculator = {
  type: 'function',
  name: 'calculator',
  description: 'Math',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
  strict: true,
};

function system(req: MessagesRequest): string {
  return typeof req.system === 'string' ? req.system : (req.system ?? []).map((b) => b.text).join('\n');
}

async function post(gw: TestGateway, path: string, body: unknown): Promise<{ status: number; body: { error?: { message: string; type: string; param: string | null; code: string | null } } & Record<string, unknown> }> {
  const res = await fetch(`${gw.v1}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

/** Client tools on /v1/responses (the shape n8n sends by default): bad input is a 400 before anything runs; tool_choice. */
describe('client tools on /v1/responses: bad input and tool_choice', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('ok') });
  });
  after(async () => gw.close());

  it('malformed tools and an output for no call: OpenAI-shaped 400 naming the field; nothing runs; the gateway goes on', async () => {
    const before = gw.api.requests.length;
    const user = { role: 'user', content: 'q' };
    const cases: Array<{ body: Record<string, unknown>; match: RegExp; param?: string }> = [
      { body: { tools: [{ type: 'function', description: 'no name', parameters: { type: 'object' } }] }, match: /Missing required parameter: 'tools\[0\]\.name'/, param: 'tools[0].name' },
      { body: { tools: [calculator, calculator] }, match: /'calculator' is used twice/, param: 'tools[1].name' },
      { body: { tools: [{ ...calculator, name: 'Bash' }] }, match: /one of Claude Code's own tools/, param: 'tools[0].name' },
      { body: { tools: [{ ...calculator, name: 'Grep' }] }, match: /one of Claude Code's own tools/ },
      { body: { tools: [{ ...calculator, parameters: { type: 'array', items: {} } }] }, match: /of type "object"/, param: 'tools[0].parameters' },
      { body: { tools: [{ ...calculator, parameters: { type: 'object', properties: { input: { type: 'strin' } } } }] }, match: /not a usable JSON Schema/, param: 'tools[0].parameters' },
      { body: { tools: [calculator], tool_choice: { type: 'function', name: 'nope' } }, match: /no function named 'nope'/, param: 'tool_choice' },
      { body: { tools: [calculator], tool_choice: 'sometimes' }, match: /Invalid 'tool_choice'/, param: 'tool_choice' },
      {
        body: { tools: [calculator], input: [user, { type: 'function_call_output', call_id: 'call_nowhere', output: '1' }] },
        match: /'call_nowhere' answers no tool call/,
      },
    ];
    for (const c of cases) {
      const r = await post(gw, '/responses', { model: 'sonnet', input: [user], ...c.body });
      assert.equal(r.status, 400, `${JSON.stringify(c.body)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.type, 'invalid_request_error');
      assert.match(r.body.error?.message ?? '', c.match);
      if (c.param) assert.equal(r.body.error?.param, c.param);
    }
    assert.equal(gw.api.requests.length, before, 'no Claude run started');
    const ok = await post(gw, '/responses', { model: 'sonnet', input: 'still there?', tools: [calculator] });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.output_text ?? (ok.body.output as Array<{ content?: Array<{ text?: string }> }>)[0]?.content?.[0]?.text, 'ok');
  });

  it("tool_choice 'none' exposes nothing; required / named (flat shape) and parallel_tool_calls:false become instructions", async () => {
    const n = gw.api.mainRequests().length;
    const none = await post(gw, '/responses', { model: 'sonnet', input: 'hi', tools: [calculator], tool_choice: 'none' });
    assert.equal(none.status, 200);
    assert.equal(none.body.tool_choice, 'none', 'echoed as sent');
    const sent = gw.api.mainRequests()[n];
    assert.ok(!sent.tools?.some((t) => t.name.includes('calculator')));
    assert.ok(!system(sent).includes('You must call'));

    await post(gw, '/responses', { model: 'sonnet', input: 'hi', tools: [calculator], tool_choice: 'required' });
    const required = gw.api.mainRequests().at(-1)!;
    assert.ok(required.tools?.some((t) => t.name === 'mcp__client_tools__calculator'));
    assert.ok(system(required).includes('You must call at least one of these tools before you answer: mcp__client_tools__calculator.'));
    assert.ok(!system(required).includes('at most one'));

    const named = await post(gw, '/responses', { model: 'sonnet', input: 'hi', tools: [calculator], tool_choice: { type: 'function', name: 'calculator' }, parallel_tool_calls: false });
    assert.equal(named.body.parallel_tool_calls, false);
    const sys = system(gw.api.mainRequests().at(-1)!);
    assert.ok(sys.includes('You must call the tool mcp__client_tools__calculator before you answer.'));
    assert.ok(sys.includes('Call at most one mcp__client_tools__* tool per turn.'));

    await post(gw, '/responses', { model: 'sonnet', input: 'hi', tools: [calculator] });
    assert.ok(!system(gw.api.mainRequests().at(-1)!).includes('mcp__client_tools__'), "'auto' adds no instruction");
  });

  it('parallel_tool_calls (default): every call of one model turn comes back in one response', async () => {
    gw.api.setScript(clientToolLoop({ tool: 'calculator', calls: [{ input: '1+1' }, { input: '2+2' }, { input: '3+3' }] }));
    const r = await post(gw, '/responses', { model: 'sonnet', input: 'three sums', tools: [calculator] });
    const calls = (r.body.output as Array<{ type: string; arguments?: string }>).filter((o) => o.type === 'function_call');
    assert.deepEqual(calls.map((c) => JSON.parse(c.arguments ?? '')), [{ input: '1+1' }, { input: '2+2' }, { input: '3+3' }]);
    assert.equal(r.body.parallel_tool_calls, true);
    await gw.services.executor.suspended.closeAll();
  });
});
