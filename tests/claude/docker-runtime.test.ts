import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { createDockerRuntime, type DockerRuntime } from '../../main/claude/docker-runtime.ts';
import { containerCommand, containerCwd, containerEnv, createDockerSpawnHook, RUN_MARKER } from '../../main/claude/docker-spawn.ts';
import { createSdkRuntime } from '../../main/claude/local-runtime.ts';
import { ProcessTracker } from '../../main/claude/orphans.ts';
import type { ClaudeRuntime, RunSpec } from '../../main/claude/runtime.ts';
import { ComposeError } from '../../main/compose/index.ts';
import { loadConfig } from '../../main/config/load.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { startScriptedAnthropic, toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { dockerCli, dockerSkip, forceRemoveProject, makeWorkspace, testCompose, uniqueProject } from '../fixtures/docker-env.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';

const skip = dockerSkip();

function spec(workspace: string, ac = new AbortController(), prompt = 'compute fib'): RunSpec {
  return {
    messages: [{ role: 'user', content: prompt }],
    systemPrompt: null,
    model: 'sonnet',
    cwd: workspace,
    allowedTools: ['Bash'],
    disallowedTools: [],
    permissionMode: 'default',
    maxTurns: 0,
    abortController: ac,
  };
}

async function collect(rt: ClaudeRuntime, s: RunSpec): Promise<SDKMessage[]> {
  const out: SDKMessage[] = [];
  for await (const m of rt.run(s)) out.push(m);
  return out;
}

/** The conversation as the gateway sees it: assistant blocks, tool results, the result line (not timings/ids). */
function shape(msgs: SDKMessage[]): string[] {
  const out: string[] = [];
  for (const m of msgs) {
    if (m.type === 'assistant') {
      for (const b of m.message.content) out.push(b.type === 'text' ? `assistant:text:${b.text}` : b.type === 'tool_use' ? `assistant:tool_use:${b.name}:${JSON.stringify(b.input)}` : `assistant:${b.type}`);
    } else if (m.type === 'user') {
      const content = m.message.content;
      if (Array.isArray(content)) {
        for (const b of content) if (b.type === 'tool_result') out.push(`user:tool_result:${toolResultText(b as never).trim()}:${b.is_error ? 'error' : 'ok'}`);
      }
    } else if (m.type === 'result') out.push(`result:${m.subtype}:${m.subtype === 'success' ? m.result : ''}`);
  }
  return out;
}

