/**
 * `npm run bench:spares` (issue 22): spares and live processes for everyday traffic, as ratios measured in one run:
 *   - OpenWebUI's 34-tool request shape ÷ the same chat without tools, turn 1 and turns 2–3 (target ≤ 1.2 each);
 *   - gateway TTFT of a new chat (spare ready) ÷ a `claude` already started when the prompt arrives (≤ 1.0), with the
 *     policy DEFAULT_POLICY resolves to here;
 *   - turn 2 of a chat after another chat started ÷ turn 2 with none in between (≤ 1.2: the kept process still fits);
 *   - spare hit rate when every request's system prompt differs (date/user variables; ≥ 90 % of first turns warm);
 *   - N concurrent new chats with N spares: p50 TTFT ÷ a single new chat, against the CPU floor measured in the run.
 * Scripted model; gateways in this process. Appends its table to bench/RESULTS.md. Env: BENCH_ROUNDS (default 12),
 * BENCH_BURST (default 8).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import OpenAI from 'openai';
import { resolveClaudeBinary } from '../main/claude/binary.ts';
import { claudeChildren, cpuMs } from './proc.ts';
import { InputFeed } from '../main/claude/input-feed.ts';
import { OPENWEBUI_TOOLS } from '../tests/fixtures/openwebui-tools.ts';
import { startScriptedAnthropic, type Script } from '../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv, startTestGateway, type TestGateway } from '../tests/helpers/gateway.ts';
import { startScriptedChild } from './scripted-process.ts';
import { fmtMs, fmtRatio, markdownTable, median, textTable, type Row } from './stats.ts';

// 12 rounds: on 2 noisy cores fewer leave the medians of the tools figures a few hundredths either side of their target.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const BURST = Number(process.env.BENCH_BURST ?? 8);
const here = path.dirname(fileURLToPath(import.meta.url));
type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Tool = OpenAI.Chat.Completions.ChatCompletionTool;

const script: Script = (_req, info) => ({ blocks: [{ type: 'text', text: `Answer to turn ${info.userTexts.length}: noted.`, chunks: 4 }] });

function log(msg: string): void {
  process.stderr.write(`[bench:spares] ${msg}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The machine's CPU time so far, busy and in all (ms, over every core: /proc/stat). */
function machineCpu(): { busy: number; all: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: (all - f[3] - (f[4] ?? 0)) * 10, all: all * 10 };
}

async function sparesReady(gw: TestGateway, n: number, ms = 120_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    const s = gw.services.runtime.spares?.();
    if ((s?.bound ?? 0) + (s?.parked ?? 0) >= n) return true;
    if (Date.now() > end) return false;
    await sleep(50);
  }
}

/** How long a started `claude` (the floor) and a ready spare both sit idle before their prompt. */
const IDLE_MS = 1_500;

/**
 * A spare ready and idle for IDLE_MS, as the floor's `claude` is: a spare that became ready a moment ago is still
 * settling (and its replacement's start takes the same cores), which skewed whichever chat came right after a claim.
 */
async function spareSettled(gw: TestGateway): Promise<void> {
  // The other gateway's replacement spare too: its start would take the cores from this turn.
  for (const g of new Set([gw, ...gateways])) await sparesReady(g, 1);
  await sleep(IDLE_MS);
}

/** The gateways of the turn figures (each one's spares are settled before any turn). */
const gateways: TestGateway[] = [];

/** One streamed turn: TTFT (request → first content delta) and the answer. */
async function turn(gw: TestGateway, chat: string, messages: Msg[], tools?: Tool[]): Promise<{ ttft: number; text: string }> {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 180_000 });
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model: 'sonnet', messages, stream: true, ...(tools ? { tools } : {}) }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
  let ttft = Number.NaN;
  let text = '';
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta?.content;
    if (d && !text) ttft = performance.now() - t0;
    if (d) text += d;
  }
  return { ttft, text };
}

