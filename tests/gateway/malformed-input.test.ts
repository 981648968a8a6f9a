import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { plainAnswer } from '../fixtures/scripts.ts';

interface Case { name: string; body?: string | Buffer; method?: string; path?: string; headers?: Record<string, string>; status: number }

const msgs = (m: unknown) => JSON.stringify({ model: 'sonnet', messages: m });
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

const CASES: Case[] = [
  { name: 'empty body', body: '', status: 400 },
  { name: 'not JSON', body: 'hello', status: 400 },
  { name: 'truncated JSON', body: '{"model":"sonnet","messages":[', status: 400 },
  { name: 'JSON array', body: '[]', status: 400 },
  { name: 'JSON string', body: '"x"', status: 400 },
  { name: 'JSON null', body: 'null', status: 400 },
  { name: 'missing model', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'model is a number', body: JSON.stringify({ model: 5, messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'empty model', body: JSON.stringify({ model: '', messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'missing messages', body: JSON.stringify({ model: 'sonnet' }), status: 400 },
  { name: 'messages not an array', body: msgs('hi'), status: 400 },
  { name: 'empty messages', body: msgs([]), status: 400 },
  { name: 'message not an object', body: msgs(['hi']), status: 400 },
  { name: 'unknown role', body: msgs([{ role: 'wizard', content: 'x' }]), status: 400 },
  { name: 'missing role', body: msgs([{ content: 'x' }]), status: 400 },
  { name: 'content is a number', body: msgs([{ role: 'user', content: 42 }]), status: 400 },
  { name: 'content part without type', body: msgs([{ role: 'user', content: [{ text: 'x' }] }]), status: 400 },
  { name: 'no user message', body: msgs([{ role: 'system', content: 'x' }]), status: 400 },
  { name: 'empty user message', body: msgs([{ role: 'user', content: '   ' }]), status: 400 },
  { name: 'stream is a string', body: JSON.stringify({ model: 'sonnet', stream: 'yes', messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'temperature is a string', body: JSON.stringify({ model: 'sonnet', temperature: 'hot', messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'n = 3', body: JSON.stringify({ model: 'sonnet', n: 3, messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'absurd max_tokens', body: JSON.stringify({ model: 'sonnet', max_tokens: 1e300, messages: [{ role: 'user', content: 'x' }] }), status: 400 },
  { name: 'deeply nested JSON', body: `{"model":"sonnet","messages":${deep(100_000)}}`, status: 400 },
  { name: 'body over the size limit', body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] }), status: 413 },
  { name: 'invalid UTF-8 bytes', body: Buffer.concat([Buffer.from('{"model":"sonnet","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]), status: 400 },
  { name: 'unknown model', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), status: 404 },
  { name: 'model id with path traversal', body: JSON.stringify({ model: '../../etc/passwd', messages: [{ role: 'user', content: 'x' }] }), status: 404 },
  { name: 'unknown /v1 route', path: '/v1/engines', method: 'GET', status: 404 },
  { name: 'GET on chat completions', path: '/v1/chat/completions', method: 'GET', status: 404 },
  { name: 'unknown model id lookup', path: '/v1/models/..%2F..%2Fetc', method: 'GET', status: 404 },
  { name: 'unsupported charset', body: msgs([{ role: 'user', content: 'x' }]), headers: { 'content-type': 'application/json; charset=klingon' }, status: 415 },
];

describe('malformed input → OpenAI-shaped 4xx, server keeps serving', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('still alive'), config: { MAX_BODY_MB: 1 } });
  });
  after(async () => gw.close());

  it(`rejects ${CASES.length} malformed requests with a clear error`, async () => {
    assert.ok(CASES.length >= 25);
    for (const c of CASES) {
      const res = await fetch(`${gw.baseUrl}${c.path ?? '/v1/chat/completions'}`, {
        method: c.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...c.headers },
        body: c.method === 'GET' || c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : new Uint8Array(c.body),
      });
      const text = await res.text();
      assert.equal(res.status, c.status, `${c.name}: ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as { error: { message: string; type: string; param: unknown; code: unknown } };
      assert.equal(typeof body.error.message, 'string', c.name);
      assert.ok(body.error.message.length > 5, `${c.name}: message is clear`);
      assert.ok('type' in body.error && 'param' in body.error && 'code' in body.error, `${c.name}: full error shape`);
      assert.ok(res.headers.get('x-request-id'), `${c.name}: x-request-id`);
    }
    const ok = await fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: msgs([{ role: 'user', content: 'hi' }]) });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'still alive');
    assert.equal(gw.api.mainRequests().length, 1, 'no malformed request reached Claude');
  });
});
