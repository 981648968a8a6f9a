import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';

const CONFIGURED_KEY = 'sk-gw-configured-7f3a9c1e5b2d4f60';
const OAUTH_CODE = 'oauth-code-SECRET-91b2c3d4e5f6';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** After real traffic with keys, an admin token and an OAuth callback, no secret is in logs, transcripts or config. */
describe('security: secrets stay out of logs, transcripts and config', () => {
  let d: TestDashboard;
  before(async () => {
    d = await startTestDashboard({ script: bashThenAnswer('echo hello'), config: { GATEWAY_API_KEYS: CONFIGURED_KEY, LOG_LEVEL: 'debug' } });
  });
  after(async () => d.close());

  it('no API key, admin token or OAuth code appears in any file but the 0600 secret stores', async () => {
    const good = new OpenAI({ baseURL: d.v1, apiKey: CONFIGURED_KEY, maxRetries: 0 });
    const r = await good.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] });
    assert.match(r.choices[0].message.content ?? '', /hello/);
    await assert.rejects(new OpenAI({ baseURL: d.v1, apiKey: 'sk-wrong-key-000000000', maxRetries: 0 }).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    const created = await d.call('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'n8n' }) });
    assert.equal(created.status, 201);
    const createdKey = JSON.stringify(await created.json()).match(/"(?:secret|key)":"([^"]{16,})"/)?.[1];
    assert.ok(createdKey, 'created key returned once');
    const viaCreated = await fetch(`${d.v1}/models`, { headers: { authorization: `Bearer ${createdKey}` } });
    assert.equal(viaCreated.status, 200);
    const oauthPort = d.services.oauth!.listener.health().boundPort!;
    const cb = await fetch(`http://127.0.0.1:${oauthPort}/callback?code=${OAUTH_CODE}&state=not-a-login`);
    assert.equal(cb.status, 400);
    const cfg = await d.call('/api/config');
    assert.ok(!(await cfg.text()).includes(CONFIGURED_KEY), 'config read masks the key');

    const secrets = [CONFIGURED_KEY, createdKey, d.token, OAUTH_CODE];
    const stores = new Set([path.join(d.dataDir, 'admin-token'), path.join(d.dataDir, 'api-keys.json')]);
    const files = walk(d.dataDir).filter((f) => !f.includes(`${path.sep}home${path.sep}`)); // home = Claude's own config
    assert.ok(files.some((f) => f.endsWith('.jsonl')), 'transcripts were written');
    assert.ok(files.some((f) => f.endsWith('gateway.log')), 'the log was written');
    for (const f of files) {
      if (stores.has(f)) continue;
      const text = fs.readFileSync(f, 'latin1');
      for (const s of secrets) assert.ok(!text.includes(s), `${path.relative(d.dataDir, f)} contains a secret`);
    }
    for (const f of [...stores, ...files.filter((x) => x.endsWith('.jsonl') || x.endsWith('config.json'))]) {
      if (!fs.existsSync(f)) continue;
      assert.equal(fs.statSync(f).mode & 0o077, 0, `${path.relative(d.dataDir, f)} is not 0600`);
    }
  });
});