/**
 * Two new chats of three turns each, one with the tools (on `gwTools`) and one without (on `gw`), advanced turn by
 * turn with the order of the two alternating: each turn of one kind is measured beside the same turn of the other,
 * so a drift of the machine between turns falls on both alike. A spare ready and settled before every turn.
 * Returns each kind's turn 1 TTFT and its turns 2 and 3 (each a sample of its own).
 */
async function pairedChats(gwTools: TestGateway, gw: TestGateway, round: number, tools: Tool[]): Promise<{ tools: { first: number; next: number[] }; plain: { first: number; next: number[] } }> {
  const kinds = [
    { gw: gwTools, chat: `tools-${round}`, tools, h: [] as Msg[], first: 0, next: [] as number[], last: '' },
    { gw, chat: `plain-${round}`, tools: undefined, h: [] as Msg[], first: 0, next: [] as number[], last: '' },
  ];
  for (const n of [1, 2, 3]) {
    // Tools first on odd turns of odd rounds, and so on: neither kind always comes right after the other's turn.
    const order = (n + round) % 2 ? kinds : [...kinds].reverse();
    for (const k of order) {
      // As between a user's turns: the replacement spare has started (it would take CPU from this turn otherwise).
      await spareSettled(k.gw);
      // The history as the client holds it: each answer as it was given (turn 3 once replayed turn 1's answer, so its
      // history no longer matched the kept process and the turn resumed in a new one).
      if (n > 1) k.h.push({ role: 'assistant', content: k.last });
      k.h.push({ role: 'user', content: n === 1 ? `${k.chat}: hello` : `${k.chat}: turn ${n}` });
      const t = await turn(k.gw, k.chat, k.h, k.tools);
      k.last = t.text;
      if (n === 1) k.first = t.ttft;
      else k.next.push(t.ttft);
    }
  }
  const [withTools, plain] = kinds;
  return { tools: { first: withTools.first, next: withTools.next }, plain: { first: plain.first, next: plain.next } };
}

