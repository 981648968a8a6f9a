/**
 * A key limited to projects: the dashboard's API (create, show, change the scope) and /v1 (another project's model is
 * refused before any Claude runs; /v1/models lists only what the key may use). An unscoped key keeps today's meaning.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiKeyCreateResponse, ApiKeyInfo } from '../../main/contract/control-api.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

let d: TestDashboard;
let root = '';

async function createKey(body: unknown): Promise<Response> {
  return d.call('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
function chat(key: string, model: string): Promise<Response> {
  return fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
}
async function modelIds(key: string): Promise<string[]> {
  const res = await fetch(`${d.v1}/models`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-key-scope-'));
  for (const p of ['web', 'infra']) fs.mkdirSync(path.join(root, p));
  d = await startTestDashboard({
    script: plainAnswer('scoped answer'),
    config: { GATEWAY_MODELS: 'sonnet', PROJECTS: JSON.stringify([{ name: 'web', folder: path.join(root, 'web') }, { name: 'infra', folder: path.join(root, 'infra'), policy: { mode: 'full' } }]) },
  });
});
after(async () => {
  await d.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('API keys limited to projects', () => {
  it('a key scoped to one project is refused on another project (403, OpenAI shape, no Claude started) and on plain chats', async () => {
    const res = await createKey({ name: 'web only', scope: { projects: ['web'], chats: false } });
    assert.equal(res.status, 201);
    const { key, secret } = (await res.json()) as ApiKeyCreateResponse;
    assert.deepEqual(key.scope, { projects: ['web'], chats: false });
    for (const model of ['sonnet@infra', 'sonnet']) {
      const refused = await chat(secret, model);
      assert.equal(refused.status, 403, model);
      const err = ((await refused.json()) as { error: { code: string; param: string; message: string } }).error;
      assert.equal(err.code, 'model_not_allowed');
      assert.equal(err.param, 'model');
    }
    assert.equal(d.api.requests.length, 0, 'no Claude run for a refused model');
    assert.deepEqual(await modelIds(secret), ['sonnet@web']);
    assert.equal((await fetch(`${d.v1}/models/sonnet@infra`, { headers: { authorization: `Bearer ${secret}` } })).status, 404);
    const ok = await chat(secret, 'sonnet@web');
    assert.equal(ok.status, 200);
    assert.match(JSON.stringify(await ok.json()), /scoped answer/);
  });

  it('an unscoped key keeps today\'s meaning; the scope is shown, changed and lifted through the API', async () => {
    const { key, secret } = (await (await createKey({ name: 'all' })).json()) as ApiKeyCreateResponse;
    assert.equal(key.scope, null);
    assert.deepEqual(await modelIds(secret), ['sonnet', 'sonnet@web', 'sonnet@infra']);
    const put = (scope: unknown): Promise<Response> => d.call(`/api/keys/${key.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope }) });
    const limited = await put({ projects: ['infra'], chats: true });
    assert.equal(limited.status, 200);
    assert.deepEqual(((await limited.json()) as ApiKeyInfo).scope, { projects: ['infra'], chats: true });
    assert.deepEqual(await modelIds(secret), ['sonnet', 'sonnet@infra'], 'in force from the next request');
    assert.equal((await chat(secret, 'sonnet@web')).status, 403);
    const listed = (await (await d.call('/api/keys')).json()) as { keys: ApiKeyInfo[] };
    assert.deepEqual(listed.keys.find((k) => k.id === key.id)?.scope, { projects: ['infra'], chats: true });
    assert.equal((await put({ projects: ['nope'], chats: false })).status, 400, 'a project that does not exist');
    assert.equal((await put({ projects: 'web' })).status, 400, 'malformed');
    assert.equal((await d.call('/api/keys/key_missing', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: null }) })).status, 404);
    assert.equal((await put(null)).status, 200);
    assert.deepEqual(await modelIds(secret), ['sonnet', 'sonnet@web', 'sonnet@infra']);
  });
});
