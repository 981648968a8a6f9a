/**
 * Renders a 10,000-event transcript in Chromium through the real dashboard (built bundle, control API, SSE snapshot)
 * and prints time to first paint and time to scroll to the end, next to a 100-event baseline from the same run.
 * Target: first paint < 1 s for 10,000 events. Figures only — nothing here asserts a time.
 *
 *   node --import tsx bench/render-transcript.ts [--runs 3] [--events 10000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TranscriptEventBody } from '../main/contract/events.ts';
import { loadConfig } from '../main/config/load.ts';
import { installControlApi } from '../main/control/install.ts';
import { buildServices, type Services } from '../main/services.ts';
import type { ClaudeRuntime } from '../main/claude/runtime.ts';
import { buildRenderer, chromiumMissing, launchChromium } from '../tests/renderer/chromium.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 5);
const EVENTS = arg('events', 10_000);

/** A realistic agentic mix: streamed text, Bash/Read/Edit/Grep calls with multi-line results, a Task with nested steps. */
function syntheticRun(total: number): TranscriptEventBody[] {
  const out: TranscriptEventBody[] = [
    { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'bench', prompt: 'Refactor the project and run the tests.', systemPrompt: null, imageCount: 0, runtime: 'local' },
    { type: 'init', sessionId: 's', model: 'claude-sonnet', cwd: '/work', tools: ['Bash', 'Read', 'Edit', 'Grep', 'Task'], mcpServers: [], claudeVersion: '2.1.330' },
  ];
  let i = 0;
  const lines = (n: number, p: string): string => Array.from({ length: n }, (_, k) => `${p} line ${k} of the output, with some text to wrap`).join('\n');
  while (out.length < total - 3) {
    const parent = i % 50 >= 40 ? `task${Math.floor(i / 50)}` : null;
    if (i % 50 === 39) out.push({ type: 'tool_use', toolUseId: `task${Math.floor(i / 50)}`, name: 'Task', input: { description: 'explore', prompt: 'look around', subagent_type: 'general-purpose' }, parentToolUseId: null });
    for (let k = 0; k < 4; k++) out.push({ type: 'text_delta', text: `Step ${i}: thinking about the next change (${k}). `, parentToolUseId: parent });
    const id = `tu${i}`;
    const kind = i % 4;
    if (kind === 0) out.push({ type: 'tool_use', toolUseId: id, name: 'Bash', input: { command: `npm test -- --grep case${i}`, description: 'run tests' }, parentToolUseId: parent });
    else if (kind === 1) out.push({ type: 'tool_use', toolUseId: id, name: 'Read', input: { file_path: `/work/src/file${i}.ts` }, parentToolUseId: parent });
    else if (kind === 2) out.push({ type: 'tool_use', toolUseId: id, name: 'Edit', input: { file_path: `/work/src/file${i}.ts`, old_string: lines(6, 'old'), new_string: lines(7, 'new') }, parentToolUseId: parent });
    else out.push({ type: 'tool_use', toolUseId: id, name: 'Grep', input: { pattern: `fn${i}`, path: '/work/src' }, parentToolUseId: parent });
    out.push({ type: 'tool_result', toolUseId: id, content: lines(kind === 1 ? 30 : 5, `r${i}`), isError: i % 37 === 0, parentToolUseId: parent });
    if (i % 50 === 49) out.push({ type: 'tool_result', toolUseId: `task${Math.floor(i / 50)}`, content: 'sub-agent summary', isError: false, parentToolUseId: null });
    i++;
  }
  out.length = Math.min(out.length, total - 3);
  out.push({ type: 'text_delta', text: 'All done.', parentToolUseId: null });
  out.push({ type: 'result', subtype: 'success', isError: false, usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, costUsd: 0, numTurns: i, sessionId: 's', durationMs: 1 });
  out.push({ type: 'end', status: 'done', reason: null, durationMs: 1 });
  return out;
}

