import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** A PATH with every tool of /usr/bin and /bin but bwrap and socat: the sandboxed policy cannot run. */
function pathWithoutSandboxTools(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-path-'));
  for (const d of ['/usr/local/bin', '/usr/bin', '/bin']) {
    for (const name of fs.existsSync(d) ? fs.readdirSync(d) : []) {
      if (name === 'bwrap' || name === 'socat' || fs.existsSync(path.join(dir, name))) continue;
      fs.symlinkSync(path.join(d, name), path.join(dir, name));
    }
  }
  return dir;
}

/** Issue 21 item 10: a streamed request the sandboxed policy refuses gets its 503 before any stream is opened. */
describe('DEFAULT_POLICY=sandboxed without bubblewrap: a streamed request is a 503, not a 200 stream', () => {
  let gw: TestGateway;
  let noTools: string;
  before(async () => {
    noTools = pathWithoutSandboxTools();
    gw = await startTestGateway({ script: plainAnswer('should not run'), config: { DEFAULT_POLICY: 'sandboxed' }, claudeEnv: { PATH: noTools } });
  });
  after(async () => {
    await gw.close();
    fs.rmSync(noTools, { recursive: true, force: true });
  });

  for (const [endpoint, body] of [
    ['chat/completions', { model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
    ['responses', { model: 'sonnet', stream: true, input: 'hi' }],
  ] as const) {
    it(`/v1/${endpoint}: HTTP 503 with the OpenAI error body, no SSE`, async () => {
      const res = await fetch(`${gw.v1}/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      assert.equal(res.status, 503, text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('x-should-retry'), 'false');
      assert.ok(!text.includes('data:'), text);
      const err = (JSON.parse(text) as { error: { code: string; type: string; message: string; param: unknown } }).error;
      assert.equal(err.code, 'sandbox_unavailable');
      assert.equal(err.type, 'server_error');
      assert.match(err.message, /never runs unconfined/);
      assert.equal(gw.api.requests.length, 0, 'Claude Code was not started');
    });
  }

  it('the openai SDK streaming call raises APIError 503 at once', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
    const err = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'sandbox_unavailable');
  });
});
