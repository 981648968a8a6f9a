/**
 * The model API not listening (connection refused) on a streaming run, as n8n and OpenWebUI show it: the retry line
 * names what happened, and the final message carries no raw Node error code (n8n replaces any message holding one,
 * e.g. ECONNREFUSED, with its own "The service refused the connection" sentence, blaming the gateway).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const NODE_CODE = /\bE[A-Z]{3,}\b/;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('model API down (connection refused): what clients display', () => {
  let gw: TestGateway;
  before(async () => {
    const port = await closedPort();
    gw = await startTestGateway({ script: plainAnswer('unused'), config: { CLAUDE_API_RETRIES: 1 }, claudeEnv: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` } });
  });
  after(async () => gw.close());

  it('streaming: the retry line says the connection was refused; the error message holds no Node error code', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let error: unknown = null;
    try {
      for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    } catch (e) {
      error = e;
    }
    assert.match(text, /Model API unavailable \(connection refused\) — retry 1 of 1/);
    assert.doesNotMatch(text, NODE_CODE);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.doesNotMatch(error.message, NODE_CODE);
    assert.match(error.message, /connection refused/i);
  });

  it('non-streaming: the same message, no Node error code', async () => {
    const res = await fetch(`${gw.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    const body = (await res.json()) as { error: { message: string } };
    assert.equal(res.status, 502);
    assert.doesNotMatch(body.error.message, NODE_CODE);
    assert.match(body.error.message, /connection refused/i);
  });
});
