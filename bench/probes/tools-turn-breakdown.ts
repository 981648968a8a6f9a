/**
 * Probe (issue 22, turns 2–3 with OpenWebUI's 34 tools): where a kept process's turn spends its time with and without
 * the tools. Marks per turn: request sent → runtime run() called (the gateway's own work before Claude) → the model
 * request reaches the scripted API (Claude Code's work on the prompt) → first text delta out of the runtime → first
 * content delta at the client. Run: npx tsx bench/probes/tools-turn-breakdown.ts
 */
import OpenAI from 'openai';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { OPENWEBUI_TOOLS } from '../../tests/fixtures/openwebui-tools.ts';
import { startTestGateway } from '../../tests/helpers/gateway.ts';
import { median } from '../stats.ts';
import { markRuns } from './mark-runs.ts';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;
const marks: Record<string, number> = {};
const script: Script = (_req, info) => {
  if (info.isMainLoop) marks.api ??= performance.now();
  return { blocks: [{ type: 'text', text: `turn ${info.userTexts.length}`, chunks: 2 }] };
};
const api = await startScriptedAnthropic(script, { keepRequests: 0 });
const gw = await startTestGateway({ script, api, config: { CLAUDE_SPARE_PROCESSES: 1, MAX_LIVE_CONVERSATIONS: 8 } });
const rt = gw.services.runtime;
markRuns(rt, marks);
const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function turn(chat: string, messages: Msg[], tools: boolean): Promise<{ text: string; m: Record<string, number> }> {
  for (const k of Object.keys(marks)) delete marks[k];
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model: 'sonnet', messages, stream: true, ...(tools ? { tools: OPENWEBUI_TOOLS } : {}) }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
  let text = '';
  let client0 = 0;
  for await (const c of stream) {
    const d = c.choices[0]?.delta?.content;
    if (d && !client0) client0 = performance.now();
    if (d) text += d;
  }
  return { text, m: { gateway: marks.run - t0, claude: marks.api - marks.run, model: marks.delta - marks.api, out: client0 - marks.delta, total: client0 - t0 } };
}

const rows: Record<string, Array<Record<string, number>>> = { tools: [], none: [] };
for (let round = 0; round < 6; round++) {
  for (const kind of ['tools', 'none'] as const) {
    const chat = `${kind}-${round}`;
    const h: Msg[] = [{ role: 'user', content: `${chat}: hello` }];
    let last = (await turn(chat, h, kind === 'tools')).text;
    for (const n of [2, 3]) {
      await sleep(300);
      h.push({ role: 'assistant', content: last }, { role: 'user', content: `${chat}: turn ${n}` });
      const t = await turn(chat, h, kind === 'tools');
      last = t.text;
      rows[kind].push(t.m);
    }
  }
}
for (const kind of ['tools', 'none'] as const) {
  const keys = Object.keys(rows[kind][0]);
  console.log(kind.padEnd(6), keys.map((k) => `${k} ${median(rows[kind].map((r) => r[k])).toFixed(1)} ms`).join(' | '));
}
await gw.close();
await api.close();
