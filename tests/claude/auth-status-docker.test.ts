/**
 * The docker runtime's sign-in, read INSIDE the container with the variables a run passes (`docker exec -e`): the
 * container's own volume has no login, so Claude there is signed out until a key is saved in the app; then the key
 * reaches the model from inside the container. With the container down the status is unknown, not "signed out".
 * Real engine, real claude in the test image, the product's own wiring (Services builds compose + runtime).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClaudeAuthStatus } from '../../main/contract/claude-auth-api.ts';
import { installControlApi, type ControlApi } from '../../main/control/install.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { dockerGatewayConfig, dockerSkip, forceRemoveProject, makeWorkspace, uniqueProject } from '../fixtures/docker-env.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';

const skip = dockerSkip();
const KEY = 'sk-ant-api03-DockerSignInTestKey0123456789abcdefgXYZ4';

describe('docker runtime: Claude account read and used inside the container (real engine)', { skip, timeout: 300_000 }, () => {
  const project = uniqueProject('auth');
  let api: ScriptedAnthropic;
  let services: Services;
  let control: ControlApi;
  let dataDir = '';
  let workspace = '';

  const call = (p: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${services.url}${p}`, { ...init, headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json', ...init.headers } });
  const chat = (): Promise<Response> =>
    fetch(`${services.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi from the container?' }] }) });
  const refresh = async (): Promise<ClaudeAuthStatus> => (await (await call('/api/claude-auth/refresh', { method: 'POST' })).json()) as ClaudeAuthStatus;

  before(async () => {
    api = await startScriptedAnthropic(plainAnswer('answered from the container'));
    workspace = makeWorkspace();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-auth-docker-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ...claudeTestEnv(api.url, path.join(dataDir, 'home')) };
    for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']) delete env[k];
    services = await buildServices(dockerGatewayConfig({ dataDir, project, workspace }), { claudeEnv: env, consoleLog: false });
    control = installControlApi(services, { env: { DATA_DIR: dataDir } });
    await services.start();
  });
  after(async () => {
    await services?.stop({ graceMs: 0 }).catch(() => {});
    await services?.compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(project);
    await api?.close();
    for (const dir of [dataDir, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('container down: unknown (requests are not refused as signed out; the runtime says what to do)', async () => {
    const st = await refresh();
    assert.equal(st.state, 'unknown');
    assert.equal(st.summary, 'unknown: container not running');
    const r = await chat();
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'runtime_unavailable');
  });

  test('container up, nothing saved: Claude in the container is signed out; requests get 401 before any docker exec', async () => {
    await services.compose?.up({ timeoutMs: 120_000 });
    const st = await refresh();
    assert.equal(st.state, 'signed_out', JSON.stringify(st));
    assert.match(st.fix ?? '', /inside the container/);
    const r = await chat();
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'claude_not_signed_in');
    assert.equal(api.auths.length, 0);
  });

  test('a key saved in the app: read as signed in inside the container, and the run there carries it', async () => {
    api.setAuthCheck((a) => a.apiKey === KEY);
    const res = await call('/api/claude-auth/credential', { method: 'PUT', body: JSON.stringify({ kind: 'api_key', value: KEY }) });
    const st = (await res.json()) as ClaudeAuthStatus;
    assert.equal(res.status, 200);
    assert.equal(st.state, 'signed_in');
    assert.equal(st.runtime, 'docker');
    assert.equal(st.summary, 'Signed in with an API key (ANTHROPIC_API_KEY saved in the app)');
    const r = await chat();
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(((await r.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content, 'answered from the container');
    assert.ok(api.auths.length > 0 && api.auths.every((a) => a.apiKey === KEY));
  });
});
