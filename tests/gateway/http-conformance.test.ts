import path from 'node:path';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bashThenAnswer, plainAnswer } from '../fixtures/scripts.ts';
import { describeRequest } from '../fixtures/scripted-anthropic.ts';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Raw HTTP: what OpenWebUI, n8n and openai-node parse, byte for byte. */
describe('HTTP conformance (raw)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('ok'), config: { SSE_KEEPALIVE_S: 0.2 } });
  });
  after(async () => gw.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('frames SSE as data lines + blank line, keep-alive comments during a tool run, [DONE] last', async () => {
    gw.api.setScript(bashThenAnswer('sleep 1; echo slept'));
    const res = await post({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'go' }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(res.headers.get('content-encoding'), null);
    assert.match(res.headers.get('x-request-id') ?? '', /^chatcmpl-/);
    const raw = await res.text();
    const events = raw.split('\n\n').filter(Boolean);
    assert.ok(events.some((e) => e === ': keep-alive'), 'keep-alive comment while the tool ran');
    for (const e of events) {
      if (e.startsWith(':')) continue;
      assert.ok(e.startsWith('data: '), `bad frame ${JSON.stringify(e.slice(0, 80))}`);
      assert.ok(!e.slice(6).includes('\n'), 'one-line JSON');
    }
    assert.equal(events.at(-1), 'data: [DONE]');
    const datas = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { choices: Array<{ finish_reason: string | null; delta: { content?: string } }> });
    assert.equal(datas.at(-1)!.choices[0].finish_reason, 'stop');
    assert.ok(datas.map((d) => d.choices[0].delta.content ?? '').join('').includes('slept'));
  });

  it('accepts the exact request shapes OpenWebUI sends (user object, params, tools, image parts, tool history)', async () => {
    gw.api.setScript(plainAnswer('Seen.'));
    const before = gw.api.mainRequests().length;
    const res = await post(
      {
        model: 'sonnet',
        stream: false,
        temperature: 0.7, top_p: 0.9, max_tokens: 512, seed: 42, stop: ['\n\n'], frequency_penalty: 0, presence_penalty: 0,
        reasoning_effort: 'medium', response_format: { type: 'text' }, logit_bias: { '50256': -100 }, custom_admin_param: { anything: true },
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
        user: { name: 'Ada', id: 'u1', email: 'ada@example.com', role: 'admin' },
        messages: [
          { role: 'system', content: 'You are terse. SYSTEM-MARKER-77' },
          { role: 'user', content: 'first question about FACT-ALPHA' },
          { role: 'assistant', content: 'Checked.\n\n<details>\n<summary>Bash: ls</summary>\n\n```text\nGATEWAY-TOOL-OUTPUT\n```\n</details>\n\nDone with FACT-BETA.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'user', content: [{ type: 'text', text: 'what is in this image?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } }] },
        ],
      },
      { 'X-OpenWebUI-Chat-Id': 'chat-123', 'X-OpenWebUI-User-Name': 'Ada' },
    );
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { choices: Array<{ message: { content: string; refusal: null } }> };
    assert.equal(body.choices[0].message.content, 'Seen.');
    assert.equal(body.choices[0].message.refusal, null);
    const sent = gw.api.mainRequests().slice(before)[0];
    const system = typeof sent.system === 'string' ? sent.system : (sent.system ?? []).map((b) => b.text).join('\n');
    assert.ok(system.includes('SYSTEM-MARKER-77'), 'system message reaches Claude as system prompt');
    const info = describeRequest(sent);
    const userText = info.userTexts.join('\n');
    assert.ok(userText.includes('FACT-ALPHA') && userText.includes('FACT-BETA'), 'history passed as context');
    assert.ok(!userText.includes('GATEWAY-TOOL-OUTPUT'), "the gateway's own tool blocks are stripped from history");
    assert.ok(userText.includes('what is in this image?'));
    const lastUser = sent.messages.filter((m) => m.role === 'user').at(-1)!;
    assert.ok(Array.isArray(lastUser.content) && lastUser.content.some((b) => b.type === 'image'), 'the image reaches Claude');
    const summary = gw.services.store.list().items[0];
    assert.equal(summary.client, 'OpenWebUI');
  });

  it('refuses a text/plain body (what a page sends without a preflight), GET /v1/models/:id, CORS preflight for a loopback page', async () => {
    const pre = await fetch(`${gw.v1}/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    const m = await fetch(`${gw.v1}/models/sonnet`);
    assert.equal(((await m.json()) as { id: string }).id, 'sonnet');
    gw.api.setScript(plainAnswer('plain ok'));
    const res = await fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(res.status, 415);
  });

  it('escapes reasoning tags in tool output so OpenWebUI does not swallow the answer', async () => {
    gw.api.setScript((_req, info) => info.lastToolResults.length
      ? { blocks: [{ type: 'text', text: 'Printed it.' }] }
      : { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: "printf '<think>not reasoning</think>\\n'" } }] });
    const res = await post({ model: 'sonnet', messages: [{ role: 'user', content: 'tags' }] });
    const content = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content;
    assert.ok(!/<think>/i.test(content), content);
    assert.ok(content.includes('<\u200bthink>not reasoning<\u200b/think>'));
  });

  it('GET /health: status and component states without auth; versions, active runs and uptime with the admin token', async () => {
    const open = (await (await fetch(`${gw.baseUrl}/health`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(open).sort(), ['components', 'status', 'version']);
    const token = fs.readFileSync(path.join(gw.dataDir, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${gw.baseUrl}/health`, { headers: { authorization: `Bearer ${token}` } });
    const h = (await res.json()) as { status: string; version: string; claudeCode: { version: string; authenticated: string | null }; activeRuns: number; uptimeS: number };
    assert.equal(h.status, 'ok');
    assert.equal(h.claudeCode.authenticated, 'API key (ANTHROPIC_API_KEY from the environment)');
    assert.match(h.claudeCode.version, /^\d+\.\d+\.\d+/);
    assert.equal(h.activeRuns, 0);
    assert.equal(typeof h.uptimeS, 'number');
    assert.ok(res.headers.get('x-request-id'));
  });
});

describe('API keys', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('authorized'), config: { GATEWAY_API_KEYS: 'sk-gw-one,sk-gw-two' } });
  });
  after(async () => gw.close());

  it('401 invalid_api_key without or with a wrong key on every /v1 route; 200 with either key', async () => {
    for (const [method, path] of [['GET', '/models'], ['POST', '/chat/completions'], ['GET', '/models/sonnet'], ['POST', '/responses']] as const) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic c2stZ3ctb25l' }] as Array<Record<string, string>>) {
        const res = await fetch(`${gw.v1}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'POST' ? '{}' : null });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        const body = (await res.json()) as { error: { code: string; type: string; message: string } };
        assert.equal(body.error.code, 'invalid_api_key');
      }
    }
    const ok = await fetch(`${gw.v1}/models`, { headers: { authorization: 'Bearer sk-gw-two' } });
    assert.equal(ok.status, 200);
    const chat = await fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-gw-one', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(chat.status, 200);
    const health = await fetch(`${gw.baseUrl}/health`);
    assert.equal(health.status, 200, '/health needs no key');
  });
});
