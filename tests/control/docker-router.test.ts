/**
 * `/api/docker` against the real docker engine (scripts/system/20-docker.mjs): mounted by the composition root behind
 * the control API's guard, actions answer 202 at once and report on SSE, logs stream the container's ready line
 * (ANSI stripped), down stops it; a daemon that is not running gives status `error` with the reason and the fix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { DockerActionResponse, DockerLogEnd, DockerOperation, DockerStatusResponse, LogLine } from '../../main/contract/docker-api.ts';
import { dockerRouter } from '../../main/control/docker-router.ts';
import { dockerDir, dockerSkip, forceRemoveProject, makeWorkspace, projectContainers, testCompose, testImage, uniqueProject } from '../fixtures/docker-env.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const skip = dockerSkip();
if (skip) console.log(`# docker-router tests skipped: ${skip}`);


describe('/api/docker on the composition root (real engine)', { skip, timeout: 120_000 }, () => {
  let dash: TestDashboard;
  let project: string;
  let ws: string;
  const readers: SseReader[] = [];
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${dash.token}` });

  before(async () => {
    project = uniqueProject('router');
    ws = makeWorkspace();
    // 1 s health probes (compose interpolates it from the environment the manager passes on): quick `up`.
    process.env.CCG_HEALTH_INTERVAL = '1s';
    dash = await startTestDashboard({
      script: () => ({ blocks: [{ type: 'text', text: 'unused' }] }),
      config: {
        // the compose manager (and /api/docker on it) exists for the docker runtime only
        CLAUDE_RUNTIME: 'docker',
        COMPOSE_FILE: [path.join(dockerDir, 'compose.yaml'), path.join(dockerDir, 'compose.hostnet.yaml')].join(path.delimiter),
        COMPOSE_PROJECT: project,
        DOCKER_IMAGE: testImage(),
        CLAUDE_CWD: ws,
      },
    });
  });

  after(async () => {
    for (const r of readers) r.close();
    await dash?.close();
    if (project) forceRemoveProject(project);
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  test('guarded like /api: no admin token → 401', async () => {
    const r = await fetch(`${dash.baseUrl}/api/docker/status`);
    assert.equal(r.status, 401);
  });

  test('up (202 + SSE progress) → running → logs SSE has the ready line → down → stopped', async () => {
    const before0 = (await (await dash.call('/api/docker/status')).json()) as DockerStatusResponse;
    assert.equal(before0.status.overall, 'stopped', JSON.stringify(before0.status.problem));
    assert.match(before0.commands.up, new RegExp(`-p ${project} .*up -d`));

    const events = await SseReader.open(`${dash.baseUrl}/api/docker/events`, auth());
    readers.push(events);
    assert.equal(events.status, 200);

    const t0 = Date.now();
    const up = await dash.call('/api/docker/up', { method: 'POST' });
    assert.equal(up.status, 202);
    assert.ok(Date.now() - t0 < 2_000, 'answers at once, not after the container is up');
    const op = ((await up.json()) as DockerActionResponse).operation;
    assert.equal(op.state, 'running');
    assert.match(op.command, /up -d/);
    // A second action while the first runs is refused with the running one.
    const busy = await dash.call('/api/docker/down', { method: 'POST' });
    assert.equal(busy.status, 409);
    assert.equal(((await busy.json()) as DockerActionResponse).operation.id, op.id);

    await events.when(() => events.ofEvent<DockerOperation>('operation').some((o) => o.id === op.id && o.state !== 'running'), 90_000);
    const ended = events.ofEvent<DockerOperation>('operation').filter((o) => o.id === op.id).at(-1);
    assert.equal(ended?.state, 'done', JSON.stringify(ended?.problem));
    await events.when(() => events.ofEvent<DockerStatusResponse>('status').some((s) => s.status.overall === 'running'), 20_000);

    const st = (await (await dash.call('/api/docker/status')).json()) as DockerStatusResponse;
    assert.equal(st.status.overall, 'running');
    assert.equal(st.status.services.find((s) => s.service === 'claude')?.state, 'running');
    assert.equal(st.operation?.state, 'done');

    const logs = await SseReader.open(`${dash.baseUrl}/api/docker/logs?tail=50`, auth());
    readers.push(logs);
    assert.equal(logs.status, 200);
    await logs.when(() => logs.ofEvent<LogLine>('line').some((l) => /claude runtime ready: \d+\.\d+\.\d+/.test(l.text)), 20_000);
    const ready = logs.ofEvent<LogLine>('line').find((l) => l.text.includes('claude runtime ready'));
    assert.equal(ready?.service, 'claude');
    assert.ok(!/\x1b/.test(JSON.stringify(logs.ofEvent<LogLine>('line'))), 'ANSI stripped');
    logs.close();

    const down = await dash.call('/api/docker/down', { method: 'POST' });
    assert.equal(down.status, 202);
    const downOp = ((await down.json()) as DockerActionResponse).operation;
    await events.when(() => events.ofEvent<DockerOperation>('operation').some((o) => o.id === downOp.id && o.state !== 'running'), 60_000);
    assert.equal(events.ofEvent<DockerOperation>('operation').filter((o) => o.id === downOp.id).at(-1)?.state, 'done');
    const after1 = (await (await dash.call('/api/docker/status')).json()) as DockerStatusResponse;
    assert.equal(after1.status.overall, 'stopped');
    assert.deepEqual(projectContainers(project), []);
    events.close();
  });

  test('logs of a project without a container end with `end`, not a hanging stream', async () => {
    const logs = await SseReader.open(`${dash.baseUrl}/api/docker/logs`, auth());
    readers.push(logs);
    await logs.when(() => logs.frames.some((f) => f.event === 'end'), 20_000);
    const bad = await dash.call('/api/docker/logs?tail=abc');
    assert.equal(bad.status, 400);
  });
});

describe('/api/docker when the daemon is not running (real docker CLI)', { skip, timeout: 60_000 }, () => {
  let server: http.Server;
  let base: string;
  let ws: string;

  before(async () => {
    ws = makeWorkspace();
    const compose = testCompose({ project: uniqueProject('router-nodaemon'), workspace: ws, env: { DOCKER_HOST: `unix://${os.tmpdir()}/ccg-no-daemon-router.sock` } });
    const app = express();
    app.use('/api/docker', dockerRouter({ compose, runtime: () => 'docker' }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/docker`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  test('status is error with the reason and the command that fixes it; up fails with the same problem', async () => {
    const st = (await (await fetch(`${base}/status`)).json()) as DockerStatusResponse;
    assert.equal(st.status.overall, 'error');
    assert.equal(st.status.problem?.code, 'daemon-not-running');
    assert.match(st.status.problem?.reason ?? '', /daemon is not running/);
    assert.match(st.status.problem?.fix ?? '', /systemctl start docker|open -a Docker|Docker Desktop/);

    const events = await SseReader.open(`${base}/events`, {});
    try {
      const up = await fetch(`${base}/up`, { method: 'POST' });
      assert.equal(up.status, 202);
      const op = ((await up.json()) as DockerActionResponse).operation;
      await events.when(() => events.ofEvent<DockerOperation>('operation').some((o) => o.id === op.id && o.state === 'failed'), 30_000);
      const failed = events.ofEvent<DockerOperation>('operation').filter((o) => o.id === op.id).at(-1);
      assert.equal(failed?.problem?.code, 'daemon-not-running');
      assert.ok(failed?.problem?.fix, 'names the fix');
    } finally {
      events.close();
    }
    // The log stream ends with the daemon problem instead of hanging.
    const logs = await SseReader.open(`${base}/logs`, {});
    try {
      await logs.when(() => logs.frames.some((f) => f.event === 'end'), 20_000);
      const end = logs.ofEvent<DockerLogEnd>('end')[0];
      assert.ok(end.problem, 'a reason');
    } finally {
      logs.close();
    }
  });
});