/** A `claude` started and initialized before the prompt arrives: prompt write → first text delta. */
async function startedCliFloor(apiUrl: string, binary: string, policy?: (folder: string) => Partial<Options>): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spares-'));
  const feed = new InputFeed();
  const options: Options = {
    cwd: home, env: { ...process.env, ...claudeTestEnv(apiUrl, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: binary,
    allowedTools: ['Bash', 'Read', 'Write', 'Edit', 'Glob', 'Grep'], systemPrompt: { type: 'preset', preset: 'claude_code' },
    ...(policy ? policy(home) : {}),
  };
  const q = query({ prompt: feed, options });
  const it = q[Symbol.asyncIterator]();
  try {
    await q.initializationResult();
    await sleep(IDLE_MS);
    const t0 = performance.now();
    feed.push([{ role: 'user', content: 'floor: hello' }]);
    for (;;) {
      const r = await it.next();
      if (r.done) throw new Error('claude exited');
      const m = r.value;
      if (m.type === 'stream_event' && m.event.type === 'content_block_delta' && m.event.delta.type === 'text_delta') return performance.now() - t0;
    }
  } finally {
    feed.end();
    q.close();
    // Best effort: the closing claude may still write its session files.
    setTimeout(() => {
      try {
        fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      } catch {
        // left in the temp folder
      }
    }, 2_000).unref();
  }
}

async function main(): Promise<void> {
  const binary = resolveClaudeBinary();
  if (!binary) throw new Error('Claude Code binary not found: run npm install');
  // The model answers from a process of its own, as a real one would: in this process it would share the event loop
  // with the gateways, and their work on a turn's messages would delay its answer. The in-process one the test
  // gateways are built with gets no request (their Claude processes are pointed at the other).
  const model = await startScriptedChild();
  const api = await startScriptedAnthropic(script, { keepRequests: 0 });
  const claudeEnv = { ANTHROPIC_BASE_URL: model.url };
  const config = { CLAUDE_SPARE_PROCESSES: 1, MAX_LIVE_CONVERSATIONS: 32, CONVERSATION_KEEPALIVE_S: 600 };
  const gw = await startTestGateway({ script, api, config, claudeEnv });
  // OpenWebUI with Function Calling "Native" sends its tools on every chat: its chats go to a gateway of their own, as
  // they would in use, and are compared with the same chats without tools ("Legacy") on the other one.
  const gwTools = await startTestGateway({ script, api, config, claudeEnv });
  gateways.push(gw, gwTools);
  const policy = gw.services.policy.defaults.policy.mode;
  const rows: Row[] = [];
  try {
    const t = { toolsFirst: [] as number[], mixedFirst: [] as number[], plainFirst: [] as number[], toolsNext: [] as number[], plainNext: [] as number[], gw: [] as number[], floor: [] as number[], policyFloor: [] as number[] };
    // OpenWebUI's steady state: a gateway behind it has served chats before, and its spares list the tools its chats
    // keep bringing (two chats that agree). Two chats of each kind, not timed, before the measured rounds: the first
    // chats with the tools are what the "mixed" row shows (nothing listed ahead).
    for (const n of [1, 2]) {
      for (const [g, kind, tools] of [[gwTools, 'tools', OPENWEBUI_TOOLS], [gw, 'plain', undefined]] as const) {
        await spareSettled(g);
        await turn(g, `warm-${kind}-${n}`, [{ role: 'user', content: `warm-${kind}-${n}: hello` }], tools);
      }
    }
    await spareSettled(gwTools);
    if (!gwTools.services.runtime.spares?.()?.listed) throw new Error("the tools gateway's spare did not list the tools after two chats that brought them");
    for (let round = 1; round <= ROUNDS; round++) {
      const { tools: a, plain: b } = await pairedChats(gwTools, gw, round, OPENWEBUI_TOOLS);
      // One chat with the tools among the plain chats: nothing is listed ahead for it (mixed traffic).
      await spareSettled(gw);
      t.mixedFirst.push((await turn(gw, `mixed-${round}`, [{ role: 'user', content: `mixed-${round}: hello` }], OPENWEBUI_TOOLS)).ttft);
      t.toolsFirst.push(a.first);
      t.toolsNext.push(...a.next);
      t.plainFirst.push(b.first);
      t.plainNext.push(...b.next);
      t.floor.push(await startedCliFloor(model.url, binary));
      // The same Claude Code given what the gateway gives a chat's run under this policy (its settings, its sources).
      t.policyFloor.push(await startedCliFloor(model.url, binary, (folder) => {
        const c = gw.services.policy.confine({ project: null, folder, policy: gw.services.policy.defaults.policy });
        return { ...(c.settings ? { settings: c.settings } : {}), ...(c.settingSources ? { settingSources: c.settingSources } : {}), disallowedTools: c.disallowedTools };
      }));
      await spareSettled(gw);
      t.gw.push((await turn(gw, `new-${round}`, [{ role: 'user', content: 'floor: hello' }])).ttft);
      log(`round ${round}: 34 tools ${fmtMs(a.first)}/${a.next.map(fmtMs).join('/')}, none ${fmtMs(b.first)}/${b.next.map(fmtMs).join('/')}, mixed ${fmtMs(t.mixedFirst.at(-1)!)}, new chat ${fmtMs(t.gw.at(-1)!)} vs started claude ${fmtMs(t.policyFloor.at(-1)!)} (plain ${fmtMs(t.floor.at(-1)!)})`);
    }
    const m = (xs: number[]): number => median(xs);
    rows.push(
      { figure: "OpenWebUI's 34 built-in tools ÷ same chat without tools, turn 1", measured: `${fmtRatio(m(t.toolsFirst) / m(t.plainFirst))} (${fmtMs(m(t.toolsFirst))} vs ${fmtMs(m(t.plainFirst))})`, target: '≤ 1.2', pass: m(t.toolsFirst) / m(t.plainFirst) <= 1.2, detail: `median of ${ROUNDS} new chats each, advanced turn by turn beside each other, each kind on a gateway of its own that served two chats of its kind first (every chat of an OpenWebUI with native function calling brings the tools, so its spares list them ahead), a spare ready before turn 1; streamed TTFT` },
      { figure: "A chat with the 34 tools among chats without ÷ those chats, turn 1", measured: `${fmtRatio(m(t.mixedFirst) / m(t.plainFirst))} (${fmtMs(m(t.mixedFirst))} vs ${fmtMs(m(t.plainFirst))})`, target: '—', pass: null, detail: 'mixed traffic on one gateway: nothing is listed ahead, the spare lists the tools when the chat comes (Claude Code reads a tool list it has not seen)' },
      { figure: "OpenWebUI's 34 built-in tools ÷ same chat without tools, turns 2–3", measured: `${fmtRatio(m(t.toolsNext) / m(t.plainNext))} (${fmtMs(m(t.toolsNext))} vs ${fmtMs(m(t.plainNext))})`, target: '≤ 1.2', pass: m(t.toolsNext) / m(t.plainNext) <= 1.2, detail: `median of the ${ROUNDS * 2} turns 2 and 3 of each kind, each turn measured beside the same turn of the other kind; the kept (live) process of each chat` },
      { figure: `Gateway TTFT, new chat on a spare ÷ a started claude with the same policy (${policy})`, measured: `${fmtRatio(m(t.gw) / m(t.policyFloor))} (${fmtMs(m(t.gw))} vs ${fmtMs(m(t.policyFloor))})`, target: '≤ 1.0', pass: m(t.gw) / m(t.policyFloor) <= 1.0, detail: "floor: `claude` given the run's policy settings and setting sources, started, initialized and idle 1.5 s, then the prompt written to its stdin → first text delta; gateway: HTTP request → first content delta" },
      { figure: `Gateway TTFT (policy: ${policy}) ÷ a started plain claude`, measured: `${fmtRatio(m(t.gw) / m(t.floor))} (${fmtMs(m(t.gw))} vs ${fmtMs(m(t.floor))})`, target: '—', pass: null, detail: `the same floor without any policy: what the policy itself costs Claude Code on a prompt (${fmtMs(m(t.policyFloor) - m(t.floor))} here)` },
    );

    // Chat A's turn 2 after chat B started (a new chat folder appeared) ÷ a chat's turn 2 with nothing in between.
    const afterOther: number[] = [];
    const alone: number[] = [];
    const turn2 = async (chat: string, between?: string): Promise<number> => {
      await sparesReady(gw, 1);
      const h: Msg[] = [{ role: 'user', content: `${chat}: hello` }];
      const t1 = await turn(gw, chat, h);
      if (between) {
        await sparesReady(gw, 1);
        await turn(gw, between, [{ role: 'user', content: `${between}: hello` }]);
      }
      await spareSettled(gw);
      h.push({ role: 'assistant', content: t1.text }, { role: 'user', content: `${chat}: turn 2` });
      return (await turn(gw, chat, h)).ttft;
    };
    for (let round = 1; round <= ROUNDS; round++) {
      afterOther.push(await turn2(`a-${round}`, `b-${round}`));
      alone.push(await turn2(`c-${round}`));
    }
    rows.push({ figure: 'Turn 2 of chat A after chat B started ÷ turn 2 with no other chat', measured: `${fmtRatio(m(afterOther) / m(alone))} (${fmtMs(m(afterOther))} vs ${fmtMs(m(alone))})`, target: '≤ 1.2', pass: m(afterOther) / m(alone) <= 1.2, detail: `median of ${ROUNDS} each, interleaved; both served by the chat's kept process (a resumed one takes ≈ 0.7 s and more)` });

    // Spare hit rate: every new chat brings its own system prompt (OpenWebUI's {{CURRENT_DATE}}, {{USER_NAME}}).
    const before = gw.services.runtime.spares?.();
    const chats = 10;
    for (let i = 0; i < chats; i++) {
      await sparesReady(gw, 1, 10_000);
      await turn(gw, `sys-${i}`, [{ role: 'system', content: `Today is 2026-12-${String(i + 1).padStart(2, '0')} 10:${i}0. The user is User${i}.` }, { role: 'user', content: 'hi' }]);
    }
    const after = gw.services.runtime.spares?.();
    const hits = (after?.claims ?? 0) - (before?.claims ?? 0);
    rows.push({ figure: 'Spare hit rate, a system prompt that differs every request', measured: `${Math.round((100 * hits) / chats)} % (${hits}/${chats})`, target: '≥ 90 %', pass: hits / chats >= 0.9, detail: 'new chats one after the other, each waiting ≤ 10 s for a ready spare (as chats arrive spaced in real use)' });
  } finally {
    await gwTools.close();
    await gw.close();
  }

  // Burst: N new chats at once with N spares, vs one new chat with the same pool.
  const burst = await startTestGateway({ script, api, claudeEnv, config: { CLAUDE_SPARE_PROCESSES: BURST, MAX_CONCURRENT_RUNS: BURST, MAX_LIVE_CONVERSATIONS: 0 } });
  try {
    await sparesReady(burst, BURST, 300_000);
    const single = (await turn(burst, 'single', [{ role: 'user', content: 'single: hello' }])).ttft;
    await sparesReady(burst, BURST, 300_000);
    // The CPU the waiting spares spend serving the burst (sampled until each is gone or the burst is over): the floor.
    // The gateway runs in this process: its waiting spares are this process's children started with --await-claim.
    const pids = claudeChildren(process.pid).spares;
    const start = new Map(pids.map((p) => [p, cpuMs(p)]));
    const last = new Map(start);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const p of pids) {
          const ms = cpuMs(p);
          if (!Number.isNaN(ms)) last.set(p, ms);
        }
        await sleep(20);
      }
    })();
    const machine0 = machineCpu();
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: BURST }, (_, i) => turn(burst, `burst-${i}`, [{ role: 'user', content: `burst ${i}: hello` }])));
    const wall = performance.now() - t0;
    const machine1 = machineCpu();
    sampling = false;
    await sampler;
    const used = pids.reduce((sum, p) => sum + ((last.get(p) ?? 0) - (start.get(p) ?? 0)), 0);
    const p50 = median(all.map((r) => r.ttft));
    const cores = os.cpus().length;
    // N equal jobs of c ms CPU each, started together on `cores` cores. The kernel shares the cores fairly, so they
    // progress together and the median first token cannot come before all of them had their CPU: N/cores × c. Served
    // in turn (a core each until its first token), the median would come at ceil(N/2)/cores × c — but holding prompts
    // back would queue chats behind each other's model latency with a real model (seconds), so the gateway does not.
    const perChat = used / BURST;
    const fairFloor = (BURST / cores) * perChat;
    const inTurnFloor = (Math.ceil(BURST / 2) / cores) * perChat;
    const busy = Math.round((100 * (machine1.busy - machine0.busy)) / (machine1.all - machine0.all));
    rows.push({
      figure: `${BURST} concurrent new chats with ${BURST} spares: p50 TTFT ÷ a single new chat`,
      measured: `${fmtRatio(p50 / single)} (${fmtMs(p50)} vs ${fmtMs(single)})`,
      target: `CPU floor ${fmtRatio(fairFloor / single)} (${fmtMs(fairFloor)})`,
      pass: null,
      detail: `${cores} cores; the ${BURST} claimed spares used ${fmtMs(used)} of CPU for the burst (${fmtMs(perChat)} each, sampled /proc). Fair-shared, the median first token cannot come before ${BURST}/${cores} × ${fmtMs(perChat)} = ${fmtMs(fairFloor)}: p50 is ${fmtRatio(p50 / fairFloor)}× that floor (served one after another it would be ${fmtMs(inTurnFloor)}, see the comment in bench/spares.ts). The whole machine (gateway, client, scripted model) was ${busy} % busy over the burst's ${fmtMs(wall)}; replacement spares start once the burst's runs have ended`,
    });
  } finally {
    await burst.close();
    await api.close();
    await model.stop();
  }

  const text = textTable(rows);
  process.stdout.write(`${text}\n`);
  const header = `\n## Spares and live processes (npm run bench:spares, ${ROUNDS} rounds, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end, the bench's own processes included)\n\n`;
  fs.appendFileSync(path.join(here, 'RESULTS.md'), `${header}${markdownTable(rows)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
