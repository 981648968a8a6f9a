/**
 * `npm run bench`: the gateway's performance as ratios against bare Claude Code, all measured in this one run
 * against the scripted Anthropic API (tests/fixtures/scripted-anthropic.ts) on this machine. Prints a table with
 * target and PASS/FAIL per row and writes it to bench/RESULTS.md. Ratios, not absolute times: these machines are
 * shared and noisy, so each figure is a median over several interleaved repetitions.
 *
 * Env: BENCH_REPS (default 7), BENCH_LONG_REPS (5), BENCH_ROUNDS (3) to trade time for precision.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveClaudeBinary } from '../main/claude/binary.ts';
import { startScriptedAnthropic, type Script } from '../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../tests/helpers/gateway.ts';
import { compiledHeadless } from './build.ts';
import { measureDeltaCpu } from './delta-cpu.ts';
import { cliStartedStream, cliStream, gatewayStream, type Timing } from './clients.ts';
import { askForToolCall, clientToolReply, goneCall, sendToolResult, type ResultTiming } from './client-tools.ts';
import { claudeChildren, cpuMs, rssMb, spareRssMb, startGateway, waitSparesIdle, type GatewayProcess } from './proc.ts';
import { fmtMs, fmtRatio, markdownTable, median, percentile, textTable, type Row } from './stats.ts';

const REPS = Number(process.env.BENCH_REPS ?? 7);
const LONG_REPS = Number(process.env.BENCH_LONG_REPS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 8;
const LONG_DELTAS = 5_000;
const TOOLS = ['Bash', 'Read', 'Write', 'Edit', 'Glob', 'Grep'];

const here = path.dirname(fileURLToPath(import.meta.url));
const cores = os.cpus().length;
const repo = path.resolve(here, '..');

const SHORT_TEXT = 'Hello from the scripted model: a short answer in a few deltas.';
// Exactly LONG_DELTAS deltas of 6 characters each.
const LONG_TEXT = Array.from({ length: LONG_DELTAS }, (_, i) => `w${String(i).padStart(4, '0')} `).join('');

/** Prompts carry a nonce so every request is a new conversation (no resume, no "already running"). */
let nonce = 0;
const prompt = (kind: 'SHORT' | 'LONG'): string => `bench ${kind} answer please (#${++nonce})`;

const script: Script = (req, info) => {
  const clientTool = clientToolReply(req, info);
  if (clientTool) return clientTool;
  // Claude Code adds its own environment turn after the prompt: look at every user text.
  if (info.userTexts.some((t) => t.includes('bench LONG'))) return { blocks: [{ type: 'text', text: LONG_TEXT, chunks: LONG_DELTAS }] };
  return { blocks: [{ type: 'text', text: SHORT_TEXT, chunks: 6 }] };
};

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function check(t: Timing, expected: string, what: string): Timing {
  if (!t.error && t.text !== expected) t.error = `${what}: answer incomplete (${t.text.length}/${expected.length} chars)`;
  if (t.error) log(`error in ${what}: ${t.error}`);
  return t;
}

