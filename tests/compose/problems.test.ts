import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFailed } from '../../main/compose/problems.ts';
import { classifyDockerError, parseBuildStep, parseLogLine } from '../../main/compose/index.ts';

const ctx = { compose: 'docker compose -p p -f /a/compose.yaml', service: 'claude', image: 'img:1', platform: 'linux' as const };

describe('docker error classification', () => {
  it('names the port and the command to find its owner', () => {
    const p = classifyDockerError('Error response from daemon: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:8888 failed: port is already allocated', ctx);
    assert.equal(p?.code, 'port-in-use');
    assert.match(p?.reason ?? '', /Port 8888/);
    assert.match(p?.fix ?? '', /lsof -nP -iTCP:8888/);
    const q = classifyDockerError('Error starting userland proxy: listen tcp4 0.0.0.0:8000: bind: address already in use', ctx);
    assert.equal(q?.code, 'port-in-use');
    assert.match(q?.fix ?? '', /8000/);
  });

  it('recognises daemon-down messages of docker, compose v1 and Windows', () => {
    for (const msg of [
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      "Couldn't connect to Docker daemon at http+docker://localhost - is it running?",
      'error during connect: This error may indicate that the docker daemon is not running.',
    ]) {
      const p = classifyDockerError(msg, ctx);
      assert.equal(p?.code, 'daemon-not-running', msg);
      assert.equal(p?.fix, 'sudo systemctl start docker');
    }
    assert.equal(classifyDockerError('Cannot connect to the Docker daemon', { ...ctx, platform: 'darwin' })?.fix, 'open -a Docker');
  });

  it('image pull failures become image-missing with the build command; permission errors are their own case', () => {
    const p = classifyDockerError('ERROR: pull access denied for img, repository does not exist or may require \'docker login\'', ctx);
    assert.equal(p?.code, 'image-missing');
    assert.equal(p?.reason, 'The runtime image img:1 is not built yet: Up builds it.');
    assert.equal(p?.fix, 'docker compose -p p -f /a/compose.yaml build claude');
    const q = classifyDockerError('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock', ctx);
    assert.equal(q?.code, 'permission-denied');
    assert.match(q?.fix ?? '', /usermod -aG docker/);
    assert.equal(classifyDockerError('something else entirely', ctx), null);
  });
});

describe('build failures', () => {
  it('a build that cannot download names the registries and keeps the output; others give the build command', () => {
    const offline = buildFailed(ctx, 'Step 2/11 : FROM ${BASE_IMAGE}\nGet "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host', 1);
    assert.equal(offline.code, 'build-failed');
    assert.match(offline.reason, /Docker Hub .* npm.* Check the network or proxy, then press Up again\.$/);
    assert.equal(offline.fix, 'docker compose -p p -f /a/compose.yaml build claude');
    assert.match(offline.detail ?? '', /no such host/);
    const npm = buildFailed(ctx, 'npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@anthropic-ai%2fclaude-code/-/claude-code-9.9.9.tgz', 1);
    assert.equal(npm.code, 'build-failed');
    assert.equal(npm.reason, 'Building the runtime image img:1 failed (exit 1).');
    assert.equal(npm.fix, 'docker compose -p p -f /a/compose.yaml build claude');
    // The daemon's own problems keep their codes and fixes.
    assert.equal(buildFailed(ctx, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 1).code, 'daemon-not-running');
  });
});

describe('build steps', () => {
  it('reads the step of classic (compose v1) and BuildKit plain (v2) output; other lines are none', () => {
    assert.deepEqual(parseBuildStep('Step 6/11 : RUN npm install -g "pkg@${V}"  && npm cache clean --force'), {
      index: 6, total: 11, instruction: 'RUN npm install -g "pkg@${V}" && npm cache clean --force',
    });
    assert.deepEqual(parseBuildStep('#7 [3/6] RUN apt-get update'), { index: 3, total: 6, instruction: 'RUN apt-get update' });
    assert.deepEqual(parseBuildStep('#9 [stage-0 4/6] RUN usermod -l claude'), { index: 4, total: 6, instruction: 'RUN usermod -l claude' });
    assert.equal(parseBuildStep('Step 12/11 : nonsense')?.index, undefined);
    assert.equal(parseBuildStep('#3 [internal] load metadata for docker.io/library/node:22-bookworm-slim'), null);
    assert.equal(parseBuildStep('#9 DONE 3.1s'), null);
    assert.equal(parseBuildStep(' ---> Running in 8bba751da8d9'), null);
    assert.match(parseBuildStep(`Step 1/2 : RUN ${'x'.repeat(200)}`)?.instruction ?? '', /^RUN x+…$/);
  });
});

describe('compose log lines', () => {
  it('strips the v2 erase-line prefix, ANSI colours and the service prefix of v1/v2', () => {
    assert.deepEqual(parseLogLine('\x1b[2Kclaude-1  | hello world', 'proj'), { service: 'claude', text: 'hello world' });
    assert.deepEqual(parseLogLine('claude_1  | v1 line', 'proj'), { service: 'claude', text: 'v1 line' });
    assert.deepEqual(parseLogLine('proj-claude-1  | old v2', 'proj'), { service: 'claude', text: 'old v2' });
    assert.deepEqual(parseLogLine('\x1b[36mclaude-1  |\x1b[0m \x1b[31mred\x1b[0m', 'proj'), { service: 'claude', text: 'red' });
    assert.deepEqual(parseLogLine('no prefix here', 'proj'), { service: '', text: 'no prefix here' });
    assert.deepEqual(parseLogLine('claude-1  | a | b', 'proj'), { service: 'claude', text: 'a | b' });
  });
});
