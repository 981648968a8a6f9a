import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { startTestGateway, type TestGateway, adminInit } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';
import { bash, plainAnswer, toolSteps, type ToolStep } from '../fixtures/scripts.ts';
import { toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';

/**
 * The policies for real: Claude Code's own sandbox (bubblewrap + socat, installed by scripts/system/40-sandbox.mjs),
 * the real binary against the scripted model, which issues the Bash commands and file tool calls each test asks for.
 */

interface StepResult { error: boolean; text: string }

/** What each tool step returned, from the model's last request (its history holds every tool_result). */
function stepResults(api: ScriptedAnthropic): StepResult[] {
  const last = api.mainRequests().at(-1);
  return (last?.messages ?? []).flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result').map((b) => ({ error: b.is_error === true, text: toolResultText(b) }))));
}

/** Runs the steps in a new chat (its own workspace folder), or in `chat` (X-OpenWebUI-Chat-Id) when given. */
async function runSteps(gw: TestGateway, steps: ToolStep[], chat?: string, model = 'sonnet'): Promise<{ content: string; results: StepResult[] }> {
  gw.api.setScript(toolSteps(steps));
  gw.api.requests.length = 0;
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 90_000 });
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `steps ${Math.random()}` }] }, chat ? { headers: { 'X-OpenWebUI-Chat-Id': chat } } : {});
  const results = stepResults(gw.api);
  assert.equal(results.length, steps.length, `every step ran: ${JSON.stringify(results)}`);
  return { content: r.choices[0].message.content ?? '', results };
}

function initTools(gw: TestGateway): string[] {
  const last = gw.services.store.list({ limit: 1 }).items[0];
  const init = gw.services.store.events(last.requestId)?.find((e) => e.type === 'init');
  assert.ok(init && init.type === 'init', 'the run reported its init');
  return init.tools;
}

