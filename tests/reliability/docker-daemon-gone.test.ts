/**
 * Fault: the docker daemon goes away in the middle of a run (CLAUDE_RUNTIME=docker). On a daemon of its own — the
 * suite's shared one keeps serving the other docker tests — with the real claude in the container: the client gets
 * an error chunk then [DONE] (never a stream that just closes), the transcript records the error, health turns the
 * container and engine to `error` naming the fix, and the next request is a 503 that says how to start Docker.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildServices, type Services } from '../../main/services.ts';
import { dockerGatewayConfig, dockerSkip, makeWorkspace, repoRoot, testImage, uniqueProject } from '../fixtures/docker-env.ts';
import { startScriptedAnthropic, toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

const skip = dockerSkip();

interface PrivateDaemon {
  pid: number;
  dir: string;
  env: NodeJS.ProcessEnv;
}
interface DockerSystemPart {
  startPrivateDaemon(): Promise<PrivateDaemon>;
  stopDaemon(d: PrivateDaemon): Promise<void>;
}
interface TestImageBuilder {
  buildTestImage(opts: { env: NodeJS.ProcessEnv; tag: string; log?: (m: string) => void }): Promise<string>;
}

const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(path.join(repoRoot, rel)).href)) as T;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const waitFor = (cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => waitUntil(cond, { ms, what, everyMs: 200 });

describe('fault: docker daemon gone mid-run (own daemon, real claude in the container)', { skip, timeout: 300_000 }, () => {
  const project = uniqueProject('daemon-gone');
  let system: DockerSystemPart;
  let daemon: PrivateDaemon | null = null;
  let api: ScriptedAnthropic;
  let services: Services | null = null;
  let workspace = '';
  let dataDir = '';
  const savedHost = process.env.DOCKER_HOST;

  before(async () => {
    system = await load<DockerSystemPart>('scripts/system/20-docker.mjs');
    const images = await load<TestImageBuilder>('scripts/docker/test-image.mjs');
    daemon = await system.startPrivateDaemon();
    await images.buildTestImage({ env: daemon.env, tag: testImage(), log: () => {} });
    // Every docker call of this process (compose manager, docker exec of the runs) goes to this daemon.
    process.env.DOCKER_HOST = daemon.env.DOCKER_HOST;

    api = await startScriptedAnthropic((_req, info) => {
      if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `Woke: ${toolResultText(info.lastToolResults[0]).trim()}` }] };
      return { blocks: [{ type: 'text', text: 'Sleeping a while.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo started; sleep 60; echo woke' } }] };
    });
    workspace = makeWorkspace();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-daemon-gone-'));
    const config = dockerGatewayConfig({ dataDir, project, workspace });
    services = await buildServices(config, { claudeEnv: { ...process.env, ...claudeTestEnv(api.url, path.join(dataDir, 'home')) }, consoleLog: false });
    await services.start();
    assert.ok(services.compose, 'the docker runtime builds its compose manager');
    await services.compose.up({ timeoutMs: 120_000 });
  });

  after(async () => {
    await services?.stop({ graceMs: 0 }).catch(() => {});
    await api?.close();
    if (daemon) await system.stopDaemon(daemon).catch(() => {});
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('the stream ends with an error chunk then [DONE], the transcript records it, health and the next request name the fix', async () => {
    const gw = services as Services;
    const d = daemon as PrivateDaemon;
    assert.equal((await gw.refreshCompose()).overall, 'running');

    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'sleep please' }] }),
    });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-request-id') ?? '';
    const body = res.text();
    // The tool is running inside the container when the daemon goes.
    await waitFor(() => gw.store.events(id)?.some((e) => e.type === 'tool_use') ?? false, 60_000, 'the Bash tool to start');
    process.kill(d.pid, 'SIGTERM');
    await waitFor(() => !alive(d.pid), 30_000, 'dockerd to exit');

    const raw = await body;
    const frames = raw.split('\n\n').filter((f) => f.startsWith('data: '));
    assert.equal(frames.at(-1), 'data: [DONE]');
    const errorFrame = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)) as { error?: { message: string } }).find((c) => c.error);
    assert.ok(errorFrame?.error?.message, `an error chunk before [DONE]: ${raw.slice(-400)}`);
    assert.match(errorFrame.error.message, /Docker daemon is not running.*Fix: /, 'the client is told why and what fixes it');
    assert.ok(!raw.includes('Woke:'), 'the run did not finish');

    const summary = gw.store.summary(id);
    assert.equal(summary?.status, 'error');
    const end = gw.store.events(id)?.at(-1);
    assert.ok(end?.type === 'end' && end.status === 'error');

    const status = await gw.refreshCompose();
    assert.equal(status.problem?.code, 'daemon-not-running');
    const health = gw.health().components;
    const docker = health.find((c) => c.name === 'docker');
    assert.equal(docker?.status, 'error');
    assert.match(docker?.reason ?? '', /daemon is not running/i);

    const next = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'are you there' }] }),
    });
    assert.equal(next.status, 503);
    const err = (await next.json()) as { error: { message: string; type: string } };
    assert.equal(err.error.type, 'server_error');
    assert.match(err.error.message, /docker/i);
    assert.equal(gw.runtime.livePids().length, 0, 'no docker client left running');
  });
});
