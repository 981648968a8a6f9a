import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { LogLine } from '../../main/compose/index.ts';
import { dockerCli, dockerSkip, forceRemoveProject, makeWorkspace, processesMentioning, projectContainers, testCompose, uniqueProject } from '../fixtures/docker-env.ts';
import { waitUntil } from '../helpers/wait.ts';

const skip = dockerSkip();

describe('compose manager lifecycle (real engine)', { skip }, () => {
  const project = uniqueProject('life');
  let workspace = '';
  let compose: ReturnType<typeof testCompose>;

  before(() => {
    workspace = makeWorkspace();
    compose = testCompose({ project, workspace });
  });
  after(() => {
    forceRemoveProject(project);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('is stopped with no problem before up', async () => {
    const st = await compose.status();
    assert.equal(st.overall, 'stopped');
    assert.equal(st.problem, null);
    assert.deepEqual(st.services, []);
    assert.ok(st.compose, 'a compose CLI was detected');
  });

  it('up waits until healthy; ps, container settings and logs are right', async () => {
    const st = await compose.up({ timeoutMs: 120_000 });
    assert.equal(st.overall, 'running');
    const main = st.services.find((s) => s.service === 'claude');
    assert.ok(main, 'claude service listed');
    assert.equal(main.state, 'running');
    assert.equal(main.health, 'healthy');

    const again = await compose.status();
    assert.equal(again.overall, 'running');
    assert.equal(again.services.length, 1);
    assert.equal(projectContainers(project).length, 1);

    const id = await compose.runningContainer();
    assert.equal(id, main.containerId);
    const [info] = JSON.parse(dockerCli(['inspect', id]).stdout) as Array<{
      HostConfig: { Init: boolean; NetworkMode: string; PortBindings: Record<string, unknown> | null };
      Config: { Env: string[]; User: string };
    }>;
    assert.equal(info.HostConfig.Init, true, 'init: true (tini as PID 1)');
    assert.equal(info.HostConfig.NetworkMode, 'host');
    assert.deepEqual(info.HostConfig.PortBindings ?? {}, {}, 'nothing published (no 8888)');
    assert.ok(info.Config.Env.includes('MCP_OAUTH_CALLBACK_PORT=8888'));
    assert.equal(dockerCli(['exec', id, 'id', '-u']).stdout.trim(), '1000', 'claude runs as a non-root user');
    assert.match(dockerCli(['exec', id, 'claude', '--version']).stdout, /\d+\.\d+\.\d+ \(Claude Code\)/);
    // The workspace is the host folder.
    fs.writeFileSync(`${workspace}/from-host.txt`, 'hello');
    assert.equal(dockerCli(['exec', id, 'cat', '/workspace/from-host.txt']).stdout, 'hello');

    const lines: LogLine[] = [];
    let ended = false;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { unsub(); reject(new Error(`no ready line in logs: ${JSON.stringify(lines)}`)); }, 20_000);
      const unsub = compose.logs({
        tail: 50,
        onLine: (l) => {
          lines.push(l);
          if (/claude runtime ready: \d+\.\d+\.\d+/.test(l.text)) { clearTimeout(t); unsub(); resolve(); }
        },
        onEnd: () => { ended = true; },
      });
    });
    const ready = lines.find((l) => l.text.includes('claude runtime ready'));
    assert.equal(ready?.service, 'claude');
    assert.ok(!/\x1b/.test(ready?.text ?? ''), 'ANSI stripped');
    // The unsubscribe killed `compose logs`: once it is gone, its end has been seen and must not have been reported.
    const following = (): number[] => processesMentioning(project).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('logs');
      } catch {
        return false;
      }
    });
    await waitUntil(() => following().length === 0, { what: () => `the logs process to exit (left: ${following().join(', ')})` });
    assert.equal(ended, false, 'no onEnd after unsubscribe');
  });

  it('keeps the config volume across down/up and restart', async () => {
    const id = await compose.runningContainer();
    assert.equal(dockerCli(['exec', id, 'sh', '-c', 'mkdir -p ~/.claude && echo token-1 > ~/.claude/.credentials.json']).status, 0);
    await compose.down();
    assert.equal(projectContainers(project).length, 0);
    const st = await compose.status();
    assert.equal(st.overall, 'stopped');

    await compose.up();
    const id2 = await compose.runningContainer();
    assert.notEqual(id2, id, 'a new container');
    assert.equal(dockerCli(['exec', id2, 'cat', '/home/claude/.claude/.credentials.json']).stdout.trim(), 'token-1');

    const restarted = await compose.restart();
    assert.equal(restarted.overall, 'running');
    assert.equal(restarted.services[0]?.health, 'healthy');
  });

  it('down removes every container of the project (and its volumes on request)', async () => {
    await compose.down({ removeVolumes: true });
    assert.deepEqual(projectContainers(project), []);
    const vols = dockerCli(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).stdout.trim();
    assert.equal(vols, '');
    await assert.rejects(compose.runningContainer(), (err: { code?: string; fix?: string }) => err.code === 'not-running' && /up -d/.test(err.fix ?? ''));
  });
});
