/**
 * `npm run bench:live`: turn 10 of a chat, in one run, as ratios (issue 12, live conversations):
 *   gateway with its kept Claude process ÷ a prompt written straight into a running `claude` holding that session
 *   (the floor; target ≤ 1.2), and ÷ the same turn by resume in a new process (live conversations off; target ≤ 0.3);
 * plus the RSS of one kept process. Interleaved rounds, medians; scripted model; gateways run in this process.
 * Appends its table to bench/RESULTS.md. Env: BENCH_ROUNDS (default 3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query, type Options } from '@anthropic-ai/claude-agent-sdk';
import OpenAI from 'openai';
import { resolveClaudeBinary } from '../main/claude/binary.ts';
import { InputFeed } from '../main/claude/input-feed.ts';
import { startScriptedAnthropic, type Script } from '../tests/fixtures/scripted-anthropic.ts';
import { claudeTestEnv, startTestGateway, type TestGateway } from '../tests/helpers/gateway.ts';
import { rssMb } from './proc.ts';
import { fmtMs, fmtRatio, markdownTable, median, textTable, type Row } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TURNS = 10;
const here = path.dirname(fileURLToPath(import.meta.url));
type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const script: Script = (_req, info) => ({ blocks: [{ type: 'text', text: `Answer to turn ${info.userTexts.length}: noted.`, chunks: 4 }] });

function log(msg: string): void {
  process.stderr.write(`[bench:live] ${msg}\n`);
}

/** Ten turns of one chat through a gateway; the TTFT (request sent → first content delta) of the last one. */
async function gatewayTurn10(gw: TestGateway, tag: string): Promise<number> {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  const history: Msg[] = [];
  let ttft = NaN;
  for (let turn = 1; turn <= TURNS; turn++) {
    history.push({ role: 'user', content: `${tag} turn ${turn}: remember the number ${turn * 7}.` });
    const t0 = performance.now();
    const stream = await client.chat.completions.create({ model: 'sonnet', messages: history, stream: true });
    let text = '';
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta?.content;
      if (d && !text) ttft = performance.now() - t0;
      if (d) text += d;
    }
    history.push({ role: 'assistant', content: text });
  }
  return ttft;
}

/** Ten prompts written into one running `claude` (stream-json input): the TTFT of the last, from its write. */
async function directTurn10(apiUrl: string, binary: string, tag: string): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
  const feed = new InputFeed();
  const options: Options = {
    cwd: home, env: { ...process.env, ...claudeTestEnv(apiUrl, home) }, includePartialMessages: true, pathToClaudeCodeExecutable: binary,
    allowedTools: ['Bash', 'Read', 'Write', 'Edit', 'Glob', 'Grep'], systemPrompt: { type: 'preset', preset: 'claude_code' },
  };
  const q = query({ prompt: feed, options });
  const it = q[Symbol.asyncIterator]();
  let ttft = NaN;
  try {
    for (let turn = 1; turn <= TURNS; turn++) {
      const t0 = performance.now();
      feed.push([{ role: 'user', content: `${tag} turn ${turn}: remember the number ${turn * 7}.` }]);
      let first = true;
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error('claude exited');
        const m = r.value;
        if (first && m.type === 'stream_event' && m.event.type === 'content_block_delta' && m.event.delta.type === 'text_delta') {
          ttft = performance.now() - t0;
          first = false;
        }
        if (m.type === 'result') break;
      }
    }
  } finally {
    feed.end();
    q.close();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
  return ttft;
}

async function main(): Promise<void> {
  const binary = resolveClaudeBinary();
  if (!binary) throw new Error('Claude Code binary not found: run npm install');
  const api = await startScriptedAnthropic(script);
  const live = await startTestGateway({ script, api, config: { MAX_LIVE_CONVERSATIONS: 16, CONVERSATION_KEEPALIVE_S: 600, CLAUDE_SPARE_PROCESSES: 0 } });
  const resume = await startTestGateway({ script, api, config: { MAX_LIVE_CONVERSATIONS: 0, CLAUDE_SPARE_PROCESSES: 0 } });
  const t = { live: [] as number[], direct: [] as number[], resume: [] as number[] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      t.direct.push(await directTurn10(api.url, binary, `d${round}`));
      t.live.push(await gatewayTurn10(live, `l${round}`));
      t.resume.push(await gatewayTurn10(resume, `r${round}`));
      log(`round ${round}: live ${fmtMs(t.live.at(-1)!)}, direct ${fmtMs(t.direct.at(-1)!)}, resume ${fmtMs(t.resume.at(-1)!)}`);
    }
    const kept = live.services.runtime.livePids();
    const rss = kept.map(rssMb);
    const [l, d, r] = [median(t.live), median(t.direct), median(t.resume)];
    const rows: Row[] = [
      {
        figure: 'TTFT turn 10, gateway (live conversation) ÷ prompt into a running claude holding the session',
        measured: `${fmtRatio(l / d)} (${fmtMs(l)} vs ${fmtMs(d)})`, target: '≤ 1.2', pass: l / d <= 1.2,
        detail: `median of ${ROUNDS} chats of ${TURNS} turns each, interleaved; gateway timed from the HTTP request (openai SDK, stream) to the first content delta, the floor from the prompt's write into \`claude\`'s stdin to its first text delta`,
      },
      {
        figure: 'TTFT turn 10, gateway (live conversation) ÷ gateway resuming the session (live off)',
        measured: `${fmtRatio(l / r)} (${fmtMs(l)} vs ${fmtMs(r)})`, target: '≤ 0.3', pass: l / r <= 0.3,
        detail: `same chats with MAX_LIVE_CONVERSATIONS=0: each turn resumes the session in a new Claude process`,
      },
      {
        figure: 'RSS per live conversation (kept Claude process, idle)',
        measured: rss.length ? `${Math.round(median(rss))} MB` : 'n/a', target: '—', pass: null,
        detail: `median over the ${rss.length} processes kept after the runs (${rss.map((x) => Math.round(x)).join(', ')} MB)`,
      },
    ];
    const text = textTable(rows);
    process.stdout.write(`${text}\n`);
    const out = path.join(here, 'RESULTS.md');
    const header = `\n## Live conversations (npm run bench:live, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores)\n\n`;
    fs.appendFileSync(out, `${header}${markdownTable(rows)}\n`);
  } finally {
    await live.close();
    await resume.close();
    await api.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