/** Processes of Claude runs left in the container (the health probe `claude --version` is not one). */
function claudeProcesses(containerId: string): string[] {
  const ps = dockerCli(['exec', containerId, 'ps', '-o', 'pid,args']).stdout;
  return ps.split('\n').slice(1).filter((l) => /claude|sleep/.test(l) && !/--version|ps -o/.test(l)).map((l) => l.trim());
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('docker spawn mapping', () => {
  it('passes only Claude\'s own variables into the container, never host paths', () => {
    const env = containerEnv({
      ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1', CLAUDE_CODE_ENTRYPOINT: 'sdk-ts', CLAUDE_AGENT_SDK_VERSION: '1',
      MCP_OAUTH_CALLBACK_PORT: '8888', DISABLE_AUTOUPDATER: '1', HTTPS_PROXY: 'http://p',
      HOME: '/root', PATH: '/usr/bin', CLAUDE_CONFIG_DIR: '/tmp/x/.claude', GATEWAY_API_KEYS: 'secret', AWS_SECRET_ACCESS_KEY: 's', UNDEF: undefined,
    });
    assert.deepEqual(Object.keys(env).sort(), ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'CLAUDE_AGENT_SDK_VERSION', 'CLAUDE_CODE_ENTRYPOINT', 'DISABLE_AUTOUPDATER', 'HTTPS_PROXY', 'MCP_OAUTH_CALLBACK_PORT']);
  });

  it('replaces the host claude (binary or node + cli.js) with the container\'s and maps the workspace', () => {
    assert.deepEqual(containerCommand('/host/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude', ['--verbose', '-p']), ['claude', '--verbose', '-p']);
    assert.deepEqual(containerCommand('/usr/bin/node', ['/host/cli.js', '--verbose']), ['claude', '--verbose']);
    assert.equal(containerCwd('/data/ws', '/data/ws'), '/workspace');
    assert.equal(containerCwd('/data/ws/proj/a', '/data/ws'), '/workspace/proj/a');
    // A folder the container does not have is no reason to work in the shared root, where every chat's folder is.
    assert.equal(containerCwd('/elsewhere', '/data/ws'), null);
    assert.equal(containerCwd('/data/ws-other', '/data/ws'), null);
    assert.equal(containerCwd(undefined, '/data/ws', '/w'), '/w');
  });

  it('a run whose folder is not mounted in the container fails with the reason, never runs in /workspace', async () => {
    const stderr: string[] = [];
    const hook = createDockerSpawnHook({ container: async () => 'c0ffee', hostWorkspace: '/data/ws', dockerBin: '/nonexistent/docker', onStderr: (l) => stderr.push(l) });
    const p = hook({ command: '/host/claude', args: [], env: {}, cwd: '/data/elsewhere/chat', signal: new AbortController().signal });
    p.on('error', () => {});
    const [code] = await new Promise<[number | null, string | null]>((r) => p.once('exit', (c, s) => r([c, s])));
    assert.equal(code, 1);
    assert.match(stderr.join('\n'), /\/data\/elsewhere\/chat.*not mounted in the Claude container/);
  });
});