/** Set by scripts/system/40-sandbox.mjs when bwrap works here (under CI=true its absence already failed the run). */
const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('sandboxed policy (DEFAULT_POLICY=auto with bubblewrap + socat present)', { skip: noSandbox }, () => {
  let gw: TestGateway;
  let outside: string;
  let projectSecret: string;

  before(async () => {
    outside = tmp('ccg-outside-');
    projectSecret = path.join(tmp('ccg-denied-'), 'token.txt');
    fs.writeFileSync(projectSecret, 'PROJECT-SECRET');
    gw = await startTestGateway({ script: plainAnswer('hi'), config: { DEFAULT_POLICY_DENY_READ: path.dirname(projectSecret) } });
    const ssh = path.join(gw.dataDir, 'home', '.ssh');
    fs.mkdirSync(ssh, { recursive: true });
    fs.writeFileSync(path.join(ssh, 'id_ed25519'), 'SSH-PRIVATE-KEY');
  });
  after(async () => {
    await gw.close();
    fs.rmSync(outside, { recursive: true, force: true });
    fs.rmSync(path.dirname(projectSecret), { recursive: true, force: true });
  });

  it('Health: the sandbox card says the dependencies are present and runs are sandboxed', async () => {
    const body = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { components: Array<{ name: string; status: string; details?: Record<string, unknown> }> };
    const health = body.components.find((c) => c.name === 'sandbox');
    assert.ok(health, 'on /health');
    assert.equal(health.status, 'ok', JSON.stringify(health));
    assert.equal(health.details?.defaultPolicy, 'sandboxed');
    assert.equal(health.details?.full, false);
    assert.match(String(health.details?.dependencies), /bwrap: \/.*bwrap, socat: \/.*socat/);
  });

  it('a Bash write outside the folder fails, inside succeeds; dangerouslyDisableSandbox changes nothing', async () => {
    const { results } = await runSteps(gw, [
      bash(`echo out > ${outside}/escaped.txt; echo rc=$?`),
      bash(`echo out > ${outside}/escaped2.txt; echo rc=$?`, { dangerouslyDisableSandbox: true }),
      bash('echo in > inside.txt && cat inside.txt && pwd'),
    ]);
    const folder = results[2].text.trim().split('\n').at(-1) ?? '';
    assert.match(results[0].text, /Read-only file system/);
    assert.match(results[0].text, /rc=1/);
    assert.ok(!fs.existsSync(path.join(outside, 'escaped.txt')));
    assert.ok(!fs.existsSync(path.join(outside, 'escaped2.txt')), `not written unsandboxed: ${results[1].text}`);
    assert.match(results[2].text, /^in\n/);
    assert.equal(path.dirname(folder), path.join(gw.config.claudeCwd, 'chats'), 'the run works in its chat workspace');
    assert.equal(fs.readFileSync(path.join(folder, 'inside.txt'), 'utf8'), 'in\n');
  });

  it('reads of secrets are denied to commands and file tools: ~/.ssh, a DEFAULT_POLICY_DENY_READ path, DATA_DIR', async () => {
    const { results } = await runSteps(gw, [
      bash('cat ~/.ssh/id_ed25519; echo rc=$?'),
      bash(`cat ${projectSecret}; echo rc=$?`),
      bash(`cat ${path.join(gw.dataDir, 'admin-token')}; echo rc=$?`),
      { name: 'Read', input: { file_path: path.join(gw.dataDir, 'home', '.ssh', 'id_ed25519') } },
      { name: 'Read', input: { file_path: path.join(gw.dataDir, 'admin-token') } },
    ]);
    const all = results.map((r) => r.text).join('\n');
    assert.doesNotMatch(all, /SSH-PRIVATE-KEY|PROJECT-SECRET/);
    assert.doesNotMatch(all, new RegExp(fs.readFileSync(path.join(gw.dataDir, 'admin-token'), 'utf8').trim()), 'the admin token');
    for (const r of results.slice(0, 3)) assert.match(r.text, /rc=1/);
    assert.ok(results[3].error && results[4].error, 'the Read tool is refused too');
  });

  it("commands reach neither the gateway nor the loopback model API (the same commands do under full); other hosts are refused", async () => {
    const direct = (url: string) => bash(`curl -sS -m 10 --noproxy '*' -o /dev/null -w 'code=%{http_code}' ${url}; echo " rc=$?"`);
    const proxied = (url: string) => bash(`curl -sS -m 10 --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w 'code=%{http_code}' ${url}; echo " rc=$?"`);
    // The attack works without the sandbox: a chat's command starts a run on the gateway (no key by default).
    const open = tmp('ccg-open-');
    gw.services.projects.add({ name: 'open', folder: open, policy: { mode: 'full' } });
    const unconfined = await runSteps(gw, [direct(`${gw.v1}/models`), direct('"$ANTHROPIC_BASE_URL/v1/models"')], undefined, 'sonnet@open');
    assert.match(unconfined.results[0].text, /code=200 rc=0/, `under full a command reaches the gateway: ${unconfined.results[0].text}`);
    assert.match(unconfined.results[1].text, /code=404 rc=0/, 'and the scripted model API');

    const { results, content } = await runSteps(gw, [
      direct(`${gw.v1}/models`),
      proxied(`${gw.v1}/models`),
      proxied('"$ANTHROPIC_BASE_URL/v1/models"'),
      proxied('http://blocked.invalid/'),
    ]);
    for (const r of results.slice(0, 3)) assert.doesNotMatch(r.text, /code=200|code=404/, r.text);
    assert.match(results[1].text, /code=403/, 'the gateway is refused by the sandbox proxy');
    assert.match(results[2].text, /code=403/, 'so is the loopback model API (every loopback port was open with it)');
    assert.match(results[3].text, /code=403/, 'refused by the sandbox proxy, never resolved');
    assert.match(content, /RESULTS:/, 'and Claude Code itself kept talking to the model');
    fs.rmSync(open, { recursive: true, force: true });
  });
});

