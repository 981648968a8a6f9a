/**
 * The tray and the dashboard are two views of one compose operation (real engine, composition root): an Up from the
 * tray builds the missing image and /api/docker shows it (status `operation`, SSE `operation` + `progress` lines);
 * while it runs the dashboard is refused (409), and while the dashboard's Down runs the tray is. Quitting cancels a
 * build under way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ComposeBusyError } from '../../main/compose/index.ts';
import type { DockerActionResponse, DockerOperation, DockerProgress, DockerStatusResponse } from '../../main/contract/docker-api.ts';
import { servicesBackend, shellState, type ShellBackend } from '../../main/shell/backend.ts';
import type { ShellState } from '../../main/shell/tray-model.ts';
import { trayModel } from '../../main/shell/tray-model.ts';
import { dockerCli, dockerDir, dockerSkip, forceRemoveProject, makeWorkspace, processesMentioning, projectContainers, testBaseImage, uniqueProject } from '../fixtures/docker-env.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { waitUntil } from '../helpers/wait.ts';

const skip = dockerSkip();
const shell = { startAtLogin: false, startAtLoginSupported: false, keepRunningInTray: true, quitting: false };

describe('tray and /api/docker share one operation (real engine)', { skip, timeout: 240_000 }, () => {
  let dash: TestDashboard;
  let backend: ShellBackend;
  let project = '';
  let image = '';
  let ws = '';
  const envBefore = { ...process.env };
  const readers: SseReader[] = [];
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${dash.token}` });

  before(async () => {
    project = uniqueProject('shared');
    image = `ccg-test-built-${project}:latest`;
    ws = makeWorkspace();
    // Compose reads these from the environment the manager passes on: quick health probes, and the build starts
    // FROM the local stand-in base (a refresh value of its own keeps the install out of other tests' cache).
    Object.assign(process.env, { CCG_HEALTH_INTERVAL: '1s', CCG_BASE_IMAGE: testBaseImage(), CCG_CLAUDE_CODE_REFRESH: project });
    dash = await startTestDashboard({
      script: () => ({ blocks: [{ type: 'text', text: 'unused' }] }),
      config: {
        // the compose manager and its operations exist for the docker runtime only
        CLAUDE_RUNTIME: 'docker',
        COMPOSE_FILE: [path.join(dockerDir, 'compose.yaml'), path.join(dockerDir, 'compose.hostnet.yaml')].join(path.delimiter),
        COMPOSE_PROJECT: project,
        DOCKER_IMAGE: image,
        CLAUDE_CWD: ws,
      },
    });
    // As main/electron/main.ts builds it for CLAUDE_RUNTIME=docker: the operations come from the services.
    backend = servicesBackend(dash.services, { control: dash.control, compose: dash.services.compose });
  });

  after(async () => {
    for (const r of readers) r.close();
    await dash?.close();
    for (const k of ['CCG_HEALTH_INTERVAL', 'CCG_BASE_IMAGE', 'CCG_CLAUDE_CODE_REFRESH']) {
      if (envBefore[k] === undefined) delete process.env[k];
      else process.env[k] = envBefore[k];
    }
    if (project) forceRemoveProject(project);
    if (image) dockerCli(['image', 'rm', '-f', image]);
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  test('Up from the tray: the dashboard sees its build and its end; it cannot start another meanwhile', async () => {
    const events = await SseReader.open(`${dash.baseUrl}/api/docker/events`, auth());
    readers.push(events);
    // Every container line the tray showed, as its model is rebuilt on each change.
    const lines: Array<NonNullable<ShellState['container']>> = [];
    const off = backend.onChange(() => {
      const c = backend.container();
      if (c) lines.push(c);
    });

    const up = backend.containerUp();
    const st = (await (await dash.call('/api/docker/status')).json()) as DockerStatusResponse;
    const op = st.operation;
    assert.ok(op, 'the status names the running operation');
    assert.equal(op.action, 'up');
    assert.equal(op.origin, 'tray');
    assert.equal(op.state, 'running');
    const refused = await dash.call('/api/docker/restart', { method: 'POST' });
    assert.equal(refused.status, 409);
    assert.equal(((await refused.json()) as DockerActionResponse).operation.id, op.id);

    await up;
    off();
    await events.when(() => events.ofEvent<DockerOperation>('operation').some((o) => o.id === op.id && o.state === 'done'), 30_000);
    const progress = events.ofEvent<DockerProgress>('progress').filter((p) => p.operationId === op.id);
    assert.ok(progress.some((p) => p.text.includes('npm stand-in: installing @anthropic-ai/claude-code@')), `build lines reached the page: ${progress.map((p) => p.text).join('\n')}`);
    assert.ok(events.ofEvent<DockerOperation>('operation').some((o) => o.id === op.id && o.stage === 'building' && o.step), 'build steps reached the page');
    assert.ok(lines.some((c) => c.status === 'building' && /^step \d+\/\d+$/.test(c.detail ?? '')), `the tray showed the build: ${JSON.stringify(lines)}`);
    assert.match(trayModel(shellState(backend, shell)).menu.map((i) => (i.kind === 'item' ? i.label : '')).join('|'), /Container: running/);
    assert.equal(backend.container()?.status, 'running');

    // A page opened afterwards still gets the operation and its output.
    const late = await SseReader.open(`${dash.baseUrl}/api/docker/events`, auth());
    readers.push(late);
    await late.when(() => late.ofEvent<DockerProgress>('progress').length === progress.length, 20_000);
    assert.equal(late.ofEvent<DockerOperation>('operation')[0]?.id, op.id);
  });

  test('Down from the dashboard: the tray shows it and its own actions are refused until it ends', async () => {
    const res = await dash.call('/api/docker/down', { method: 'POST' });
    assert.equal(res.status, 202);
    const op = ((await res.json()) as DockerActionResponse).operation;
    assert.equal(op.origin, 'control');
    assert.deepEqual(backend.container(), { status: 'stopping' });
    const menu = trayModel(shellState(backend, shell)).menu;
    assert.ok(menu.some((i) => i.kind === 'item' && i.id === 'container.rebuild' && !i.enabled), 'tray actions are disabled meanwhile');
    await assert.rejects(backend.containerRebuild(), (err: unknown) => err instanceof ComposeBusyError && err.operation.id === op.id && /started from the dashboard/.test(err.reason));

    const ops = dash.services.composeOps;
    assert.ok(ops);
    const ended = await ops.idle();
    assert.equal(ended?.state, 'done');
    await backend.poll();
    assert.equal(backend.container()?.status, 'stopped');
    assert.deepEqual(projectContainers(project), []);
  });

  test('quitting the app cancels a Rebuild under way: no build process is left', async () => {
    // The stand-in npm now waits 300 s: the rebuild is mid-way when the app quits.
    process.env.CCG_BASE_IMAGE = testBaseImage(300);
    const ops = dash.services.composeOps;
    assert.ok(ops);
    const lines: string[] = [];
    const off = ops.on('progress', (l) => lines.push(l.text));
    const rebuild = backend.containerRebuild();
    await waitUntil(() => lines.some((l) => l.includes('npm stand-in: waiting')), { ms: 120_000, everyMs: 50, what: () => `the npm step to start: ${lines.join('\n')}` });
    off();
    assert.equal(backend.container()?.status, 'building');
    assert.ok(processesMentioning(project).length > 0);

    const stopServices = backend.quitHandlers(1_000)['stop-services'];
    assert.ok(stopServices);
    await stopServices(new AbortController().signal);
    await rebuild; // a cancelled operation is no failure to report
    assert.equal(ops.current()?.state, 'cancelled');
    assert.deepEqual(processesMentioning(project), [], 'no compose or build process outlives the app');
  });
});