describe('docker runtime: Claude Code inside the compose container (real engine, real claude)', { skip }, () => {
  const project = uniqueProject('rt');
  let api: ScriptedAnthropic;
  let workspace = '';
  let home = '';
  let compose: ReturnType<typeof testCompose>;
  let docker: DockerRuntime;
  let local: ClaudeRuntime;
  let baseEnv: NodeJS.ProcessEnv;
  let gateway: Services | null = null;
  let dataDir = '';

  async function chat(content: string): Promise<{ status: number; body: { choices?: Array<{ message: { content: string } }>; error?: { message: string; code?: string } } }> {
    const res = await fetch(`${gateway?.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content }] }),
    });
    return { status: res.status, body: (await res.json()) as never };
  }

  before(async () => {
    api = await startScriptedAnthropic((req, info) => {
      const prompt = info.userTexts[0] ?? '';
      if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `The answer is ${toolResultText(info.lastToolResults[0]).trim()}.` }] };
      if (prompt.includes('sleep')) return { blocks: [{ type: 'text', text: 'Sleeping.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo started; sleep 30; echo woke' } }] };
      return { blocks: [{ type: 'text', text: 'Let me compute.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo fib-$((3+4))' } }] };
    });
    workspace = makeWorkspace();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-home-'));
    baseEnv = { ...process.env, ...claudeTestEnv(api.url, home) };
    compose = testCompose({ project, workspace });
    await compose.up({ timeoutMs: 120_000 });
    docker = createDockerRuntime({ compose, hostWorkspace: workspace, baseEnv, killGraceMs: 1_500 });
    local = createSdkRuntime({ kind: 'local', baseEnv });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-gw-'));
    const config = loadConfig({ DATA_DIR: dataDir } as NodeJS.ProcessEnv, {
      GATEWAY_PORT: 0, OAUTH_CALLBACK_PORT: 0, CLAUDE_CWD: workspace, CLAUDE_ALLOWED_TOOLS: 'Bash', CLAUDE_RUNTIME: 'docker', LOG_LEVEL: 'warn',
    });
    gateway = await buildServices(config, { runtime: docker, consoleLog: false });
    await gateway.start();
  });

  after(async () => {
    await gateway?.stop({ graceMs: 0 }).catch(() => {});
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(project);
    await api?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('an agentic run (text → Bash → result → final text) yields the same messages as the local runtime', async () => {
    await docker.ready();
    const inDocker = await collect(docker, spec(workspace));
    const onHost = await collect(local, spec(workspace));
    const expected = [
      'assistant:text:Let me compute.',
      'assistant:tool_use:Bash:{"command":"echo fib-$((3+4))"}',
      'user:tool_result:fib-7:ok',
      'assistant:text:The answer is fib-7.',
      'result:success:The answer is fib-7.',
    ];
    assert.deepEqual(shape(inDocker), expected);
    assert.deepEqual(shape(onHost), expected);
    // Same kinds of messages in the same order, token streaming included.
    const kinds = (ms: SDKMessage[]) => ms.filter((m) => m.type !== 'stream_event').map((m) => `${m.type}${'subtype' in m ? `:${String(m.subtype)}` : ''}`);
    assert.deepEqual(kinds(inDocker), kinds(onHost));
    assert.ok(inDocker.filter((m) => m.type === 'stream_event').length >= 5, 'partial messages stream from the container');
    const init = inDocker.find((m) => m.type === 'system' && m.subtype === 'init');
    assert.equal(init && 'cwd' in init ? init.cwd : null, '/workspace', 'the host workspace maps to the container workspace');
  });

  it('the gateway answers a chat completion through the docker runtime', async () => {
    const r = await chat('compute fib');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.choices?.[0]?.message.content ?? '', /The answer is fib-7\./);
  });

  it('cancelling mid-tool kills Claude and its tool inside the container', async () => {
    const id = await compose.runningContainer();
    const ac = new AbortController();
    const msgs: SDKMessage[] = [];
    let finished = false;
    const run = (async () => {
      try {
        for await (const m of docker.run(spec(workspace, ac, 'please sleep'))) msgs.push(m);
        return null;
      } catch (err) {
        return err;
      } finally {
        finished = true;
      }
    })();
    await waitFor(() => {
      if (finished) throw new Error(`the run ended before its tool ran: ${shape(msgs).join(' | ')}`);
      return claudeProcesses(id).some((l) => /^\d+ sleep 30$/.test(l));
    }, 30_000, 'sleep 30 running in the container');
    // Secrets are passed as `-e NAME` (value from the client env), never on the host command line.
    const clientPid = docker.livePids()[0];
    assert.ok(clientPid, 'a docker client is running');
    const cmdline = fs.readFileSync(`/proc/${clientPid}/cmdline`, 'utf8');
    assert.ok(cmdline.includes('ANTHROPIC_API_KEY') && !cmdline.includes('sk-test'), 'API key not on the command line');
    ac.abort();
    const ended = await run;
    assert.ok(ended === null || (ended instanceof Error && /abort/i.test(ended.message)), `the run ends as aborted: ${String(ended)}`);
    await waitFor(() => claudeProcesses(id).length === 0, 15_000, `no claude/sleep left in the container (left: ${claudeProcesses(id).join(' | ')})`);
    assert.deepEqual(claudeProcesses(id), []);
    await waitFor(() => docker.livePids().length === 0, 5_000, 'the docker client to exit');
    assert.ok(!shape(msgs).some((s) => s.startsWith('user:tool_result:') && s.includes('woke')), 'the tool never finished');
    assert.ok(!shape(msgs).some((s) => s.startsWith('result:')), 'no result after a cancel');
  });

  it('kill() reaches processes the run left in the background and ones that ignore SIGTERM', async () => {
    const id = await compose.runningContainer();
    // `sh` stands in for claude: a background child that stdin EOF would never stop, and a TERM-proof one.
    const hook = createDockerSpawnHook({ container: async () => id, hostWorkspace: workspace, containerClaude: 'sh', killGraceMs: 500 });
    const p = hook({ command: '/host/claude', args: ['-c', "sleep 301 & (trap '' TERM; sleep 302) & sleep 303"], env: {}, cwd: workspace, signal: new AbortController().signal });
    await waitFor(() => ['301', '302', '303'].every((n) => claudeProcesses(id).some((l) => l.endsWith(`sleep ${n}`))), 20_000, 'the three sleeps');
    const marked = dockerCli(['exec', id, 'sh', '-c', `grep -l ${RUN_MARKER}= /proc/[0-9]*/environ 2>/dev/null | wc -l`]).stdout.trim();
    assert.ok(Number(marked) >= 3, `run processes carry the marker (${marked})`);
    const exited = new Promise<[number | null, string | null]>((r) => p.once('exit', (code, sig) => r([code, sig])));
    assert.equal(p.kill('SIGTERM'), true);
    assert.deepEqual(await exited, [null, 'SIGTERM']);
    await waitFor(() => claudeProcesses(id).length === 0, 15_000, `all sleeps gone (left: ${claudeProcesses(id).join(' | ')})`);
    assert.equal(p.killed, true);
    assert.equal(hook.live().length, 0);
  });

  it('a run a dead gateway left in the container is stopped by the next start (ProcessTracker.reapContainerRuns)', async () => {
    const id = await compose.runningContainer();
    const trackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-track-'));
    const tracker = new ProcessTracker(trackDir);
    const tracked = createDockerRuntime({ compose, hostWorkspace: workspace, baseEnv, killGraceMs: 1_500, tracker });
    const run = collect(tracked, spec(workspace, new AbortController(), 'please sleep'));
    run.catch(() => {});
    try {
      await waitFor(() => claudeProcesses(id).some((l) => /^\d+ sleep 30$/.test(l)), 30_000, 'sleep 30 running in the container');
      const [entry] = fs.readdirSync(trackDir);
      assert.match(entry ?? '', /^run-[0-9a-f-]{36}$/);
      const kill = (c: string, r: string): Promise<number[]> => tracked.killContainerRun(c, r);
      assert.deepEqual(await tracker.reapContainerRuns(kill), [], 'a live run of this process is left alone');
      assert.ok(claudeProcesses(id).some((l) => /^\d+ sleep 30$/.test(l)));

      // As the next start sees it after a crash: the gateway that listed the run is gone.
      const file = path.join(trackDir, entry);
      const listed = JSON.parse(fs.readFileSync(file, 'utf8')) as { runId: string; container: string; owner: number };
      assert.equal(listed.container, id);
      fs.writeFileSync(file, JSON.stringify({ ...listed, owner: 2 ** 22 + 1 }));
      assert.deepEqual(await tracker.reapContainerRuns(kill), [listed.runId]);
      await waitFor(() => claudeProcesses(id).length === 0, 15_000, `no claude/sleep left in the container (left: ${claudeProcesses(id).join(' | ')})`);
      await assert.rejects(run);
      assert.deepEqual(fs.readdirSync(trackDir), []);
    } finally {
      fs.rmSync(trackDir, { recursive: true, force: true });
    }
  });

  it('a container killed mid-run ends the iterator with an error; ready() then names the fix', async () => {
    const id = await compose.runningContainer();
    const stderr: string[] = [];
    const run = collect(docker, { ...spec(workspace, new AbortController(), 'please sleep'), onStderr: (l) => stderr.push(l) });
    run.catch(() => {});
    await waitFor(() => claudeProcesses(id).some((l) => /^\d+ sleep 30$/.test(l)), 30_000, 'sleep 30 running in the container');
    assert.equal(dockerCli(['kill', id]).status, 0);
    await assert.rejects(run, (err: unknown) => err instanceof Error && /exited with code|terminated/.test(err.message));
    // The run's stderr says why, for the gateway's error message.
    assert.ok(stderr.some((l) => /container stopped during the run.*up -d/.test(l)), stderr.join('\n'));
    await assert.rejects(docker.ready(), (err: unknown) => err instanceof ComposeError && err.code === 'not-running' && /up -d/.test(err.fix));
    // …and the gateway turns that into a 503 that names the fix.
    const r = await chat('compute fib');
    assert.equal(r.status, 503);
    assert.match(r.body.error?.message ?? '', /not running.*up -d/);
  });
});
