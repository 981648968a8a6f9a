/**
 * A well-shaped key the model API refuses (HTTP 401, answered the way a proxy or Anthropic may: without
 * `x-should-retry: false`, so Claude Code would retry it). A refused credential is not a transient failure: the run
 * stops at the first 401 and the client gets a clear, non-retriable error naming the fix. Health blames the
 * credential, not the model API's reachability, and forgets it once a new credential is saved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

const REFUSED: Script = () => ({ httpError: 401, errorType: 'authentication_error', message: 'invalid x-api-key', retryable: true });
const GOOD_KEY = 'sk-ant-api03-ReplacementKeyThatWorks0123456789abcdGOOD';

describe('a refused Claude credential is answered at once', () => {
  let d: TestDashboard;
  let client: OpenAI;
  before(async () => {
    // Retries capped low so the old behaviour (retrying the 401) shows as extra requests without minutes of waiting.
    d = await startTestDashboard({ script: REFUSED, config: { CLAUDE_API_RETRIES: 2 } });
    client = new OpenAI({ baseURL: d.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => d.close());

  const component = (name: string) => d.services.health().components.find((c) => c.name === name);

  it('non-streamed: 502 claude_credential_refused, x-should-retry: false, after one model request (no retries)', async () => {
    const before = d.api.mainRequests().length;
    const res = await fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-should-retry'), 'false');
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    assert.equal(body.error.code, 'claude_credential_refused');
    assert.equal(body.error.type, 'authentication_error');
    assert.match(body.error.message, /refused Claude Code's credential \(HTTP 401\b.*Claude account/);
    assert.equal(d.api.mainRequests().length - before, 1, 'Claude Code did not retry the 401');
  });

  it('streamed: no retry line, an error chunk with the same code, then [DONE]; Health blames the credential, not the model API', async () => {
    const before = d.api.mainRequests().length;
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    const err = await (async () => {
      try {
        for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
        return null;
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal((err.error as { code?: string } | undefined)?.code, 'claude_credential_refused');
    assert.doesNotMatch(text, /retry/i);
    assert.equal(d.api.mainRequests().length - before, 1);
    assert.equal(component('model-api')?.status, 'ok', 'the API answered: it is reachable');
    assert.equal(component('claude-auth')?.status, 'error');
    assert.match(component('claude-auth')?.reason ?? '', /refused/);
  });

  it('a new credential clears what the refused one left on Health, before any run', async () => {
    // The model API card down the way a retried failure leaves it (as a refused key did before), then a new key saved.
    d.services.bus.publish({ type: 'api_retry', attempt: 1, maxRetries: 10, delayMs: 500, status: 401, error: 'authentication_failed', requestId: 'chatcmpl-earlier', seq: 1, ts: new Date().toISOString() });
    d.services.bus.publish({ type: 'api_retry', attempt: 1, maxRetries: 10, delayMs: 500, status: 529, error: 'overloaded', requestId: 'chatcmpl-earlier', seq: 2, ts: new Date().toISOString() });
    assert.equal(component('model-api')?.status, 'error');
    const put = await d.call('/api/claude-auth/credential', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'api_key', value: GOOD_KEY }) });
    assert.equal(put.status, 200);
    assert.equal(component('model-api')?.status, 'ok');
  });
});