describe('sandboxed policy through a spare process (CLAUDE_SPARE_PROCESSES=1)', { skip: noSandbox }, () => {
  let gw: TestGateway;
  let outside: string;
  before(async () => {
    outside = tmp('ccg-outside-');
    gw = await startTestGateway({ script: plainAnswer('hi'), config: { CLAUDE_SPARE_PROCESSES: 1 } });
  });
  after(async () => {
    await gw.close();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('a claimed spare is just as confined', async () => {
    await waitUntil(() => (gw.services.runtime.spares?.()?.bound ?? 0) > 0, { what: 'a spare bound to the default session', ms: 60_000 });
    const { results } = await runSteps(gw, [bash(`echo out > ${outside}/escaped.txt; echo rc=$?`), bash('echo in > spare-inside.txt && pwd')]);
    assert.equal(gw.services.runtime.spares?.()?.claims, 1, `served by a spare: ${JSON.stringify(gw.services.runtime.spares?.())}`);
    assert.match(results[0].text, /Read-only file system/);
    assert.ok(!fs.existsSync(path.join(outside, 'escaped.txt')));
    const folder = results[1].text.trim().split('\n').at(-1) ?? '';
    assert.ok(fs.existsSync(path.join(folder, 'spare-inside.txt')), `written in the spare's chat workspace: ${folder}`);
  });
});

describe('sandboxed policy without a usable sandbox', () => {
  it('bubblewrap hidden in a private mount namespace: Claude Code refuses with a clear error, nothing runs unconfined', { skip: noSandbox }, async () => {
    const claude = resolveClaudeBinary();
    assert.ok(claude);
    const dir = tmp('ccg-nobwrap-');
    const outside = tmp('ccg-outside-');
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    // Claude Code runs in its own mount namespace where bwrap is an empty, non-executable file.
    const wrapper = path.join(dir, 'claude-without-bwrap');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m sh -c 'mount --bind ${empty} "$(command -v bwrap)" && exec "$0" "$@"' ${claude} "$@"\n`, { mode: 0o755 });
    const gw = await startTestGateway({ script: toolSteps([bash(`echo out > ${outside}/escaped.txt`)]), config: { CLAUDE_PATH: wrapper, DEFAULT_POLICY: 'sandboxed' } });
    try {
      const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
      const err = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'write' }] }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, 502);
      assert.match(err.message, /[Ss]andbox required but unavailable.*bubblewrap/);
      assert.ok(!fs.existsSync(path.join(outside, 'escaped.txt')));
      assert.equal(gw.api.mainRequests().length, 0, 'the model was never asked: nothing ran');
    } finally {
      await gw.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  /** A PATH with every tool of /usr/bin and /bin but bwrap and socat. */
  function pathWithoutSandboxTools(): string {
    const dir = tmp('ccg-path-');
    for (const d of ['/usr/local/bin', '/usr/bin', '/bin']) {
      for (const name of fs.existsSync(d) ? fs.readdirSync(d) : []) {
        if (name === 'bwrap' || name === 'socat' || fs.existsSync(path.join(dir, name))) continue;
        fs.symlinkSync(path.join(d, name), path.join(dir, name));
      }
    }
    return dir;
  }

  it('explicit sandboxed with bwrap and socat missing: every run fails with 503 naming the install command; Health says so', async () => {
    const noTools = pathWithoutSandboxTools();
    const gw = await startTestGateway({ script: plainAnswer('should not run'), config: { DEFAULT_POLICY: 'sandboxed' }, claudeEnv: { PATH: noTools } });
    try {
      const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
      const err = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, 503);
      assert.equal(err.code, 'sandbox_unavailable');
      assert.match(err.message, /bubblewrap \(bwrap\) and socat are not installed — install with `apt-get install bubblewrap socat`.*never runs unconfined/);
      assert.equal(gw.api.requests.length, 0, 'Claude Code was not started');
      // Streamed: nothing has been sent yet, so the same 503 instead of a 200 stream carrying the error.
      const streamed = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }] }).then(async (s) => { for await (const _ of s) { /* drain */ } return null; }, (e: unknown) => e);
      assert.ok(streamed instanceof OpenAI.APIError, `a streamed request is refused before its stream: ${String(streamed)}`);
      assert.equal(streamed.status, 503);
      assert.equal(streamed.code, 'sandbox_unavailable');
      const health = gw.services.monitor.components().find((c) => c.name === 'sandbox');
      assert.equal(health?.status, 'error');
      assert.match(health?.reason ?? '', /Every run fails.*apt-get install bubblewrap socat/);
    } finally {
      await gw.close();
      fs.rmSync(noTools, { recursive: true, force: true });
    }
  });

  it('auto with them missing: full, flagged on Health with the install command', async () => {
    const noTools = pathWithoutSandboxTools();
    const gw = await startTestGateway({ script: plainAnswer('ok'), claudeEnv: { PATH: noTools } });
    try {
      const health = gw.services.monitor.components().find((c) => c.name === 'sandbox');
      assert.equal(health?.status, 'error');
      assert.equal(health?.details?.full, true);
      assert.match(health?.reason ?? '', /unconfined.*apt-get install bubblewrap socat/);
    } finally {
      await gw.close();
      fs.rmSync(noTools, { recursive: true, force: true });
    }
  });
});

describe('read-only policy (DEFAULT_POLICY=read-only)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi'), config: { DEFAULT_POLICY: 'read-only' } });
  });
  after(async () => gw.close());

  it('no command tool in the init tool list; Write and Bash are refused; reads in the folder work, outside do not', async () => {
    // The chat's first turn makes its workspace; the second reads a file put there.
    await runSteps(gw, [{ name: 'Glob', input: { pattern: '*' } }], 'ro-chat');
    const [workspace] = gw.services.workspaces.list();
    assert.ok(workspace, 'the chat has its workspace');
    const folder = workspace.folder;
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'READABLE');
    const { results } = await runSteps(gw, [
      { name: 'Write', input: { file_path: path.join(folder, 'new.txt'), content: 'x' } },
      bash('echo hi > bash.txt'),
      { name: 'Read', input: { file_path: path.join(folder, 'notes.txt') } },
      { name: 'Read', input: { file_path: '/etc/hostname' } },
    ], 'ro-chat');
    const tools = initTools(gw);
    assert.deepEqual([...tools].sort(), ['Glob', 'Grep', 'Read'], `only read tools: ${tools.join(',')}`);
    assert.ok(results[0].error && results[1].error, 'Write and Bash refused');
    assert.ok(!fs.existsSync(path.join(folder, 'new.txt')));
    assert.ok(!fs.existsSync(path.join(folder, 'bash.txt')));
    assert.match(results[2].text, /READABLE/);
    assert.ok(results[3].error, `outside the folder: ${results[3].text}`);
  });
});

describe('full policy (DEFAULT_POLICY=full)', () => {
  let gw: TestGateway;
  let outside: string;
  before(async () => {
    outside = tmp('ccg-outside-');
    gw = await startTestGateway({ script: plainAnswer('hi'), config: { DEFAULT_POLICY: 'full' } });
  });
  after(async () => {
    await gw.close();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("today's behaviour: commands write anywhere; Health flags it", async () => {
    const { results } = await runSteps(gw, [bash(`echo out > ${outside}/written.txt; echo rc=$?`)]);
    assert.match(results[0].text, /rc=0/);
    assert.equal(fs.readFileSync(path.join(outside, 'written.txt'), 'utf8'), 'out\n');
    assert.ok(initTools(gw).includes('Bash'));
    const health = gw.services.monitor.components().find((c) => c.name === 'sandbox');
    assert.equal(health?.details?.full, true);
    assert.match(health?.reason ?? '', /unconfined/);
  });
});
