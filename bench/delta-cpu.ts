/**
 * The streaming path's own CPU per delta: SDK message → transcript event → transcript append → rendered chunk → SSE.
 * The gateway runs in this process (buildServices, as the apps do) with the real Claude Code as its child and the
 * scripted model in another process, so process.cpuUsage() counts the gateway (and a byte-counting client) only.
 * Per delta = (CPU of a LONG answer − CPU of a 1-delta answer) ÷ (LONG − 1): start-up, spawn and the request's
 * fixed work cancel out. Beside it, in the same run, the floor: the same client reading the same number of chunks
 * from the SSE writer alone. `node --import tsx bench/delta-cpu.ts` alone, or as part of `npm run bench`.
 *
 * Env: BENCH_DELTA_REPS (default 7), BENCH_DELTAS (5000).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../main/config/load.ts';
import { SseWriter } from '../main/gateway/sse.ts';
import { buildServices } from '../main/services.ts';
import { claudeTestEnv } from '../tests/helpers/gateway.ts';
import { startScriptedChild } from './scripted-process.ts';
import { median, textTable, type Row } from './stats.ts';

const TARGET_US = 20;

function log(msg: string): void {
  process.stderr.write(`[bench:delta] ${msg}\n`);
}

/** CPU (user + system) of this process in µs. */
function cpuUs(): number {
  const u = process.cpuUsage();
  if (process.env.BENCH_DELTA_SPLIT) process.stderr.write(`[cpu] user ${u.user} system ${u.system}\n`);
  return u.user + u.system;
}

/**
 * The client, in its own process so its CPU is not counted: one streamed chat completion, read raw; prints the
 * number of content chunks, their characters and whether [DONE] came.
 */
const CLIENT = `
const http = require('node:http');
const [url, body] = process.argv.slice(1);
const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
  if (res.statusCode !== 200) { console.log(JSON.stringify({ error: 'HTTP ' + res.statusCode })); return; }
  res.setEncoding('utf8');
  let buf = '', chunks = 0, chars = 0, done = false;
  res.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\\n\\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (frame === 'data: [DONE]') done = true;
      const c = frame.indexOf('"content":"');
      if (c >= 0) {
        const text = frame.slice(c + 11, frame.indexOf('"}', c));
        if (text) { chunks++; chars += text.length; }
      }
    }
  });
  res.on('end', () => console.log(JSON.stringify({ chunks, chars, done })));
});
req.on('error', (e) => console.log(JSON.stringify({ error: e.message })));
req.end(body);
`;

function streamChat(url: string, body: unknown): Promise<{ chunks: number; chars: number; done: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, url, JSON.stringify(body)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.once('exit', () => {
      try {
        const r = JSON.parse(out) as { chunks: number; chars: number; done: boolean; error?: string };
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      } catch {
        reject(new Error(`client printed ${JSON.stringify(out)}`));
      }
    });
  });
}

