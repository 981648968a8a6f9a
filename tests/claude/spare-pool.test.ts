import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import OpenAI from 'openai';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { createSdkRuntime } from '../../main/claude/local-runtime.ts';
import { ProcessTracker } from '../../main/claude/orphans.ts';
import type { ClaudeRuntime, RunSpec } from '../../main/claude/runtime.ts';
import { SparePool, type SparePoolOptions, type SpareProfile } from '../../main/claude/spare-pool.ts';
import { CLIENT_TOOL_SERVER, type ToolTurn } from '../../main/claude/client-tool-endpoint.ts';
import type { LoginEvent } from '../../main/contract/mcp-api.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { addFixtureServer, callSecretTool } from '../fixtures/oauth-setup.ts';
import { startScriptedAnthropic, type MessagesRequest, type ScriptedAnthropic, type Script } from '../fixtures/scripted-anthropic.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil as waitFor } from '../helpers/wait.ts';

const PROFILE: SpareProfile = { allowedTools: ['Bash', 'Read'], disallowedTools: [], maxTurns: 0 };

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function processesMatching(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

const waitUntil = (cond: () => boolean, ms: number, what: string): Promise<void> => waitFor(cond, { ms, what, everyMs: 50 });

/** PIDs of spares (started with --await-claim) whose environment mentions marker (their HOME is under it). */
function sparePids(marker: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('--await-claim') && fs.readFileSync(`/proc/${d}/environ`, 'utf8').includes(marker)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function systemText(req: MessagesRequest): string {
  return typeof req.system === 'string' ? req.system : (req.system ?? []).map((b) => b.text).join('\n');
}

function answerText(messages: SDKMessage[]): string {
  const r = messages.find((m) => m.type === 'result');
  return r && r.type === 'result' && r.subtype === 'success' ? r.result : '';
}

/** A scripted model, a temp folder holding `workspace/` (the runs' cwd) and `home/`, a cold runtime and a pool on them. */
interface PoolSetup {
  api: ScriptedAnthropic;
  home: string;
  cwd: string;
  coldRuntime: ClaudeRuntime;
  /** Not started yet: the caller starts it when its test wants. */
  pool: SparePool;
  /** Ends the pool and the model and removes the folder. */
  close(): Promise<void>;
}

async function poolOnScriptedModel(
  name: string,
  script: Script,
  options: (cwd: string, home: string) => Omit<SparePoolOptions, 'profile' | 'baseEnv' | 'binary'>,
  apiOpts: { keepRequests?: number } = {},
): Promise<PoolSetup> {
  const api = await startScriptedAnthropic(script, apiOpts);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `ccg-spare-${name}-`));
  const cwd = path.join(home, 'workspace');
  fs.mkdirSync(cwd);
  const baseEnv = { ...process.env, ...claudeTestEnv(api.url, path.join(home, 'home')) };
  const pool = new SparePool({ profile: PROFILE, baseEnv, binary: resolveClaudeBinary(), ...options(cwd, home) });
  return {
    api, home, cwd, pool,
    coldRuntime: createSdkRuntime({ kind: 'local', baseEnv }),
    async close() {
      await pool.close();
      await api.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

describe('SparePool: pre-started Claude Code processes (real binary, scripted model)', () => {
  let api: ScriptedAnthropic;
  let home: string;
  let cwd: string;
  let setup: PoolSetup;
  let coldRuntime: ClaudeRuntime;
  let pool: SparePool;
  let coldStarts = 0;

  const spec = (over: Partial<RunSpec> = {}): RunSpec => ({
    messages: [{ role: 'user', content: 'run it' }],
    systemPrompt: 'Answer like a pirate.',
    model: 'sonnet',
    cwd,
    allowedTools: PROFILE.allowedTools,
    disallowedTools: PROFILE.disallowedTools,
    permissionMode: 'default',
    maxTurns: 0,
    abortController: new AbortController(),
    ...over,
  });
  /** Through the pool when it can, else cold — exactly what the runtime does. */
  const run = (s: RunSpec): { warm: boolean; stream: AsyncIterable<SDKMessage> } => {
    const cold = (): AsyncIterable<SDKMessage> => {
      coldStarts++;
      return coldRuntime.run(s);
    };
    const warm = pool.tryClaim(s, cold);
    return { warm: warm !== null, stream: warm ?? cold() };
  };
  const collect = async (stream: AsyncIterable<SDKMessage>): Promise<SDKMessage[]> => {
    const out: SDKMessage[] = [];
    for await (const m of stream) out.push(m);
    return out;
  };

  before(async () => {
    setup = await poolOnScriptedModel('parked', bashThenAnswer(), () => ({ size: 1 }));
    ({ api, home, cwd, coldRuntime, pool } = setup);
    pool.start();
    await waitUntil(() => pool.stats().parked === 1, 60_000, 'the first spare to park');
  });

  after(async () => {
    await setup.close();
  });

  it('leaves ineligible runs (resume, extra env, no tools) to a cold start without touching the spare', () => {
    const cold = (): AsyncIterable<SDKMessage> => { throw new Error('not called'); };
    assert.equal(pool.tryClaim(spec({ resumeSessionId: '00000000-0000-4000-8000-000000000000' }), cold), null);
    assert.equal(pool.tryClaim(spec({ env: { FOO: '1' } }), cold), null);
    assert.equal(pool.tryClaim(Object.assign(spec(), { tools: [] }), cold), null, 'a run without tools (background task)');
    assert.equal(pool.stats().parked, 1);
    assert.equal(pool.stats().claims, 0);
  });

  it('a claimed spare answers exactly like a cold run, tools and system prompt included', async () => {
    const warmPid = pool.parkedPids()[0];
    const first = api.requests.length;
    const w = run(spec());
    assert.ok(w.warm, 'a parked spare was claimed');
    const warmMsgs = await collect(w.stream);
    const warmReqs = api.requests.slice(first).filter((r) => r.tools?.length);
    assert.equal(coldStarts, 0, 'no cold start behind the warm run');
    assert.equal(pool.stats().claims, 1);

    const mid = api.requests.length;
    const c = coldRuntime.run(spec());
    const coldMsgs = await collect(c);
    const coldReqs = api.requests.slice(mid).filter((r) => r.tools?.length);

    assert.equal(answerText(warmMsgs), 'The command printed fib-7. Done.');
    assert.equal(answerText(warmMsgs), answerText(coldMsgs));
    assert.equal(warmReqs.length, 2, 'tool call + answer after the tool really ran');
    assert.equal(warmReqs.length, coldReqs.length);
    assert.deepEqual(warmReqs[0].tools?.map((t) => t.name).sort(), coldReqs[0].tools?.map((t) => t.name).sort());
    assert.ok(systemText(warmReqs[0]).includes('Answer like a pirate.'), 'the request system prompt is appended on claim');
    assert.equal(systemText(warmReqs[0]).length, systemText(coldReqs[0]).length, 'same system prompt as a cold run');
    assert.equal(warmReqs[0].model, coldReqs[0].model, 'the claim sets the model');
    const init = warmMsgs.find((m) => m.type === 'system' && m.subtype === 'init');
    assert.ok(init && init.type === 'system' && init.subtype === 'init' && init.cwd === fs.realpathSync(cwd), 'the session runs in the claimed cwd');
    assert.equal(warmMsgs.filter((m) => m.type === 'result').length, 1);
    assert.ok(warmMsgs.some((m) => m.type === 'stream_event'), 'token deltas stream from a spare too');
    assert.ok(!groupAlive(warmPid), 'the claimed process went away with its run');
  });

  it('refills after a claim', async () => {
    await waitUntil(() => pool.stats().parked === 1, 60_000, 'a replacement spare');
    const pid = pool.parkedPids()[0];
    assert.ok(pid && groupAlive(pid));
    assert.deepEqual(pool.activePids(), []);
  });

  it('a refused claim falls back to a cold start with one clean session', async () => {
    // Project settings that set `model` make Claude Code refuse the claim (project_settings_not_claimable).
    const picky = path.join(home, 'picky');
    fs.mkdirSync(path.join(picky, '.claude'), { recursive: true });
    fs.writeFileSync(path.join(picky, '.claude', 'settings.json'), JSON.stringify({ model: 'haiku' }));
    const before = { ...pool.stats() };
    const coldBefore = coldStarts;
    const r = run(spec({ cwd: picky }));
    assert.ok(r.warm, 'the pool tried its spare');
    const msgs = await collect(r.stream);
    assert.equal(coldStarts, coldBefore + 1, 'the cold path ran');
    assert.equal(pool.stats().fallbacks, before.fallbacks + 1);
    assert.equal(pool.stats().claims, before.claims);
    assert.match(pool.stats().lastError ?? '', /not_claimable|not_claimed|refus/i);
    assert.equal(answerText(msgs), 'The command printed fib-7. Done.');
    assert.equal(msgs.filter((m) => m.type === 'system' && m.subtype === 'init').length, 1, 'nothing of the refused claim leaks');
    assert.equal(msgs.filter((m) => m.type === 'result').length, 1);
    await waitUntil(() => pool.stats().parked === 1, 60_000, 'a replacement spare after the refusal');
  });

  it('cancelling a claimed run kills its whole process group', async () => {
    api.setScript(bashThenAnswer('timeout 27.1828 tail -f /dev/null'));
    const s = spec();
    const r = run(s);
    assert.ok(r.warm);
    const done = collect(r.stream).catch(() => []);
    await waitUntil(() => processesMatching('27.1828 tail').length > 0, 30_000, 'the tool to start');
    const pids = pool.activePids();
    assert.equal(pids.length, 1, 'the claimed process is reported as a live run');
    s.abortController.abort('cancelled');
    await waitUntil(() => processesMatching('27.1828 tail').length === 0 && !groupAlive(pids[0]), 3_000, 'the process tree to die');
    await done;
    assert.deepEqual(pool.activePids(), []);
    api.setScript(bashThenAnswer());
  });

  it('close() leaves no process and no parking directory behind', async () => {
    await waitUntil(() => pool.stats().parked === 1, 60_000, 'a parked spare');
    const pids = pool.parkedPids();
    assert.equal(pids.length, 1);
    assert.deepEqual(sparePids(home), pids, 'the parked spare is the only Claude process of this test');
    await pool.close();
    for (const pid of pids) assert.ok(!groupAlive(pid), `process group ${pid} is gone`);
    assert.deepEqual(sparePids(home), []);
    const spares = path.join(home, 'home', '.claude', 'spares');
    await waitUntil(() => !fs.existsSync(spares) || fs.readdirSync(spares).length === 0, 3_000, 'parking directories to be removed');
    const cold = (): AsyncIterable<SDKMessage> => { throw new Error('not called'); };
    assert.equal(pool.tryClaim(spec(), cold), null, 'a closed pool claims nothing');
  });
});

describe('SparePool with an expected session: spares bound ahead of time', () => {
  let api: ScriptedAnthropic;
  let setup: PoolSetup;
  let cwd: string;
  let coldRuntime: ClaudeRuntime;
  let pool: SparePool;
  let coldStarts = 0;
  let callsWhileBinding = -1;
  const PIRATE = 'Answer like a pirate.';

  const spec = (over: Partial<RunSpec> = {}): RunSpec => ({
    messages: [{ role: 'user', content: 'run it' }],
    systemPrompt: PIRATE,
    model: 'sonnet',
    cwd,
    allowedTools: PROFILE.allowedTools,
    disallowedTools: PROFILE.disallowedTools,
    permissionMode: 'default',
    maxTurns: 0,
    abortController: new AbortController(),
    ...over,
  });
  const run = async (s: RunSpec): Promise<{ served: boolean; messages: SDKMessage[]; requests: MessagesRequest[] }> => {
    const colds = coldStarts;
    const first = api.requests.length;
    const stream = pool.tryClaim(s, () => { coldStarts++; return coldRuntime.run(s); }) ?? (coldStarts++, coldRuntime.run(s));
    const messages: SDKMessage[] = [];
    for await (const m of stream) messages.push(m);
    return { served: coldStarts === colds, messages, requests: api.requests.slice(first).filter((r) => r.tools?.length) };
  };

  before(async () => {
    setup = await poolOnScriptedModel('bound', bashThenAnswer(), (folder) => ({ size: 1, expect: { cwd: folder, permissionMode: 'default', model: 'sonnet', systemPrompt: PIRATE } }));
    ({ api, cwd, coldRuntime, pool } = setup);
    pool.start();
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'a spare bound to the expected session');
    callsWhileBinding = api.auths.length;
  });

  after(async () => {
    await setup.close();
  });

  it('a matching run only sends its prompt, on the model it asks for', async () => {
    const [pid] = pool.parkedPids();
    const r = await run(spec({ model: 'opus' }));
    assert.ok(r.served, 'served by the bound spare');
    assert.equal(answerText(r.messages), 'The command printed fib-7. Done.');
    assert.equal(r.requests.length, 2);
    assert.match(r.requests[0].model, /opus/, 'the model was switched for this run');
    assert.ok(systemText(r.requests[0]).includes(PIRATE));
    const init = r.messages.find((m) => m.type === 'system' && m.subtype === 'init');
    assert.ok(init && init.type === 'system' && init.subtype === 'init' && init.cwd === fs.realpathSync(cwd) && /opus/.test(init.model));
    assert.equal(pool.stats().claims, 1);
    assert.ok(!groupAlive(pid), 'the bound process went away with its run');
  });

  it('a bound spare is warmed without any model call, and its first model request is a cold start\'s', async () => {
    assert.equal(callsWhileBinding, 0, 'starting, binding and warming the spare called no model API (count_tokens included)');
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'the replacement spare');
    const warm = await run(spec());
    assert.ok(warm.served, 'served by the bound spare');
    const cold = await run({ ...spec(), env: { CCG_TEST_COLD: '1' } });
    assert.ok(!cold.served, 'a run with its own env starts cold');
    assert.equal(warm.requests.length, cold.requests.length);
    assert.equal(systemText(warm.requests[0]), systemText(cold.requests[0]), 'the same system prompt, byte for byte');
    assert.deepEqual(warm.requests[0].tools?.map((t) => t.name), cold.requests[0].tools?.map((t) => t.name));
    assert.equal(JSON.stringify(warm.requests[0].messages), JSON.stringify(cold.requests[0].messages), 'the same context and prompt');
  });

  it('a run for another system prompt starts cold, and the next spares are bound to it', async () => {
    const POET = 'Answer like a poet.';
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'the replacement spare');
    const [stale] = pool.parkedPids();
    const first = await run(spec({ systemPrompt: POET }));
    assert.ok(!first.served, 'nothing was bound to this session yet');
    assert.equal(answerText(first.messages), 'The command printed fib-7. Done.');
    await waitUntil(() => !groupAlive(stale) && pool.stats().bound === 1, 60_000, 'the stale spare to be replaced');
    const second = await run(spec({ systemPrompt: POET }));
    assert.ok(second.served, 'the rebound spare served the run');
    assert.ok(systemText(second.requests[0]).includes(POET));
    assert.ok(!systemText(second.requests[0]).includes(PIRATE));
    assert.equal(answerText(second.messages), 'The command printed fib-7. Done.');
  });

  it('a run with another tool set (an MCP server was added) starts cold, and the next spares start with it', async () => {
    const POET = 'Answer like a poet.';
    const tools = [...PROFILE.allowedTools, 'mcp__notes'];
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'a bound spare');
    const [stale] = pool.parkedPids();
    const first = await run(spec({ systemPrompt: POET, allowedTools: tools }));
    assert.ok(!first.served, 'no spare was started with these tools');
    await waitUntil(() => !groupAlive(stale) && pool.stats().bound === 1, 60_000, 'a spare with the new tools');
    const fresh = pool.parkedPids()[0];
    assert.match(fs.readFileSync(`/proc/${fresh}/cmdline`, 'utf8'), /mcp__notes/, 'the new spare allows the added tool');
    const second = await run(spec({ systemPrompt: POET, allowedTools: tools }));
    assert.ok(second.served);
    assert.equal(answerText(second.messages), 'The command printed fib-7. Done.');
  });
});

