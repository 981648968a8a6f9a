import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { createDockerRuntime, type DockerRuntime } from '../../main/claude/docker-runtime.ts';
import { SANDBOXED_PROJECT_POLICY, type Project } from '../../main/contract/projects.ts';
import { projectCwdMapper, projectMounts, projectsOverride, writeProjectsOverride } from '../../main/projects/docker-mounts.ts';
import { dockerSkip, forceRemoveProject, makeWorkspace, testCompose, uniqueProject } from '../fixtures/docker-env.ts';
import { startScriptedAnthropic, toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';

const project = (name: string, folder: string): Project => ({ name, folder, policy: SANDBOXED_PROJECT_POLICY });

describe('projects in the docker runtime: mapping and override', () => {
  it('maps a host cwd in a project folder to /projects/<name>, anything else to null', () => {
    const map = projectCwdMapper(() => [project('myrepo', '/home/me/src/myrepo'), project('docs', '/srv/docs')]);
    assert.equal(map('/home/me/src/myrepo'), '/projects/myrepo');
    assert.equal(map('/home/me/src/myrepo/pkg/a'), '/projects/myrepo/pkg/a');
    assert.equal(map('/srv/docs/'), '/projects/docs');
    assert.equal(map('/home/me/src/myrepo-other'), null, 'a sibling with the same prefix is not inside');
    assert.equal(map('/home/me/src'), null);
  });

  it('writes one bind mount per project for the compose service', () => {
    const parsed = JSON.parse(projectsOverride('claude', [project('myrepo', '/home/me/src/myrepo')])) as { services: { claude: { volumes: unknown[] } } };
    assert.deepEqual(parsed.services.claude.volumes, [{ type: 'bind', source: '/home/me/src/myrepo', target: '/projects/myrepo' }]);
    assert.deepEqual(JSON.parse(projectsOverride('claude', [])), { services: { claude: {} } });
  });

  it('lists the same mounts for translating settings paths (main/claude/docker-paths.ts)', () => {
    assert.deepEqual(projectMounts([project('myrepo', '/home/me/src/myrepo/')]), [{ host: '/home/me/src/myrepo', container: '/projects/myrepo' }]);
  });
});

const skip = dockerSkip();

describe('a project run inside the container (real engine, real Claude Code)', { skip: skip ?? undefined, timeout: 240_000 }, () => {
  let api: ScriptedAnthropic;
  let workspace = '';
  let repo = '';
  let home = '';
  let override = '';
  const composeProject = uniqueProject('proj');
  let compose: ReturnType<typeof testCompose>;
  let docker: DockerRuntime;

  before(async () => {
    api = await startScriptedAnthropic((_req, info) => {
      if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `OUT[${toolResultText(info.lastToolResults[0]).trim()}]` }] };
      return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'pwd && cat marker.txt' } }] };
    });
    workspace = makeWorkspace();
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-docker-repo-'));
    fs.chmodSync(repo, 0o755);
    fs.writeFileSync(path.join(repo, 'marker.txt'), 'mounted project\n', { mode: 0o644 });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-home-'));
    override = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-override-')), 'compose.projects.yaml');
    const projects = [project('myrepo', repo)];
    writeProjectsOverride(override, 'claude', projects);
    compose = testCompose({ project: composeProject, workspace, extraFiles: [override] });
    await compose.up({ timeoutMs: 120_000 });
    docker = createDockerRuntime({ compose, hostWorkspace: workspace, mapCwd: projectCwdMapper(() => projects), baseEnv: { ...process.env, ...claudeTestEnv(api.url, home) } });
  });

  after(async () => {
    await compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(composeProject);
    await api?.close();
    for (const d of [workspace, repo, home, override && path.dirname(override)]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('works in /projects/<name>, where the project folder is mounted', async () => {
    await docker.ready();
    const out: SDKMessage[] = [];
    for await (const m of docker.run({ messages: [{ role: 'user', content: 'where?' }], systemPrompt: null, model: 'sonnet', cwd: repo, allowedTools: ['Bash'], disallowedTools: [], permissionMode: 'default', maxTurns: 0, abortController: new AbortController() })) out.push(m);
    const init = out.find((m) => m.type === 'system' && m.subtype === 'init');
    assert.equal(init && 'cwd' in init ? init.cwd : null, '/projects/myrepo');
    const result = out.find((m) => m.type === 'result');
    assert.equal(result && result.type === 'result' && result.subtype === 'success' ? result.result : null, 'OUT[/projects/myrepo\nmounted project]');
  });
});
