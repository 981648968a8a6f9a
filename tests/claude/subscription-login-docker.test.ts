/**
 * The subscription sign-in for the docker runtime: `claude auth login` runs INSIDE the container (docker exec -i,
 * plain pipes), its printed link — whose page shows a code — is surfaced, the pasted code reaches it through the
 * docker client's stdin, and Cancel leaves nothing running in the container. With the container down the login
 * fails with the reason. Real engine, real claude in the test image, the product's wiring (Services).
 *
 * Not covered: the token exchange (Anthropic's servers are not reachable from these machines).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RUN_MARKER } from '../../main/claude/docker-spawn.ts';
import { isAlive } from '../../main/claude/process-tree.ts';
import type { ClaudeLoginCancelResponse, ClaudeLoginResponse, ClaudeLoginSnapshot } from '../../main/contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES } from '../../main/contract/claude-auth-routes.ts';
import { installControlApi, type ControlApi } from '../../main/control/install.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { dockerCli, dockerGatewayConfig, dockerSkip, forceRemoveProject, makeWorkspace, uniqueProject } from '../fixtures/docker-env.ts';

const skip = dockerSkip();
const CODE = 'DockerSignInCode0123456789abcdef#DockerSignInState0123456789';

describe('docker runtime: subscription sign-in inside the container (real engine)', { skip, timeout: 300_000 }, () => {
  const project = uniqueProject('login');
  let services: Services;
  let control: ControlApi;
  let dataDir = '';
  let workspace = '';

  const post = (p: string, body?: unknown): Promise<Response> =>
    fetch(`${services.url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const start = async (): Promise<ClaudeLoginSnapshot> => {
    const r = await post(CLAUDE_AUTH_ROUTES.login.path);
    assert.equal(r.status, 202);
    const { login } = (await r.json()) as ClaudeLoginResponse;
    assert.ok(login);
    return login;
  };
  /** Processes in the container carrying this login's marker (claude auth login and anything it started). */
  const inContainer = async (marker: string): Promise<number> => {
    const id = await services.compose?.runningContainer();
    assert.ok(id);
    const out = dockerCli(['exec', id, 'sh', '-c', `grep -l ${RUN_MARKER}=${marker} /proc/[0-9]*/environ 2>/dev/null | grep -v /proc/self/ | wc -l`]).stdout.trim();
    return Number(out);
  };

  before(async () => {
    workspace = makeWorkspace();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-login-docker-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: path.join(dataDir, 'home'), DISABLE_AUTOUPDATER: '1' };
    for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL']) delete env[k];
    services = await buildServices(dockerGatewayConfig({ dataDir, project, workspace }), { claudeEnv: env, consoleLog: false });
    control = installControlApi(services, { env: { DATA_DIR: dataDir } });
    await services.start();
  });
  after(async () => {
    await services?.stop({ graceMs: 0 }).catch(() => {});
    await services?.compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(project);
    for (const dir of [dataDir, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('container down: the login fails with the reason, nothing left', async () => {
    const login = await start();
    const end = login.done ? login : await services.claudeAccount.login?.whenDone();
    assert.equal(end?.step, 'failed');
    assert.match(end?.reason ?? '', /^The Claude container \(service "claude"\) is not running\. Fix: .*docker.* up -d$/);
  });

  test('container up: the printed link (a code page), then a pasted code reaches Claude Code in the container', async () => {
    await services.compose?.up({ timeoutMs: 120_000 });
    const login = await start();
    assert.equal(login.runtime, 'docker');
    assert.equal(login.step, 'waiting_for_browser', JSON.stringify(login));
    assert.equal(login.returnsByItself, false);
    assert.match(login.url ?? '', /^https:\/\/claude\.ai\/oauth\/authorize\?/);
    const proc = services.claudeAccount.login?.currentProcess();
    assert.ok(proc);
    assert.ok((await inContainer(proc.marker)) >= 1, 'claude auth login runs in the container');

    const again = await post(CLAUDE_AUTH_ROUTES.login.path);
    assert.equal(again.status, 409);

    const sent = await post(CLAUDE_AUTH_ROUTES.loginCode.path, { code: CODE });
    assert.equal(sent.status, 202);
    const end = await services.claudeAccount.login?.whenDone();
    assert.equal(end?.step, 'failed');
    // Only after reading the code does Claude Code try the exchange: its own message says where it got stuck.
    assert.match(end?.reason ?? '', /^Couldn't log in: /);
    assert.ok(!JSON.stringify(end).includes('DockerSignInCode'));
    assert.equal(await inContainer(proc.marker), 0);
  });

  test('cancel: answered once nothing of it runs in the container or on the host', async () => {
    await start();
    const proc = services.claudeAccount.login?.currentProcess();
    assert.ok(proc?.pid);
    assert.ok((await inContainer(proc.marker)) >= 1);
    const c = (await (await post(CLAUDE_AUTH_ROUTES.loginCancel.path)).json()) as ClaudeLoginCancelResponse;
    assert.equal(c.cancelled, true);
    assert.equal(c.login?.reason, 'cancelled');
    assert.equal(isAlive(proc.pid), false, 'the docker client is gone');
    assert.equal(await inContainer(proc.marker), 0, 'nothing left in the container');
  });
});