describe('SparePool: spares listed with the client tools new chats keep bringing', () => {
  let api: ScriptedAnthropic;
  let setup: PoolSetup;
  let cwd: string;
  let coldRuntime: ClaudeRuntime;
  let pool: SparePool;
  let coldStarts = 0;

  const turnWith = (names: string[]): ToolTurn => ({
    tools: names.map((name) => ({ name, description: `The ${name} function.`, inputSchema: { type: 'object', properties: { q: { type: 'string' } } } })),
    call: () => Promise.resolve({ content: [{ type: 'text', text: 'done' }] }),
  });
  const spec = (tools: ToolTurn | undefined): RunSpec => ({
    messages: [{ role: 'user', content: 'hello' }], systemPrompt: null, model: 'sonnet', cwd,
    allowedTools: PROFILE.allowedTools, disallowedTools: PROFILE.disallowedTools, permissionMode: 'default', maxTurns: 0,
    abortController: new AbortController(), ...(tools ? { clientTools: tools } : {}),
  });
  /** One run through the pool (cold when it has no spare for it): whether a spare served it, and its model's client tools. */
  const run = async (tools: ToolTurn | undefined): Promise<{ served: boolean; clientTools: string[] }> => {
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'a bound spare');
    const colds = coldStarts;
    const first = api.requests.length;
    const s = spec(tools);
    const stream = pool.tryClaim(s, () => { coldStarts++; return coldRuntime.run(s); }) ?? (coldStarts++, coldRuntime.run(s));
    for await (const m of stream) void m;
    const req = api.requests.slice(first).find((r) => r.tools?.length);
    assert.ok(req, 'a model request');
    return { served: coldStarts === colds, clientTools: (req.tools ?? []).map((t) => t.name).filter((n) => n.startsWith(`mcp__${CLIENT_TOOL_SERVER}__`)).sort() };
  };
  const names = (xs: string[]): string[] => xs.map((n) => `mcp__${CLIENT_TOOL_SERVER}__${n}`).sort();

  before(async () => {
    setup = await poolOnScriptedModel('tools', () => ({ blocks: [{ type: 'text', text: 'ok' }] }), (folder) => ({ size: 1, expect: { cwd: folder, permissionMode: 'default', model: 'sonnet', systemPrompt: null } }), { keepRequests: 1_000 });
    ({ api, cwd, coldRuntime, pool } = setup);
    pool.start();
  });

  after(async () => {
    await setup.close();
  });

  it('after two chats brought the same tools, the next spare lists them before its first turn and serves the third', async () => {
    for (let i = 0; i < 2; i++) assert.deepEqual(await run(turnWith(['recall', 'note'])), { served: true, clientTools: names(['recall', 'note']) });
    await waitUntil(() => pool.stats().listed === 1, 60_000, 'a spare listed with those tools');
    assert.deepEqual(await run(turnWith(['recall', 'note'])), { served: true, clientTools: names(['recall', 'note']) });
  });

  it('a chat without tools on a listed spare is served by it, and its model sees none of them', async () => {
    await waitUntil(() => pool.stats().listed === 1, 60_000, 'a spare listed with the tools');
    assert.deepEqual(await run(undefined), { served: true, clientTools: [] }, 'no tool of the earlier chats reaches this one');
    await waitUntil(() => pool.stats().bound === 1, 60_000, 'the replacement spare');
    assert.equal(pool.stats().listed, 0, 'a chat without tools ends the listing');
  });

  it('a chat with other tools on a listed spare sees exactly its own, and one with more of them gets the extra ones', async () => {
    for (let i = 0; i < 2; i++) await run(turnWith(['recall', 'note']));
    await waitUntil(() => pool.stats().listed === 1, 60_000, 'a spare listed with the tools');
    assert.deepEqual(await run(turnWith(['search'])), { served: true, clientTools: names(['search']) });
    for (let i = 0; i < 2; i++) await run(turnWith(['recall', 'note']));
    await waitUntil(() => pool.stats().listed === 1, 60_000, 'a spare listed with the tools again');
    assert.deepEqual(await run(turnWith(['recall', 'note', 'search'])), { served: true, clientTools: names(['recall', 'note', 'search']) });
    assert.equal(coldStarts, 0, 'no chat started cold');
  });
});

