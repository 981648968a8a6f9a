import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ComposeError, createComposeManager } from '../../main/compose/index.ts';
import { dockerCli, dockerDir, dockerSkip, forceRemoveProject, makeWorkspace, projectContainers, testCompose, uniqueProject } from '../fixtures/docker-env.ts';

const skip = dockerSkip();
const isCode = (code: string) => (err: unknown) => err instanceof ComposeError && err.code === code;

describe('compose manager without docker', () => {
  it('reports "docker not installed" with the install command when no docker is on PATH', async () => {
    const m = createComposeManager({ files: [path.join(dockerDir, 'compose.yaml')], project: 'ccg-test-nodocker', service: 'claude', image: 'x:latest', env: { PATH: '/nonexistent-ccg' } });
    const st = await m.status();
    assert.equal(st.overall, 'error');
    assert.equal(st.problem?.code, 'docker-not-installed');
    assert.match(st.problem?.fix ?? '', /install/i);
    await assert.rejects(m.up({ timeoutMs: 10_000 }), isCode('docker-not-installed'));
  });
});

describe('compose manager faults (real docker CLI / engine)', { skip }, () => {
  const cleanups: Array<() => void> = [];
  after(() => { for (const c of cleanups) c(); });

  it('daemon not running → status error naming the reason and the start command; up and runningContainer reject', async () => {
    const ws = makeWorkspace();
    cleanups.push(() => fs.rmSync(ws, { recursive: true, force: true }));
    const m = testCompose({ project: uniqueProject('nodaemon'), workspace: ws, env: { DOCKER_HOST: `unix://${os.tmpdir()}/ccg-no-daemon-here.sock` } });
    const st = await m.status();
    assert.equal(st.overall, 'error');
    assert.equal(st.problem?.code, 'daemon-not-running');
    assert.match(st.problem?.reason ?? '', /daemon is not running/);
    assert.match(st.problem?.fix ?? '', /systemctl start docker|open -a Docker|Docker Desktop/);
    assert.match(st.problem?.detail ?? '', /ccg-no-daemon-here\.sock|connect/i);
    await assert.rejects(m.up({ timeoutMs: 20_000 }), isCode('daemon-not-running'));
    await assert.rejects(m.runningContainer(), isCode('daemon-not-running'));
  });

  it('detects compose v2, falling back to v1', async () => {
    const m = testCompose({ project: uniqueProject('detect'), workspace: os.tmpdir() });
    const cli = await m.detect();
    const hasV2 = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
    assert.equal(cli.kind, hasV2 ? 'v2' : 'v1');
    assert.deepEqual(cli.argv, hasV2 ? ['docker', 'compose'] : ['docker-compose']);
    assert.match(cli.version, /^\d+\.\d+/);
  });

  it('image missing and its base image unreachable → up tries the build, fails naming why, nothing is created', async () => {
    const project = uniqueProject('noimage');
    const ws = makeWorkspace();
    cleanups.push(() => { forceRemoveProject(project); fs.rmSync(ws, { recursive: true, force: true }); });
    // No registry here: the real base image (node:…) cannot be pulled, as on a machine without network.
    const m = testCompose({ project, workspace: ws, image: 'ccg-test-missing-image:latest', env: { CCG_BASE_IMAGE: 'ccg-test-no-such-base:1' } });
    const before = await m.status();
    assert.equal(before.overall, 'stopped');
    assert.equal(before.problem?.code, 'image-missing');
    assert.match(before.problem?.reason ?? '', /not built yet: Up builds it/);
    assert.match(before.problem?.fix ?? '', /^DOCKER_IMAGE=ccg-test-missing-image:latest .*CCG_BASE_IMAGE=ccg-test-no-such-base:1 docker(?:-compose| compose) .*build claude$/);
    const lines: string[] = [];
    await assert.rejects(m.up({ timeoutMs: 30_000, onProgress: (e) => { if (e.type === 'line') lines.push(e.text); } }), (err: unknown) =>
      isCode('build-failed')(err) && /could not reach them/.test((err as ComposeError).reason) && /registry|no such host|pull access denied/i.test((err as ComposeError).detail ?? ''));
    assert.ok(lines.some((l) => /^Step 2\/\d+ : FROM \$\{BASE_IMAGE\}|^#\d+ \[internal\] load metadata/.test(l)), `the build's output came as progress: ${lines.join(' | ')}`);
    assert.equal(dockerCli(['image', 'inspect', 'ccg-test-missing-image:latest']).status, 1);
    assert.deepEqual(projectContainers(project), []);
  });

  it('unhealthy container → up rejects "unhealthy" with the logs/recreate fix; status says unhealthy', async () => {
    const project = uniqueProject('sick');
    const ws = makeWorkspace();
    const override = path.join(ws, 'sick.yaml');
    fs.writeFileSync(override, 'services:\n  claude:\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1\n');
    const m = testCompose({ project, workspace: ws, extraFiles: [override] });
    cleanups.push(() => { forceRemoveProject(project); fs.rmSync(ws, { recursive: true, force: true }); });
    await assert.rejects(m.up({ timeoutMs: 60_000 }), (err: unknown) => isCode('unhealthy')(err) && /logs claude/.test((err as ComposeError).fix));
    const st = await m.status();
    assert.equal(st.overall, 'unhealthy');
    assert.equal(st.problem?.code, 'unhealthy');
    await assert.rejects(m.runningContainer(), isCode('unhealthy'));
    await m.down({ removeVolumes: true });
    assert.deepEqual(projectContainers(project), []);
  });

  it('operations are cancellable and time out instead of hanging', async () => {
    const project = uniqueProject('cancel');
    const ws = makeWorkspace();
    cleanups.push(() => { forceRemoveProject(project); fs.rmSync(ws, { recursive: true, force: true }); });
    const m = testCompose({ project, workspace: ws });
    await m.detect();
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = m.up({ signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(pending, isCode('cancelled'));
    assert.ok(Date.now() - t0 < 10_000, 'cancel returns promptly');
    await assert.rejects(m.up({ timeoutMs: 150 }), isCode('timeout'));
    const st = await m.status({ timeoutMs: 1 });
    assert.equal(st.overall, 'error');
    assert.equal(st.problem?.code, 'timeout');
    await m.down({ removeVolumes: true });
  });
});
