import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { plainAnswer } from '../fixtures/scripts.ts';

/**
 * A corpus of malformed requests across the three surfaces: the OpenAI API (/v1), the control API (/api, with the
 * admin token) and the OAuth callback listener. Each must get a 4xx with a clear message; the servers stay up and
 * the next good request is served.
 */
interface Case { surface: 'v1' | 'api' | 'oauth'; name: string; method?: string; path: string; body?: string; headers?: Record<string, string>; auth?: boolean }

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const big = 'x'.repeat(2 * 1024 * 1024);

const V1: Case[] = [
  ['bad JSON', '{"model":'], ['array body', '[1,2]'], ['number body', '42'], ['missing messages', '{"model":"sonnet"}'],
  ['messages null', '{"model":"sonnet","messages":null}'], ['role number', '{"model":"sonnet","messages":[{"role":1,"content":"x"}]}'],
  ['content object', '{"model":"sonnet","messages":[{"role":"user","content":{"a":1}}]}'], ['stream number', '{"model":"sonnet","stream":1,"messages":[{"role":"user","content":"x"}]}'],
  ['model array', '{"model":["a"],"messages":[{"role":"user","content":"x"}]}'], ['huge model id', JSON.stringify({ model: 'm'.repeat(10_000), messages: [{ role: 'user', content: 'x' }] })],
  ['deep nesting', `{"model":"sonnet","messages":${deep(50_000)}}`], ['10 MB body', JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: big.repeat(5) }] })],
  ['absurd temperature', '{"model":"sonnet","temperature":1e999,"messages":[{"role":"user","content":"x"}]}'], ['negative n', '{"model":"sonnet","n":-1,"messages":[{"role":"user","content":"x"}]}'],
  ['only assistant', '{"model":"sonnet","messages":[{"role":"assistant","content":"x"}]}'], ['responses: no input', '{"model":"sonnet"}'],
  ['responses: input number', '{"model":"sonnet","input":5}'], ['responses: empty input list', '{"model":"sonnet","input":[]}'],
  ['responses: only a function output', '{"model":"sonnet","input":[{"type":"function_call_output","call_id":"c","output":"x"}]}'],
  ['responses: bad JSON', '{"input":'],
].map(([name, body], i) => ({ surface: 'v1' as const, name, path: i >= 15 ? '/v1/responses' : '/v1/chat/completions', method: 'POST', body }));
V1.push(
  { surface: 'v1', name: 'invalid UTF-8', path: '/v1/chat/completions', method: 'POST', body: '\u0000BINARY', headers: { 'content-type': 'application/json; charset=latin-9' } },
  { surface: 'v1', name: 'unknown route', path: '/v1/../../etc/passwd' },
  { surface: 'v1', name: 'model lookup traversal', path: '/v1/models/%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { surface: 'v1', name: 'DELETE models', path: '/v1/models', method: 'DELETE' },
);

const API: Case[] = ([
  { name: 'no token', path: '/api/transcripts', auth: false },
  { name: 'wrong token', path: '/api/transcripts', headers: { authorization: 'Bearer nope' }, auth: false },
  { name: 'transcript id traversal', path: '/api/transcripts/..%2F..%2Fetc%2Fpasswd' },
  { name: 'transcript id with dots', path: '/api/transcripts/....' },
  { name: 'transcript id too long', path: `/api/transcripts/${'a'.repeat(300)}` },
  { name: 'unknown transcript', path: '/api/transcripts/chatcmpl-doesnotexist' },
  { name: 'limit not a number', path: '/api/transcripts?limit=abc' },
  { name: 'absurd limit', path: '/api/transcripts?limit=1e309' },
  { name: 'negative offset', path: '/api/transcripts?offset=-5' },
  { name: 'unknown status filter', path: '/api/transcripts?status=exploded' },
  { name: 'unknown gateway action', path: '/api/gateway/explode', method: 'POST', body: '{}' },
  { name: 'config: bad JSON', path: '/api/config', method: 'PUT', body: '{"GATEWAY_PORT":' },
  { name: 'config: wrong type', path: '/api/config', method: 'PUT', body: '{"GATEWAY_PORT":"eighty"}' },
  { name: 'config: unknown key', path: '/api/config', method: 'PUT', body: '{"NOT_A_KEY":1}' },
  { name: 'config: array', path: '/api/config', method: 'PUT', body: '[]' },
  { name: 'config: absurd number', path: '/api/config', method: 'PUT', body: '{"REQUEST_TIMEOUT_S":1e308}' },
  { name: 'keys: bad JSON', path: '/api/keys', method: 'POST', body: '{' },
  { name: 'keys: name number', path: '/api/keys', method: 'POST', body: '{"name":5}' },
  { name: 'keys: revoke unknown', path: '/api/keys/does-not-exist', method: 'DELETE' },
  { name: 'keys: revoke traversal', path: '/api/keys/..%2F..%2Fadmin-token', method: 'DELETE' },
  { name: 'mcp: add without url', path: '/api/mcp/servers', method: 'POST', body: '{"name":"x"}' },
  { name: 'mcp: add bad url', path: '/api/mcp/servers', method: 'POST', body: '{"name":"x","url":"not a url"}' },
  { name: 'mcp: add bad name', path: '/api/mcp/servers', method: 'POST', body: '{"name":"../../evil","url":"http://127.0.0.1:1/mcp"}' },
  { name: 'mcp: add bad JSON', path: '/api/mcp/servers', method: 'POST', body: '{"name":' },
  { name: 'mcp: login unknown server', path: '/api/mcp/servers/nope-unknown/login', method: 'POST', body: '{}' },
  { name: 'foreign Origin', path: '/api/transcripts', headers: { origin: 'https://evil.example' } },
  { name: 'non-loopback Host', path: '/api/transcripts', headers: { host: 'evil.example' } },
  { name: 'unknown api route', path: '/api/nope' },
] as Array<Omit<Case, 'surface'>>).map((c): Case => ({ surface: 'api', method: 'GET', ...c }));

const OAUTH: Case[] = ([
  { name: 'callback without state', path: '/callback?code=abc' },
  { name: 'unknown state', path: '/callback?code=abc&state=unknown-state' },
  { name: 'oauth/callback unknown state', path: '/oauth/callback?code=abc&state=zzz' },
  { name: 'provider error, unknown state', path: '/callback?error=access_denied&state=nope' },
  { name: 'huge state', path: `/callback?code=a&state=${'s'.repeat(4000)}` },
  { name: 'state traversal', path: '/callback?code=a&state=..%2F..%2Fetc%2Fpasswd' },
  { name: 'duplicate state params', path: '/callback?code=a&state=x&state=y' },
  { name: 'register with GET', path: '/oauth/register' },
  { name: 'register without token', path: '/oauth/register', method: 'POST', body: '{"state":"s","callbackPort":1234}' },
  { name: 'register with wrong token', path: '/oauth/register', method: 'POST', body: '{"state":"s","callbackPort":1234}', headers: { authorization: 'Bearer wrong' } },
  { name: 'register bad JSON', path: '/oauth/register', method: 'POST', body: '{"state":', auth: true },
  { name: 'register absurd port', path: '/oauth/register', method: 'POST', body: '{"state":"s","callbackPort":99999999}', auth: true },
  { name: 'unknown path', path: '/../../etc/passwd' },
] as Array<Omit<Case, 'surface'>>).map((c): Case => ({ surface: 'oauth', method: 'GET', ...c }));

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => { out += d.toString(); });
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => { s.destroy(); resolve(out); }, 5000);
  });
}

