import assert from 'node:assert/strict';
import http from 'node:http';
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
  { name: 'GET on chat completions', path: '/v1/chat/completions', method: 'GET', status: 405 },
  { name: 'DELETE on chat completions', path: '/v1/chat/completions', method: 'DELETE', status: 405 },
  { name: 'DELETE on models', path: '/v1/models', method: 'DELETE', status: 405 },
  { name: 'PUT on responses', path: '/v1/responses', method: 'PUT', body: '{}', status: 405 },
  { name: 'DELETE on an unknown /v1 route', path: '/v1/engines', method: 'DELETE', status: 404 },
  { name: 'unknown model id lookup', path: '/v1/models/..%2F..%2Fetc', method: 'GET', status: 404 },
  { name: 'unsupported charset', body: msgs([{ role: 'user', content: 'x' }]), headers: { 'content-type': 'application/json; charset=klingon' }, status: 415 },
];

/** fetch() refuses TRACE: a raw request. */
function rawRequest(url: string, method: string): Promise<{ status: number; allow: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('wrong method or path → 404/405 in OpenAI shape, naming the fix', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('x') });
  });
  after(async () => gw.close());

  it('TRACE and DELETE on /v1 routes: 405 with Allow on a known route, 404 elsewhere — never "body is empty"', async () => {
    for (const [method, path, status, allow] of [['TRACE', '/v1/chat/completions', 405, 'POST'], ['DELETE', '/v1/chat/completions', 405, 'POST'], ['TRACE', '/v1/models', 405, 'GET'], ['DELETE', '/v1/responses', 405, 'POST'], ['TRACE', '/v1/nothing', 404, undefined]] as const) {
      const r = await rawRequest(`${gw.v1}${path.slice(3)}`, method);
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      assert.equal(r.allow, allow, `${method} ${path}: Allow`);
      const err = (JSON.parse(r.body) as { error: { message: string; type: string; code: string } }).error;
      assert.equal(err.type, 'invalid_request_error');
      assert.doesNotMatch(err.message, /body is empty/);
      assert.ok(err.message.includes(method) && err.message.includes(path), err.message);
    }
  });

  it('a base URL without /v1: the 404 says to add /v1', async () => {
    for (const [method, path] of [['GET', '/models'], ['POST', '/chat/completions'], ['POST', '/responses'], ['GET', '/models/sonnet']] as const) {
      const res = await fetch(`${gw.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? msgs([{ role: 'user', content: 'x' }]) : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
      // n8n's credential test shows the HTTP reason phrase, not the body: the hint is there too.
      assert.equal(res.statusText, 'Not Found - the base URL must end in /v1');
      const err = ((await res.json()) as { error: { message: string; code: string } }).error;
      assert.ok(err.message.includes(`${gw.baseUrl}/v1`) && err.message.includes(`/v1${path}`), err.message);
      assert.equal(err.code, 'unknown_url');
    }
    assert.equal(gw.api.mainRequests().length, 0);
  });
});

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
