/**
 * The runtime image built through compose on the real engine. No registry is reachable, so the build starts FROM a
 * local stand-in of the Node base (tests/fixtures/docker-base: its npm "installs" the real claude binary and records
 * the version asked for); docker/Dockerfile and docker/compose.yaml are the shipped ones.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComposeBusyError, ComposeOperations, type ComposeManager } from '../../main/compose/index.ts';
import type { ComposeOperation, ComposeProgressLine } from '../../main/compose/types.ts';
import {
  bundledClaudeCodeVersion,
  dockerCli,
  dockerDir,
  dockerSkip,
  forceRemoveProject,
  makeWorkspace,
  processesMentioning,
  projectContainers,
  testBaseImage,
  testCompose,
  uniqueProject,
} from '../fixtures/docker-env.ts';
import { waitUntil } from '../helpers/wait.ts';

const skip = dockerSkip();

const until = (cond: () => boolean, ms: number, what: string): Promise<void> => waitUntil(cond, { ms, what, everyMs: 50 });

function record(ops: ComposeOperations): { ops: ComposeOperation[]; lines: ComposeProgressLine[] } {
  const seen = { ops: [] as ComposeOperation[], lines: [] as ComposeProgressLine[] };
  ops.on('operation', (o) => seen.ops.push(o));
  ops.on('progress', (l) => seen.lines.push(l));
  return seen;
}

const imageId = (ref: string): string | null => {
  const r = dockerCli(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return r.status === 0 ? r.stdout.trim() : null;
};

describe('runtime image pins', () => {
  it('compose.yaml and the Dockerfile pin the Claude Code the app bundles (same as the local runtime)', () => {
    const v = bundledClaudeCodeVersion();
    const compose = fs.readFileSync(path.join(dockerDir, 'compose.yaml'), 'utf8');
    const dockerfile = fs.readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
    assert.match(v, /^\d+\.\d+\.\d+$/);
    assert.equal(/CLAUDE_CODE_VERSION: \$\{CCG_CLAUDE_CODE_VERSION:-([^}]+)\}/.exec(compose)?.[1], v, 'compose.yaml build arg default');
    assert.equal(/^ARG CLAUDE_CODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1], v, 'Dockerfile ARG default');
    // The refresh arg comes after the slow apt layer, so a Rebuild re-runs only the Claude Code install.
    assert.ok(dockerfile.indexOf('ARG CLAUDE_CODE_REFRESH') > dockerfile.indexOf('apt-get install'));
    assert.ok(dockerfile.indexOf('ARG CLAUDE_CODE_REFRESH') < dockerfile.indexOf('npm install -g'));
  });
});

describe('image build through compose (real engine)', { skip, timeout: 300_000 }, () => {
  const project = uniqueProject('build');
  const image = `ccg-test-built-${project}:latest`;
  let ws = '';
  let compose: ComposeManager;
  let ops: ComposeOperations;

  before(() => {
    ws = makeWorkspace();
    // A refresh value of its own keeps this build out of the cache other tests' builds filled: the install runs.
    compose = testCompose({ project, workspace: ws, image, env: { CCG_BASE_IMAGE: testBaseImage(), CCG_CLAUDE_CODE_REFRESH: project } });
    ops = new ComposeOperations(compose);
  });
  after(() => {
    forceRemoveProject(project);
    dockerCli(['image', 'rm', '-f', image]);
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('Up with the image missing builds it, streaming the build as progress, then runs healthy; other actions wait', async () => {
    const st0 = await compose.status();
    assert.equal(st0.problem?.code, 'image-missing');
    const seen = record(ops);
    const up = ops.start('up', 'tray');
    await until(() => ops.current()?.stage === 'building', 60_000, 'the build starts');
    // While the image builds, nothing else may run: the same refusal the tray and the dashboard get.
    assert.throws(() => ops.start('rebuild'), (err: unknown) => err instanceof ComposeBusyError && err.operation.id === up.id);
    assert.throws(() => ops.start('down'), ComposeBusyError);

    const ended = await ops.idle();
    assert.equal(ended?.state, 'done', JSON.stringify(ended?.problem));
    const text = seen.lines.map((l) => l.text);
    assert.ok(text.some((t) => /^(?:Step \d+\/\d+ :|#\d+ \[\d+\/\d+\]) RUN npm install -g/.test(t)), `build steps in the progress: ${text.join('\n')}`);
    // (BuildKit, compose v2, prefixes a step's output with "#7 0.512 ": match within lines.)
    assert.ok(text.some((t) => t.endsWith(`npm stand-in: installing @anthropic-ai/claude-code@${bundledClaudeCodeVersion()}`)), 'the pinned version was installed');
    assert.ok(seen.lines.every((l, i) => l.operationId === up.id && l.seq === i + 1));
    // The operation went through its stages, with build steps while building.
    const stages = [...new Set(seen.ops.map((o) => o.stage))];
    assert.deepEqual(stages, [null, 'checking', 'building', 'starting', 'waiting-healthy']);
    assert.ok(seen.ops.some((o) => o.stage === 'building' && o.step !== null && /: step \d+\/\d+ \(/.test(o.phase)));

    const st = await compose.status();
    assert.equal(st.overall, 'running');
    const main = st.services.find((s) => s.service === 'claude');
    assert.equal(main?.health, 'healthy');
    assert.equal(main?.image, image);
    const id = await compose.runningContainer();
    assert.equal(dockerCli(['exec', id, 'cat', '/opt/claude-code/requested']).stdout.trim(), bundledClaudeCodeVersion());
    assert.equal(dockerCli(['exec', id, 'id', '-un']).stdout.trim(), 'claude', "the Dockerfile's user setup ran");
  });

  it('Rebuild installs Claude Code again (the newest: nothing pinned), makes a new image and recreates the container', async () => {
    const oldImage = imageId(image);
    const oldContainer = await compose.runningContainer();
    assert.ok(oldImage);
    // Logins live in the claude-config volume: a rebuild must keep them.
    assert.equal(dockerCli(['exec', oldContainer, 'sh', '-c', 'echo token > /home/claude/.claude/kept']).status, 0);
    const seen = record(ops);
    const ended = await ops.run('rebuild');
    assert.equal(ended.state, 'done', JSON.stringify(ended.problem));
    assert.match(ended.command, /CCG_CLAUDE_CODE_VERSION=latest CCG_CLAUDE_CODE_REFRESH=\$\(date \+%s\) .*build claude && .*up -d --force-recreate$/);

    const newImage = imageId(image);
    assert.ok(newImage && newImage !== oldImage, 'a new image');
    const newContainer = await compose.runningContainer();
    assert.notEqual(newContainer, oldContainer, 'the container was recreated');
    assert.equal(dockerCli(['inspect', '--format', '{{.Image}}', newContainer]).stdout.trim(), newImage, 'on the new image');
    assert.equal(dockerCli(['exec', newContainer, 'cat', '/opt/claude-code/requested']).stdout.trim(), 'latest');
    assert.equal(dockerCli(['exec', newContainer, 'cat', '/home/claude/.claude/kept']).stdout.trim(), 'token');
    const text = seen.lines.map((l) => l.text);
    assert.ok(text.some((t) => t.endsWith('npm stand-in: installing @anthropic-ai/claude-code@latest')));
    // The slow OS-package layer came from the cache; only the Claude Code install ran again.
    assert.ok(!text.some((t) => t.includes('apt-get (test stand-in)')), 'apt layer from the cache');
    assert.ok(text.some((t) => /Using cache|CACHED/.test(t)));
    assert.equal(imageId(oldImage), null, 'the replaced image (no tag, no container) is removed');
    assert.equal((await compose.status()).overall, 'running');
  });

  it('cancel during a build stops it: no build process or build container is left, no image, nothing created', async () => {
    const slowBase = testBaseImage(300);
    const slowProject = uniqueProject('buildcancel');
    const slowImage = `ccg-test-built-${slowProject}:latest`;
    const m = testCompose({ project: slowProject, workspace: ws, image: slowImage, env: { CCG_BASE_IMAGE: slowBase } });
    const slowOps = new ComposeOperations(m);
    const seen = record(slowOps);
    try {
      slowOps.start('up');
      // The build is in its npm step (the stand-in waits 300 s there): a build container runs in the daemon.
      await until(() => seen.lines.some((l) => l.text.includes('npm stand-in: waiting')), 120_000, 'the npm step runs');
      assert.ok(processesMentioning(slowProject).length > 0, 'the compose build runs');
      assert.ok(dockerCli(['ps', '-q', '--filter', `ancestor=${slowBase}`]).stdout.trim(), 'its build container runs');

      assert.equal(slowOps.cancel(), true);
      const ended = await slowOps.idle();
      assert.equal(ended?.state, 'cancelled');
      assert.equal(ended?.problem?.code, 'cancelled');
      assert.deepEqual(processesMentioning(slowProject), [], 'no compose process is left');
      assert.deepEqual(processesMentioning(slowImage), [], 'no docker build process is left');
      // The daemon drops the build once its client is gone (it kills and removes the step's container).
      await until(() => dockerCli(['ps', '-aq', '--filter', `ancestor=${slowBase}`]).stdout.trim() === '', 60_000, 'the build container is removed');
      assert.equal(imageId(slowImage), null);
      assert.deepEqual(projectContainers(slowProject), []);
      assert.equal(slowOps.busy(), false, 'the next operation may start');
    } finally {
      forceRemoveProject(slowProject);
      dockerCli(['image', 'rm', '-f', slowImage]);
    }
  });
});