function record(services: Services, id: string, bodies: TranscriptEventBody[]): void {
  const rec = services.store.begin(id);
  for (const b of bodies) rec.emit(b);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(`skipped: ${missing}`);
    process.exit(0);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-bench-'));
  const outDir = path.join(dataDir, 'renderer');
  buildRenderer(outDir);
  const config = loadConfig({ DATA_DIR: dataDir } as NodeJS.ProcessEnv, { GATEWAY_PORT: 0, OAUTH_CALLBACK_PORT: 0, CLAUDE_SPARE_PROCESSES: 0, LOG_LEVEL: 'warn' });
  // No Claude run happens here: a runtime that is never called keeps the bench independent of the binary.
  const idle: ClaudeRuntime = { kind: 'local', ready: async () => undefined, run: () => { throw new Error('not used'); } } as unknown as ClaudeRuntime;
  const services = await buildServices(config, { runtime: idle, oauth: false, consoleLog: false });
  const control = installControlApi(services, { serveDashboard: true, dashboardDir: outDir, env: {} });
  await services.start();
  const cases = [
    { name: 'baseline', events: syntheticRun(100) },
    { name: `${EVENTS} events`, events: syntheticRun(EVENTS) },
  ];
  cases.forEach((c, k) => record(services, `bench_${k}`, c.events));
  const browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  const rows: Array<{ name: string; events: number; paint: number; scroll: number; dom: number }> = [];
  const measure = async (k: number): Promise<{ paint: number; scroll: number; dom: number }> => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${services.url}/#token=${control.token}`);
      await page.waitForSelector('[data-testid="transcript-list"], .empty');
      // Fresh document per run: navigation start is the time origin of performance.now().
      await page.goto('about:blank');
      await page.goto(`${services.url}/#/transcripts/bench_${k}`);
      const paint = await page.waitForFunction(() => (document.querySelector('[data-kind="prompt"]') ? performance.now() : 0), undefined, { polling: 'raf', timeout: 60_000 });
      const scroll = await page.evaluate(async () => {
        const el = document.querySelector<HTMLElement>('[data-testid="events-scroll"]');
        if (!el) return -1;
        const t0 = performance.now();
        for (let i = 0; i < 600; i++) {
          el.scrollTop = el.scrollHeight;
          await new Promise((res) => requestAnimationFrame(() => res(null)));
          const end = document.querySelector('[data-kind="end"]');
          if (end && el.scrollHeight - el.scrollTop - el.clientHeight < 2) return performance.now() - t0;
        }
        return -1;
      });
      return { paint: Number(await paint.jsonValue()), scroll, dom: await page.locator('.events-scroll .row').count() };
    } finally {
      await page.close();
    }
  };
  try {
    // Warm-up (Chromium, server and page caches), then the cases interleaved so drift on a shared machine hits both.
    for (const k of cases.keys()) await measure(k);
    const results = cases.map(() => [] as Array<{ paint: number; scroll: number; dom: number }>);
    for (let r = 0; r < RUNS; r++) for (const k of cases.keys()) results[k].push(await measure(k));
    for (const [k, c] of cases.entries()) {
      rows.push({ name: c.name, events: c.events.length, paint: median(results[k].map((x) => x.paint)), scroll: median(results[k].map((x) => x.scroll)), dom: Math.max(...results[k].map((x) => x.dom)) });
    }
  } finally {
    await browser.close();
    await services.stop({ graceMs: 0 });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const base = rows[0];
  console.log(`\nrender-transcript (Chromium, median of ${RUNS} after a warm-up; first paint = navigation start → first row drawn)`);
  console.log('| transcript | events | first paint (ms) | × baseline | scroll to end (ms) | × baseline | rows in DOM |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.events} | ${r.paint.toFixed(0)} | ${(r.paint / base.paint).toFixed(2)} | ${r.scroll.toFixed(0)} | ${(r.scroll / Math.max(1, base.scroll)).toFixed(2)} | ${r.dom} |`);
  }
  const big = rows[rows.length - 1];
  console.log(`\ntarget: first paint < 1000 ms for ${big.events} events → ${big.paint < 1000 ? 'met' : 'NOT met'} (${big.paint.toFixed(0)} ms)`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