describe('SparePool: a burst of runs keeps the cores for its own first tokens', () => {
  let setup: PoolSetup;
  let cwd: string;
  let pool: SparePool;

  before(async () => {
    // "slow" answers after 3 s (less than the 5 s after which a long run's spare is replaced anyway).
    setup = await poolOnScriptedModel('burst', (_req, info) => ({ blocks: [{ type: 'text', text: 'ok' }], delayMs: info.userTexts.join(' ').includes('slow') ? 3_000 : 0 }), () => ({ size: 2 }));
    ({ cwd, pool } = setup);
    pool.start();
    await waitUntil(() => pool.stats().parked === 2, 60_000, 'two parked spares');
  });

  after(async () => {
    await setup.close();
  });

  it('a run that ends while another claimed run goes on starts no replacement; the last one to end refills the pool', async () => {
    const spec = (prompt: string): RunSpec => ({
      messages: [{ role: 'user', content: prompt }], systemPrompt: null, model: 'sonnet', cwd,
      allowedTools: PROFILE.allowedTools, disallowedTools: PROFILE.disallowedTools, permissionMode: 'default', maxTurns: 0,
      abortController: new AbortController(),
    });
    const cold = (): AsyncIterable<SDKMessage> => { throw new Error('no cold start expected'); };
    const drain = async (stream: AsyncIterable<SDKMessage> | null): Promise<void> => {
      assert.ok(stream, 'served by a spare');
      for await (const m of stream) void m;
    };
    const slow = drain(pool.tryClaim(spec('slow'), cold));
    await drain(pool.tryClaim(spec('quick'), cold));
    await new Promise((r) => setTimeout(r, 1_000));
    const during = pool.stats();
    assert.equal(during.starting + during.parked, 0, 'no replacement started beside the run still going');
    await slow;
    await waitUntil(() => pool.stats().starting + pool.stats().parked === 2, 60_000, 'both replacements once the burst ended');
    assert.equal(pool.stats().claims, 2);
  });

  it("a claimed run's replacement waits for the run even when the pool is topped up meanwhile (a spare retired or renewed)", async () => {
    await waitUntil(() => pool.stats().parked === 2, 60_000, 'two parked spares');
    const spec: RunSpec = {
      messages: [{ role: 'user', content: 'slow' }], systemPrompt: null, model: 'sonnet', cwd,
      allowedTools: PROFILE.allowedTools, disallowedTools: PROFILE.disallowedTools, permissionMode: 'default', maxTurns: 0,
      abortController: new AbortController(),
    };
    const stream = pool.tryClaim(spec, () => { throw new Error('no cold start expected'); });
    assert.ok(stream, 'served by a spare');
    const it = stream[Symbol.asyncIterator]();
    await it.next(); // the run has its spare
    // Any top-up while the run goes on (here: the other spare retired, as after an MCP sign-in; for a new chat, the
    // spares renewed when its folder appears) replaces what went, not the spare this run is using.
    pool.retire('test: a change while a run goes on');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(pool.stats().starting + pool.stats().parked, 1, "only the retired spare's replacement, not the running one's");
    for (let r = await it.next(); !r.done; r = await it.next()) void r.value;
    await waitUntil(() => pool.stats().starting + pool.stats().parked === 2, 60_000, 'the run ended: its replacement starts');
  });
});