describe('bad input corpus (/v1, /api, OAuth listener)', () => {
  let d: TestDashboard;
  before(async () => { d = await startTestDashboard({ script: plainAnswer('still serving'), config: { MAX_BODY_MB: 5 } }); });
  after(async () => d.close());

  it(`answers ${V1.length + API.length + OAUTH.length + 3} malformed requests with a clear 4xx and keeps serving`, async () => {
    const oauthPort = d.services.oauth!.listener.health().boundPort!;
    assert.ok(oauthPort > 0);
    for (const c of [...V1, ...API, ...OAUTH]) {
      const base = c.surface === 'oauth' ? `http://127.0.0.1:${oauthPort}` : d.baseUrl;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers };
      if ((c.surface === 'api' && c.auth !== false) || (c.surface === 'oauth' && c.auth)) headers.authorization ??= `Bearer ${d.token}`;
      let res: Response;
      if (headers.host) {
        const raw = await rawRequest(Number(new URL(base).port), `${c.method} ${c.path} HTTP/1.1\r\nHost: ${headers.host}\r\nAuthorization: ${headers.authorization}\r\nConnection: close\r\n\r\n`);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
        assert.ok(status >= 400 && status < 500, `${c.surface} ${c.name}: ${raw.slice(0, 120)}`);
        continue;
      }
      res = await fetch(`${base}${c.path}`, { method: c.method, headers, ...(c.body !== undefined ? { body: c.body } : {}) });
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${c.surface} ${c.name}: ${res.status} ${text.slice(0, 200)}`);
      if (c.surface === 'v1') {
        const body = JSON.parse(text) as { error: { message: string } };
        assert.ok(body.error.message.length > 5, `${c.name}: clear message`);
      } else if (c.surface === 'api') {
        assert.ok(text.length > 10 && /error|message/i.test(text), `${c.name}: clear message: ${text.slice(0, 100)}`);
      } else {
        assert.ok(/<h1>|"error"/i.test(text), `${c.name}: clear page: ${text.slice(0, 100)}`);
      }
    }
    // Framing Node's parser rejects: still a clear 4xx.
    for (const raw of [
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
      'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Injected: a\rb\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      const out = await rawRequest(Number(new URL(d.baseUrl).port), raw);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1]);
      assert.ok(status >= 400 && status < 500, `raw: ${JSON.stringify(out.slice(0, 200))}`);
      assert.match(out, /"error"/);
    }
    const ok = await fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'still serving');
    const health = await fetch(`http://127.0.0.1:${oauthPort}/health`);
    assert.equal(health.status, 200, 'OAuth listener still up');
    assert.ok(V1.length + API.length + OAUTH.length + 3 >= 60);
  });
});