/** The floor: the SSE writer alone sends n chunks of the same shape, read by the same client. */
async function floorServer(): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'));
    req.resume();
    req.on('end', () => {
      const sse = new SseWriter(res, { keepAliveMs: 5_000 });
      const base = { id: 'chatcmpl-floor', object: 'chat.completion.chunk', created: 0, model: 'sonnet' };
      let i = 0;
      // 64 chunks a tick, about what Claude's stdout delivers per read at this rate
      const tick = (): void => {
        for (const end = Math.min(n, i + 64); i < end; i++) sse.data({ ...base, choices: [{ index: 0, delta: { content: `w${String(i).padStart(4, '0')} ` }, logprobs: null, finish_reason: null }] });
        if (i < n) setImmediate(tick);
        else sse.done();
      };
      tick();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function measureDeltaCpu(opts: { reps?: number; deltas?: number } = {}): Promise<Row[]> {
  const reps = opts.reps ?? Number(process.env.BENCH_DELTA_REPS ?? 7);
  const deltas = opts.deltas ?? Number(process.env.BENCH_DELTAS ?? 5_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-bench-delta-'));
  const model = await startScriptedChild();
  const config = loadConfig({ DATA_DIR: path.join(root, 'data') } as NodeJS.ProcessEnv, {
    GATEWAY_PORT: 0, OAUTH_CALLBACK_PORT: 0, CLAUDE_SPARE_PROCESSES: 0, CLAUDE_ALLOWED_TOOLS: 'Bash,Read', LOG_LEVEL: 'warn', DASHBOARD: false,
  });
  const services = await buildServices(config, { claudeEnv: { ...process.env, ...claudeTestEnv(model.url, path.join(root, 'home')) }, consoleLog: false, oauth: false });
  const floor = await floorServer();
  try {
    await services.start();
    const v1 = `${services.url}/v1`;
    let nonce = 0;
    const ask = async (n: number): Promise<number> => {
      const before = cpuUs();
      const r = await streamChat(`${v1}/chat/completions`, { model: 'sonnet', stream: true, messages: [{ role: 'user', content: `bench DELTAS=${n} (#${++nonce})` }] });
      const used = cpuUs() - before;
      if (!r.done || r.chars !== n * 6) throw new Error(`answer incomplete: ${r.chunks} chunks, ${r.chars}/${n * 6} chars`);
      return used;
    };
    const floorRun = async (n: number): Promise<number> => {
      const before = cpuUs();
      const r = await streamChat(`${floor.base}/floor?n=${n}`, {});
      const used = cpuUs() - before;
      if (!r.done || r.chunks !== n) throw new Error(`floor incomplete: ${r.chunks}/${n}`);
      return used;
    };
    // The Agent SDK alone: the same answer's messages read straight from the runtime, nothing of the gateway after.
    const sdkOnly = async (n: number): Promise<number> => {
      const before = cpuUs();
      let seen = 0;
      const prompt = `bench DELTAS=${n} (#${++nonce})`;
      for await (const m of services.runtime.run({
        messages: [{ role: 'user', content: prompt }], systemPrompt: null, model: 'sonnet', cwd: config.claudeCwd,
        allowedTools: config.CLAUDE_ALLOWED_TOOLS, disallowedTools: [], permissionMode: 'default', maxTurns: 0, abortController: new AbortController(),
      })) {
        if (m.type === 'stream_event' && m.event.type === 'content_block_delta') seen++;
      }
      const used = cpuUs() - before;
      if (seen !== n) throw new Error(`SDK run incomplete: ${seen}/${n} deltas`);
      return used;
    };
    log(`warming up (${deltas} deltas)`);
    await ask(1);
    await ask(deltas);
    const gw: number[] = [];
    const fl: number[] = [];
    const sdk: number[] = [];
    for (let i = 0; i < reps; i++) {
      const short = await ask(1);
      const long = await ask(deltas);
      gw.push((long - short) / (deltas - 1));
      fl.push((await floorRun(deltas)) / deltas);
      const sdkShort = await sdkOnly(1);
      sdk.push(((await sdkOnly(deltas)) - sdkShort) / (deltas - 1));
      log(`rep ${i + 1}/${reps}: gateway ${gw[i].toFixed(1)} µs/delta, Agent SDK alone ${sdk[i].toFixed(1)}, SSE writer alone ${fl[i].toFixed(1)}`);
    }
    const g = median(gw);
    const f = median(fl);
    const k = median(sdk);
    const own = median(gw.map((x, i) => x - sdk[i]));
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
    return [
      {
        figure: `streaming path CPU per delta, gateway's own (SDK message → event → transcript → chunk → SSE)`,
        measured: `${own.toFixed(1)} µs`,
        target: `≤ ${TARGET_US} µs`,
        pass: own <= TARGET_US,
        detail: `median of ${reps} (gateway − Agent SDK alone, per rep): ${list(gw.map((x, i) => x - sdk[i]))}`,
      },
      {
        figure: `gateway process CPU per delta (${deltas.toLocaleString('en')}-delta answer, in-process)`,
        measured: `${g.toFixed(1)} µs`,
        target: '—',
        pass: null,
        detail: `median of ${reps}: (CPU of a ${deltas}-delta answer − CPU of a 1-delta answer) ÷ ${deltas - 1}, the client in its own process; reps ${list(gw)}`,
      },
      {
        figure: 'Agent SDK alone per delta (its parse of Claude\'s output; the gateway cannot avoid it)',
        measured: `${k.toFixed(1)} µs`,
        target: '—',
        pass: null,
        detail: `the same answer read straight from the runtime with nothing after it; reps ${list(sdk)}. Gateway ÷ SDK alone: ${(g / k).toFixed(2)}`,
      },
      {
        figure: 'SSE writer alone per chunk (same client, same chunk shape)',
        measured: `${f.toFixed(1)} µs`,
        target: '—',
        pass: null,
        detail: `${deltas} chunks, 64 a tick; reps ${list(fl)}. Gateway ÷ SSE writer alone: ${(g / f).toFixed(2)}`,
      },
    ];
  } finally {
    await services.stop({ graceMs: 0 });
    await floor.close();
    await model.stop();
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await measureDeltaCpu();
  console.log(textTable(rows));
  process.exit(0);
}