describe('SparePool.retire(): spares started before a change are never used after it', () => {
  let setup: PoolSetup;
  let home: string;
  let pool: SparePool;
  const started: number[] = [];

  /** Every spare process the pool starts, in the order they are spawned. */
  class Recorder extends ProcessTracker {
    override track(child: ChildProcess): void {
      if (child.pid) started.push(child.pid);
    }
  }

  before(async () => {
    setup = await poolOnScriptedModel('retire', bashThenAnswer(), (folder, home) => ({
      size: 1, tracker: new Recorder(path.join(home, 'run')),
      expect: { cwd: folder, permissionMode: 'default', model: 'sonnet', systemPrompt: null },
    }));
    ({ home, pool } = setup);
  });

  after(async () => {
    await setup.close();
  });

  it('a spare still starting when retire() is called is dropped once ready, and only its replacement is kept', async () => {
    pool.start();
    pool.retire('test: a change right after start'); // the first spare is still starting: start() only spawns it
    assert.equal(pool.stats().retired, 1);
    await waitUntil(() => started.length === 2 && pool.stats().starting === 0 && sparePids(home).length === 1, 90_000, 'both spares to finish starting, one to be dropped');
    assert.equal(pool.stats().bound, 1);
    assert.deepEqual(sparePids(home), pool.parkedPids(), 'one spare is kept: the one started after the change');
  });

  it('retire() kills a waiting spare and starts its replacement at once', async () => {
    const [old] = pool.parkedPids();
    pool.retire('test: MCP sign-in');
    assert.equal(pool.stats().bound, 0, 'the retired spare is no longer offered');
    assert.equal(pool.stats().starting, 1, 'its replacement is starting');
    await waitUntil(() => !groupAlive(old) && pool.stats().bound === 1, 60_000, 'the replacement to be bound');
    const [fresh] = pool.parkedPids();
    assert.notEqual(fresh, old);
    assert.equal(pool.stats().retired, 2);
  });
});