async function main(): Promise<void> {
  const binary = resolveClaudeBinary();
  if (!binary) throw new Error('Claude Code binary not found: run npm install');
  const api = await startScriptedAnthropic(script);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-bench-'));
  const workspace = path.join(root, 'workspace');
  fs.mkdirSync(workspace);
  const claudeEnv = claudeTestEnv(api.url, path.join(root, 'home'));
  const cliEnv: NodeJS.ProcessEnv = { ...process.env, ...claudeEnv };
  const gatewayEnv = (name: string, spares: number): NodeJS.ProcessEnv => ({
    ...process.env,
    ...claudeEnv,
    DATA_DIR: path.join(root, name),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_API_KEYS: '',
    CLAUDE_CWD: workspace,
    CLAUDE_ALLOWED_TOOLS: TOOLS.join(','),
    CLAUDE_SPARE_PROCESSES: String(spares),
    MAX_CONCURRENT_RUNS: String(CONCURRENCY),
    MAX_QUEUED_RUNS: '32',
    REQUEST_TIMEOUT_S: '300',
    LOG_LEVEL: 'warn',
    DASHBOARD: 'false',
    OAUTH_CALLBACK_PORT: '0',
  });
  const cli = (kind: 'SHORT' | 'LONG'): Promise<Timing> =>
    cliStream(binary, prompt(kind), { cwd: workspace, env: cliEnv, allowedTools: TOOLS }).then((t) => check(t, kind === 'LONG' ? LONG_TEXT : SHORT_TEXT, `CLI ${kind}`));
  const via = (gw: GatewayProcess, kind: 'SHORT' | 'LONG', label: string, onFirstToken?: () => void): Promise<Timing> =>
    gatewayStream(gw.v1, prompt(kind), onFirstToken).then((t) => check(t, kind === 'LONG' ? LONG_TEXT : SHORT_TEXT, `${label} ${kind}`));

  let cold: GatewayProcess | null = null;
  let warm: GatewayProcess | null = null;
  const rows: Row[] = [];
  let notReady = 0;
  const ready = async (): Promise<void> => {
    if (warm && !(await waitSparesIdle(warm.pid, 1))) notReady++;
  };
  try {
    log(`claude ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()}; ${os.cpus().length} cores; warming the page cache`);
    await cli('SHORT');

    // (d) idle RSS of the gateway with no spare, each in its own process: the compiled headless entry as
    // `npm start` runs it, and the same sources under tsx (whose loader thread adds its own heap).
    const idleRss = async (gw: GatewayProcess): Promise<number> => {
      await new Promise((r) => setTimeout(r, 3_000));
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        samples.push(rssMb(gw.pid));
        await new Promise((r) => setTimeout(r, 300));
      }
      return median(samples);
    };
    log('compiling main/ for the memory figure (skipped when dist/ is fresh)');
    const compiledEntry = compiledHeadless(repo);
    const shipped = await startGateway(compiledEntry, gatewayEnv('gw-rss', 0));
    const rss = await idleRss(shipped).finally(() => shipped.stop());
    cold = await startGateway(path.join(repo, 'main/headless.ts'), gatewayEnv('gw-cold', 0));
    const rssTsx = await idleRss(cold);
    log(`idle RSS ${rss.toFixed(1)} MB compiled, ${rssTsx.toFixed(1)} MB under tsx`);

    warm = await startGateway(path.join(here, 'gateway-child.ts'), gatewayEnv('gw-warm', 1));
    log(`gateways up: warm ${warm.url}, cold ${cold.url}; first requests (not counted)`);
    await ready();
    const spareRss = median(spareRssMb(warm.pid));
    await via(cold, 'SHORT', 'cold gateway');
    await ready();
    await via(warm, 'SHORT', 'warm gateway');

    // (a) time to first token, interleaved so drifting load hits every side alike.
    // Alongside, the CPU time Claude Code spends before the first token: in the claimed spare, and in a cold start.
    const a = { cli: [] as Timing[], warm: [] as Timing[], cold: [] as Timing[], started: [] as Timing[] };
    const cpu = { warm: [] as number[], cold: [] as number[] };
    for (let i = 0; i < REPS; i++) {
      a.cli.push(await cli('SHORT'));
      await ready();
      const spare = claudeChildren(warm.pid).spares[0];
      const spareBefore = spare ? cpuMs(spare) : Number.NaN;
      a.warm.push(await via(warm, 'SHORT', 'warm gateway', () => cpu.warm.push(cpuMs(spare) - spareBefore)));
      const coldGw = cold;
      a.cold.push(await via(coldGw, 'SHORT', 'cold gateway', () => cpu.cold.push(...claudeChildren(coldGw.pid).cold.map(cpuMs))));
      a.started.push(check(await cliStartedStream(binary, prompt('SHORT'), { cwd: workspace, env: cliEnv, allowedTools: TOOLS, idleMs: 3_000 }), SHORT_TEXT, 'started CLI SHORT'));
      log(`TTFT rep ${i + 1}/${REPS}: cli ${fmtMs(a.cli[i].ttft)}, warm gateway ${fmtMs(a.warm[i].ttft)}, cold gateway ${fmtMs(a.cold[i].ttft)}, started CLI ${fmtMs(a.started[i].ttft)}`);
    }
    const ttft = (ts: Timing[]): number => median(ts.filter((t) => !t.error).map((t) => t.ttft));
    const cliTtft = ttft(a.cli);
    const warmTtft = ttft(a.warm);
    const coldTtft = ttft(a.cold);
    const startedTtft = ttft(a.started);
    rows.push({
      figure: 'TTFT, gateway (warm) ÷ bare claude -p',
      measured: fmtRatio(warmTtft / cliTtft),
      target: '≤ 0.25',
      pass: warmTtft / cliTtft <= 0.25,
      detail: `median of ${REPS}: gateway with a spare ${fmtMs(warmTtft)}, \`claude -p --output-format stream-json --verbose --include-partial-messages\` ${fmtMs(cliTtft)}`,
    });
    rows.push({
      figure: 'TTFT, started CLI (prompt into a running claude) ÷ bare claude -p',
      measured: fmtRatio(startedTtft / cliTtft),
      target: '—',
      pass: null,
      detail: `median of ${REPS}: \`claude -p --input-format stream-json …\` started 3 s ahead, timed from the prompt's write: ${fmtMs(startedTtft)}. Claude Code's own work on a prompt once running (context, hooks, skills, the API request), the floor of any warm ratio; the gateway with a spare ÷ this: ${fmtRatio(warmTtft / startedTtft)}`,
    });
    const cpuWarm = median(cpu.warm.filter(Number.isFinite));
    const cpuCold = median(cpu.cold.filter(Number.isFinite));
    rows.push({
      figure: 'TTFT, gateway (no spare) ÷ bare claude -p',
      measured: fmtRatio(coldTtft / cliTtft),
      target: '—',
      pass: null,
      detail: `median of ${REPS}: gateway starting Claude cold ${fmtMs(coldTtft)} (what the spare saves)`,
    });
    rows.push({
      figure: 'Claude CPU to first token, spare claim ÷ cold start',
      measured: fmtRatio(cpuWarm / cpuCold),
      target: '—',
      pass: null,
      detail: `median CPU time of the Claude Code process up to the first token: ${fmtMs(cpuWarm)} in a claimed spare, ${fmtMs(cpuCold)} started cold`,
    });

    // (b) time to last byte of a 5,000-delta answer.
    // Alongside, the CPU time the gateway process itself spends on one such answer.
    const b = { cli: [] as Timing[], warm: [] as Timing[], cold: [] as Timing[] };
    const gatewayCpu: number[] = [];
    for (let i = 0; i < LONG_REPS; i++) {
      b.cli.push(await cli('LONG'));
      await ready();
      b.warm.push(await via(warm, 'LONG', 'warm gateway'));
      const before = cpuMs(cold.pid);
      b.cold.push(await via(cold, 'LONG', 'cold gateway'));
      gatewayCpu.push(cpuMs(cold.pid) - before);
      log(`TTLB rep ${i + 1}/${LONG_REPS}: cli ${fmtMs(b.cli[i].ttlb)}, warm gateway ${fmtMs(b.warm[i].ttlb)}, cold gateway ${fmtMs(b.cold[i].ttlb)}`);
    }
    const ttlb = (ts: Timing[]): number => median(ts.filter((t) => !t.error).map((t) => t.ttlb));
    const cliTtlb = ttlb(b.cli);
    const warmTtlb = ttlb(b.warm);
    const coldTtlb = ttlb(b.cold);
    rows.push({
      figure: `TTLB, ${LONG_DELTAS.toLocaleString('en')}-delta answer, gateway ÷ CLI`,
      measured: fmtRatio(warmTtlb / cliTtlb),
      target: '≤ 1.05',
      pass: warmTtlb / cliTtlb <= 1.05,
      detail: `median of ${LONG_REPS}: gateway with a spare ${fmtMs(warmTtlb)}, CLI ${fmtMs(cliTtlb)}`,
    });
    rows.push({
      figure: `TTLB, ${LONG_DELTAS.toLocaleString('en')}-delta answer, gateway (no spare) ÷ CLI`,
      measured: fmtRatio(coldTtlb / cliTtlb),
      target: '≤ 1.05',
      pass: coldTtlb / cliTtlb <= 1.05,
      detail: `median of ${LONG_REPS}: both start Claude cold, so this is the streaming path's own cost: ${fmtMs(coldTtlb)} vs ${fmtMs(cliTtlb)}; the gateway process spends ${fmtMs(median(gatewayCpu))} of CPU per answer (${(median(gatewayCpu) / LONG_DELTAS).toFixed(2)} ms per delta) beside Claude on ${cores} cores`,
    });

    // (b2) client tools: the caller's tool result → the next token, into the run that waits for it vs a fresh run
    // given the same history (on the gateway as shipped, with a spare; and on one without: a client tool run starts cold either way).
    const ct = { suspended: [] as ResultTiming[], fresh: [] as ResultTiming[], freshCold: [] as ResultTiming[] };
    const logged = (t: ResultTiming, what: string): ResultTiming => {
      if (t.error) log(`error in ${what}: ${t.error}`);
      return t;
    };
    for (let i = 0; i < REPS; i++) {
      const question = `bench client tool question (#${++nonce})`;
      await ready();
      const call = await askForToolCall(warm.v1, question);
      ct.suspended.push(logged(await sendToolResult(warm.v1, question, call), 'suspended run'));
      await ready();
      ct.fresh.push(logged(await sendToolResult(warm.v1, question, goneCall(call, nonce)), 'fresh run (spare)'));
      ct.freshCold.push(logged(await sendToolResult(cold.v1, question, goneCall(call, nonce)), 'fresh run (cold)'));
      log(`client tool rep ${i + 1}/${REPS}: result → token, suspended ${fmtMs(ct.suspended[i].ttft)}, fresh with a spare ${fmtMs(ct.fresh[i].ttft)}, fresh cold ${fmtMs(ct.freshCold[i].ttft)}`);
    }
    const resultTtft = (ts: ResultTiming[]): number => median(ts.filter((t) => !t.error).map((t) => t.ttft));
    const [ctSuspended, ctFresh, ctCold] = [resultTtft(ct.suspended), resultTtft(ct.fresh), resultTtft(ct.freshCold)];
    const ctErrors = [...ct.suspended, ...ct.fresh, ...ct.freshCold].filter((t) => t.error).length;
    rows.push({
      figure: 'client tool result → next token, suspended run ÷ fresh run with the history',
      measured: fmtRatio(ctSuspended / ctFresh),
      target: '≤ 0.3',
      pass: ctErrors === 0 && ctSuspended / ctFresh <= 0.3,
      detail: `median of ${REPS}: the result into the Claude run waiting for it ${fmtMs(ctSuspended)}; the same follow-up answered by a fresh run given the history (the fallback once the run is gone), on the gateway as shipped with a spare — which a run with client tools cannot take (its in-process MCP server needs a process of its own), so it starts cold ${fmtMs(ctFresh)}; ${ctErrors} error(s)`,
    });
    rows.push({
      figure: 'client tool result → next token, suspended run ÷ fresh run started cold',
      measured: fmtRatio(ctSuspended / ctCold),
      target: '—',
      pass: null,
      detail: `median of ${REPS}: the fresh run with no spare ${fmtMs(ctCold)}`,
    });

    // (c) 8 concurrent streams against the warm gateway, as shipped (one spare; the rest start cold).
    const concurrent = async (gw: GatewayProcess, spares: number, rounds: number): Promise<Timing[]> => {
      const all: Timing[] = [];
      for (let r = 0; r < rounds; r++) {
        if (!(await waitSparesIdle(gw.pid, spares, 180_000))) notReady++;
        const round = await Promise.all(Array.from({ length: CONCURRENCY }, () => via(gw, 'SHORT', `concurrent (${spares} spares)`)));
        all.push(...round);
        log(`concurrency (${spares} spare${spares === 1 ? '' : 's'}) round ${r + 1}/${rounds}: TTFT ${round.map((t) => Math.round(t.ttft)).join(', ')} ms; errors ${round.filter((t) => t.error).length}`);
      }
      return all;
    };
    const ok = (ts: Timing[]): number[] => ts.filter((t) => !t.error).map((t) => t.ttft);
    const conc = await concurrent(warm, 1, ROUNDS);
    await warm.stop();
    warm = null;
    // The same with a spare per stream (CLAUDE_SPARE_PROCESSES=8): what sizing the pool to the concurrency buys.
    const wide = await startGateway(path.join(here, 'gateway-child.ts'), gatewayEnv('gw-wide', CONCURRENCY));
    const concWide = await concurrent(wide, CONCURRENCY, Math.max(1, ROUNDS - 1)).finally(() => wide.stop());
    const errors = [...conc, ...concWide].filter((t) => t.error).length;
    const concP50 = percentile(ok(conc), 50);
    const wideP50 = percentile(ok(concWide), 50);
    rows.push({
      figure: `${CONCURRENCY} concurrent streams: errors`,
      measured: `${errors} / ${conc.length + concWide.length}`,
      target: '0',
      pass: errors === 0,
      detail: `${ROUNDS} rounds with 1 spare and ${Math.max(1, ROUNDS - 1)} with ${CONCURRENCY} spares, ${CONCURRENCY} simultaneous streams each, ${os.cpus().length} cores, MAX_CONCURRENT_RUNS=${CONCURRENCY}`,
    });
    rows.push({
      figure: `${CONCURRENCY} concurrent streams: p50 TTFT ÷ single stream`,
      measured: fmtRatio(concP50 / warmTtft),
      target: '≤ 2',
      pass: concP50 / warmTtft <= 2,
      detail: `default pool (1 spare): p50 ${fmtMs(concP50)} (p90 ${fmtMs(percentile(ok(conc), 90))}) vs a single warm stream ${fmtMs(warmTtft)}; ${CONCURRENCY - 1} of ${CONCURRENCY} start Claude cold at once (vs a single cold stream: ${fmtRatio(concP50 / coldTtft)}). Floor from CPU alone: ${CONCURRENCY - 1} cold starts × ${fmtMs(cpuCold)} ÷ ${cores} cores = ${fmtMs(((CONCURRENCY - 1) * cpuCold) / cores)}`,
    });
    rows.push({
      figure: `${CONCURRENCY} concurrent streams, ${CONCURRENCY} spares: p50 TTFT ÷ single stream`,
      measured: fmtRatio(wideP50 / warmTtft),
      target: '≤ 2',
      pass: wideP50 / warmTtft <= 2,
      detail: `CLAUDE_SPARE_PROCESSES=${CONCURRENCY}: p50 ${fmtMs(wideP50)} (p90 ${fmtMs(percentile(ok(concWide), 90))}); every stream claims a spare. Floor from CPU alone: ${CONCURRENCY} claims × ${fmtMs(cpuWarm)} ÷ ${cores} cores = ${fmtMs((CONCURRENCY * cpuWarm) / cores)}, i.e. a ratio ≥ ${fmtRatio((CONCURRENCY * cpuWarm) / cores / warmTtft)} on this machine`,
    });
    rows.push({
      figure: 'gateway RSS, idle, no spare',
      measured: `${rss.toFixed(0)} MB`,
      target: '≤ 120 MB',
      pass: rss <= 120,
      detail: `VmRSS of \`node ${path.relative(repo, compiledEntry)}\` (the compiled headless entry, CLAUDE_SPARE_PROCESSES=0) 3 s after start, median of 5 samples`,
    });
    rows.push({
      figure: 'gateway RSS, idle, no spare, under tsx',
      measured: `${rssTsx.toFixed(0)} MB`,
      target: '—',
      pass: null,
      detail: '`node --import tsx main/headless.ts`: the same code plus the tsx loader (a worker thread with its own heap); not how it ships',
    });
    rows.push({
      figure: 'one parked spare, RSS',
      measured: `${spareRss.toFixed(0)} MB`,
      target: '—',
      pass: null,
      detail: 'what each CLAUDE_SPARE_PROCESSES costs while it waits (VmRSS of the parked Claude Code process)',
    });
  } finally {
    await warm?.stop();
    await cold?.stop();
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  // (e) the streaming path's own CPU per delta, the gateway in this process (bench/delta-cpu.ts)
  log('streaming path CPU per delta (in-process)');
  rows.push(...(await measureDeltaCpu()));

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'cpu'}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}, Claude Code ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()}`;
  const notes = notReady ? `\n(${notReady} time(s) the spare was not idle within 60 s before a warm request.)` : '';
  console.log(`\nClaude Code Gateway benchmark — ${when}\n${machine}\n\n${textTable(rows)}${notes}\n`);
  const md = [
    '# Benchmark results',
    '',
    'Produced by `npm run bench` (bench/run.ts): ratios measured in one run against the scripted Anthropic API,',
    'medians over interleaved repetitions. Latest run:',
    '',
    `- ${when}`,
    `- ${machine}`,
    '',
    markdownTable(rows),
    notes.trim(),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(here, 'RESULTS.md'), md);
  const failed = rows.filter((r) => r.pass === false).length;
  log(`${failed ? `${failed} row(s) missed the target` : 'every target met'}; written to bench/RESULTS.md`);
}

await main();
