import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type {
  ApiKeyCreateResponse,
  ApiKeyListResponse,
  ConfigResponse,
  ConfigUpdateResponse,
  ControlError,
  GatewayActionResponse,
  HealthResponse,
  TranscriptListResponse,
  TranscriptResponse,
} from '../../main/contract/control-api.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import type { Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

/** Prompts decide the outcome: "fail" → the model API errors, anything else → a Bash run and an answer. */
const script: Script = (req, info) => {
  if (info.userTexts.some((t) => t.includes('please fail'))) return { httpError: 400, errorType: 'invalid_request_error', message: 'scripted refusal' };
  return bashThenAnswer()(req, info);
};

describe('control API', () => {
  let gw: TestDashboard;
  let client: OpenAI;
  const json = async <T>(p: string, init?: RequestInit): Promise<T> => {
    const r = await gw.call(p, init);
    assert.ok(r.ok, `${p} → ${r.status} ${await r.clone().text()}`);
    return (await r.json()) as T;
  };
  before(async () => {
    gw = await startTestDashboard({ script, config: { GATEWAY_API_KEYS: '' } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'first: run the command' }] });
    await client.chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: 'second: please fail' }] }).catch(() => undefined);
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'third: run it again' }] });
  });
  after(async () => {
    await gw.close();
  });

  test('transcripts: newest first, paged, filtered by status, model and text', async () => {
    const all = await json<TranscriptListResponse>('/api/transcripts');
    assert.equal(all.total, 3);
    assert.deepEqual(all.items.map((s) => s.preview), ['third: run it again', 'second: please fail', 'first: run the command']);
    assert.match(all.cursor, new RegExp(`^${gw.control.bootId}\\.\\d+$`));
    const page = await json<TranscriptListResponse>('/api/transcripts?limit=1&offset=1');
    assert.equal(page.total, 3);
    assert.deepEqual(page.items.map((s) => s.preview), ['second: please fail']);
    const errors = await json<TranscriptListResponse>('/api/transcripts?status=error');
    assert.deepEqual(errors.items.map((s) => s.model), ['haiku']);
    assert.ok(errors.items[0].error);
    const haiku = await json<TranscriptListResponse>('/api/transcripts?model=sonnet');
    assert.equal(haiku.total, 2);
    const text = await json<TranscriptListResponse>('/api/transcripts?q=THIRD');
    assert.deepEqual(text.items.map((s) => s.preview), ['third: run it again']);
    const bad = await gw.call('/api/transcripts?status=weird');
    assert.equal(bad.status, 400);
  });

  test('one transcript: summary and every event in order', async () => {
    const first = (await json<TranscriptListResponse>('/api/transcripts?q=first')).items[0];
    const t = await json<TranscriptResponse>(`/api/transcripts/${first.requestId}`);
    assert.equal(t.summary.status, 'done');
    assert.deepEqual(t.events.map((e) => e.seq), t.events.map((_e, i) => i + 1));
    const use = t.events.find((e) => e.type === 'tool_use');
    const result = t.events.find((e) => e.type === 'tool_result');
    assert.ok(use && use.type === 'tool_use' && use.name === 'Bash');
    assert.ok(result && result.type === 'tool_result' && result.toolUseId === use.toolUseId && /fib-7/.test(result.content));
    assert.equal((await gw.call('/api/transcripts/missing_one')).status, 404);
  });

  test('health: every component with a status, the Claude Code version and 15 minutes of metrics', async () => {
    gw.services.registerHealth('docker', () => ({ name: 'docker', status: 'stopped', reason: 'no compose file configured', since: new Date().toISOString() }));
    const h = await json<HealthResponse>('/api/health');
    const names = h.components.map((c) => c.name);
    for (const n of ['gateway', 'claude', 'transcripts', 'docker']) assert.ok(names.includes(n), n);
    for (const c of h.components) assert.ok(['ok', 'starting', 'stopped', 'error'].includes(c.status));
    assert.equal(h.components.find((c) => c.name === 'docker')?.reason, 'no compose file configured');
    assert.match(h.claudeCode.version ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(h.metrics.buckets.length, 15);
    assert.equal(h.metrics.total.requests, 3);
    assert.equal(h.metrics.total.errors, 1);
    assert.ok((h.metrics.total.p50Ms ?? 0) > 0 && (h.metrics.total.p95Ms ?? 0) >= (h.metrics.total.p50Ms ?? 0));
    assert.equal(h.metrics.buckets.reduce((n, b) => n + b.requests, 0), 3);
  });

  test('gateway stop → /v1 answers 503 while /api stays up; start → serving again', async () => {
    const stopped = await json<GatewayActionResponse>('/api/gateway/stop', { method: 'POST' });
    assert.equal(stopped.state, 'stopped');
    const err = await client.models.list().then(() => null, (e: unknown) => e as { status?: number; code?: string });
    assert.equal(err?.status, 503);
    assert.equal(err?.code, 'gateway_stopped');
    const h = await json<HealthResponse>('/api/health');
    assert.equal(h.components.find((c) => c.name === 'gateway')?.status, 'stopped');
    assert.equal(h.components.find((c) => c.name === 'gateway')?.reason, 'stopped from the dashboard');
    const started = await json<GatewayActionResponse>('/api/gateway/start', { method: 'POST' });
    assert.equal(started.state, 'running');
    assert.ok((await client.models.list()).data.length > 0);
    const restarted = await json<GatewayActionResponse>('/api/gateway/restart', { method: 'POST' });
    assert.equal(restarted.state, 'running');
    assert.equal(restarted.url, gw.baseUrl);
    assert.equal((await gw.call('/api/gateway/explode', { method: 'POST' })).status, 404);
  });

  test('config: secrets masked; edits validated, persisted to the config file, reported as pending', async () => {
    const c = await json<ConfigResponse>('/api/config');
    assert.equal(c.values.GATEWAY_PORT, 0);
    assert.equal(c.file, path.join(gw.dataDir, 'config.json'));
    assert.ok(c.editable.includes('CLAUDE_MODEL'));
    const upd = await json<ConfigUpdateResponse>('/api/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ CLAUDE_MODEL: 'opus', MAX_CONCURRENT_RUNS: 2, GATEWAY_MODELS: ['opus', 'sonnet'] }) });
    assert.deepEqual([...upd.restartRequired].sort(), ['CLAUDE_MODEL', 'GATEWAY_MODELS', 'MAX_CONCURRENT_RUNS']);
    assert.equal(upd.pending.CLAUDE_MODEL, 'opus');
    assert.equal(upd.values.CLAUDE_MODEL, 'sonnet', 'the running value is unchanged until restart');
    const file = JSON.parse(fs.readFileSync(c.file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(file, { CLAUDE_MODEL: 'opus', MAX_CONCURRENT_RUNS: 2, GATEWAY_MODELS: ['opus', 'sonnet'] });
    assert.equal(fs.statSync(c.file).mode & 0o777, 0o600);

    for (const body of [{ MAX_CONCURRENT_RUNS: 0 }, { DATA_DIR: '/tmp/x' }, { GATEWAY_API_KEYS: 'k' }, { CLAUDE_RUNTIME: 'vm' }, { GATEWAY_HOST: '0.0.0.0' }]) {
      const r = await gw.call('/api/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = (await r.json()) as ControlError;
      assert.equal(e.error.code, 'invalid_config');
      assert.ok(e.error.issues && e.error.issues.length > 0);
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(c.file, 'utf8')), file, 'a refused edit leaves the file alone');
  });

  test('API keys: created key is shown once and unlocks /v1; revoked → 401; masked in config', async () => {
    assert.equal((await client.models.list()).object, 'list', 'no key configured: open on loopback');
    const created = await json<ApiKeyCreateResponse>('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'openwebui' }) });
    assert.match(created.secret, /^sk-ccg-/);
    assert.equal(created.key.name, 'openwebui');
    const list = await json<ApiKeyListResponse>('/api/keys');
    assert.equal(list.keys.length, 1);
    assert.ok(!JSON.stringify(list).includes(created.secret), 'the list never shows the secret');
    assert.ok(created.secret.startsWith(list.keys[0].prefix.replace('…', '')));
    const keyFile = path.join(gw.dataDir, 'api-keys.json');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);

    const denied = await client.models.list().then(() => null, (e: unknown) => e as { status?: number });
    assert.equal(denied?.status, 401, 'a key now exists: /v1 requires one');
    const keyed = new OpenAI({ baseURL: gw.v1, apiKey: created.secret, maxRetries: 0 });
    assert.ok((await keyed.models.list()).data.length > 0);
    const info = await json<{ apiKeyRequired: boolean }>('/api/info');
    assert.equal(info.apiKeyRequired, true);

    const del = await gw.call(`/api/keys/${created.key.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await gw.call(`/api/keys/${created.key.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await json<ApiKeyListResponse>('/api/keys')).keys.length, 0);
    const revoked = await keyed.models.list().then(() => null, (e: unknown) => e as { status?: number });
    assert.equal(revoked, null, 'no keys left: open again on loopback');
  });
});

describe('control API with configured keys', () => {
  test('GATEWAY_API_KEYS values never leave the server; created keys add to them', async () => {
    // Its own data dir: the restart below starts a second gateway on it after this one stopped (one per DATA_DIR).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-dash-keys-'));
    const gw = await startTestDashboard({ script: bashThenAnswer(), dataDir, config: { GATEWAY_API_KEYS: 'sk-configured-secret-1,sk-configured-secret-2' } });
    let stopped = false;
    try {
      const r = await gw.call('/api/config');
      const text = await r.text();
      assert.ok(!text.includes('sk-configured-secret'), 'secret not in the body');
      const c = JSON.parse(text) as ConfigResponse;
      assert.deepEqual(c.values.GATEWAY_API_KEYS, ['••••••', '••••••']);
      const created = (await (await gw.call('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"n8n"}' })).json()) as ApiKeyCreateResponse;
      for (const key of ['sk-configured-secret-2', created.secret]) {
        const ok = await fetch(`${gw.v1}/models`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(ok.status, 200, key.slice(0, 8));
      }
      const list = (await (await gw.call('/api/keys')).json()) as ApiKeyListResponse;
      assert.equal(list.configuredKeys, 2);
      // Keys survive a restart of the process (same data dir).
      await gw.close();
      stopped = true;
      const again = await startTestDashboard({ script: bashThenAnswer(), dataDir, config: { GATEWAY_API_KEYS: '' } });
      try {
        assert.equal(again.token, gw.token, 'same admin token after restart');
        const ok = await fetch(`${again.v1}/models`, { headers: { authorization: `Bearer ${created.secret}` } });
        assert.equal(ok.status, 200);
      } finally {
        await again.close();
      }
    } finally {
      if (!stopped) await gw.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