describe('warm start through the gateway (CLAUDE_SPARE_PROCESSES=1)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: bashThenAnswer(), config: { CLAUDE_SPARE_PROCESSES: 1 } });
    await waitUntil(() => (gw.services.runtime.spares?.()?.bound ?? 0) === 1, 60_000, 'the gateway spare to be bound');
  });
  after(async () => gw.close());

  it('serves a chat completion from a bound spare, refills, and leaves no process after stop', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x' });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'run it' }] });
    assert.match(r.choices[0].message.content ?? '', /The command printed fib-7\. Done\./);
    const stats = gw.services.runtime.spares?.();
    assert.equal(stats?.claims, 1, 'the run was served by the spare');
    assert.equal(stats?.misses, 0);
    const health = gw.services.health().components.find((c) => c.name === 'claude');
    assert.equal((health?.details?.spares as { claims?: number } | null)?.claims, 1, 'health reports the pool');
    await waitUntil(() => (gw.services.runtime.spares?.()?.bound ?? 0) === 1, 60_000, 'a replacement spare');
    const parked = sparePids(gw.dataDir);
    assert.equal(parked.length, 1);
    await gw.services.stop({ graceMs: 0 });
    // A sandboxed spare's socat helper ends a moment after Claude (and is reaped by init): wait for the group to empty.
    await waitUntil(() => !groupAlive(parked[0]), 10_000, 'Services.stop to close the pool (its process group gone)');
  });
});

describe('an in-app MCP sign-in retires the spares started before it (gateway, OAuth fixture, real Claude Code)', { timeout: 300_000 }, () => {
  const SERVER = 'vault';
  const SECRET = 'coral-lynx-8086';
  const callSecret = callSecretTool(SERVER);
  let fx: OAuthMcpServer;
  let api: ScriptedAnthropic;
  let dataDir: string;
  let gw: TestGateway;

  before(async () => {
    fx = await startOAuthMcpServer({ secret: SECRET, name: 'Vault' });
    api = await startScriptedAnthropic(callSecret);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-spare-login-'));
    // The server is configured (its tools allowed) before the gateway starts, so its spare knows it — without a token.
    const env = { ...process.env, ...claudeTestEnv(api.url, path.join(dataDir, 'home')) };
    await addFixtureServer(fx, [SERVER], { env, cwd: dataDir });
    gw = await startTestGateway({ script: callSecret, api, dataDir, config: { CLAUDE_SPARE_PROCESSES: 1, CLAUDE_ALLOWED_TOOLS: `Bash,mcp__${SERVER}` } });
    await waitUntil(() => (gw.services.runtime.spares?.()?.bound ?? 0) === 1, 60_000, 'the gateway spare to be bound');
  });

  after(async () => {
    await gw?.close();
    await api?.close();
    await fx?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the first request after the sign-in uses the MCP tool', async () => {
    const [stale] = sparePids(dataDir);
    assert.ok(stale, 'a spare waits, started before the sign-in');
    const oauth = gw.services.oauth;
    assert.ok(oauth);
    // The in-app sign-in, with the browser's part done by fetch: consent approved, redirect to the gateway's listener.
    const browser = (e: LoginEvent): void => {
      if (e.step !== 'waiting_for_browser') return;
      void fx.signIn(e.authUrl);
    };
    oauth.driver.on('event', browser);
    const snap = await oauth.driver.start(SERVER).result;
    oauth.driver.off('event', browser);
    assert.equal(snap.step, 'connected', snap.reason ?? '');

    const calls = fx.stats.toolCalls;
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'What is the secret?' }] });
    const content = r.choices[0].message.content ?? '';
    assert.ok(content.includes(`The secret is: ${SECRET}`), content);
    assert.equal(fx.stats.toolCalls, calls + 1, 'the tool really ran on the MCP server');
    // Retired at the sign-in; under load its process group may take a moment to go.
    await waitUntil(() => !groupAlive(stale), 30_000, 'the spare started before the sign-in to be gone');
  });

  it('a spare started after the sign-in serves the tool', async () => {
    await waitUntil(() => (gw.services.runtime.spares?.()?.bound ?? 0) === 1, 60_000, 'a spare started after the sign-in');
    const claims = gw.services.runtime.spares?.()?.claims ?? 0;
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'The secret again?' }] });
    assert.ok((r.choices[0].message.content ?? '').includes(`The secret is: ${SECRET}`), r.choices[0].message.content ?? '');
    assert.equal(gw.services.runtime.spares?.()?.claims, claims + 1, 'served by the spare');
  });
});
