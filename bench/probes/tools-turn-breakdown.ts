/**
 * Probe (issue 22, OpenWebUI's 34 tools): where a turn spends its time with and without the tools — turn 1 on a bound
 * spare (settled 1.5 s, as in bench:spares) and turns 2–3 in the chat's kept process. Marks per turn: request sent →
 * runtime run() called (the gateway's own work before Claude) → the model request reaches the scripted API (Claude
 * Code's work on the prompt; `listWait`, inside it, is the wait for Claude Code to read a changed tool list) → first
 * text delta out of the runtime → first content delta at the client. Run: npx tsx bench/probes/tools-turn-breakdown.ts
 */
import OpenAI from 'openai';
import { ToolEndpoint } from '../../main/claude/client-tool-endpoint.ts';
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
const use = ToolEndpoint.prototype.use;
ToolEndpoint.prototype.use = async function (turn) {
  const t0 = performance.now();
  await use.call(this, turn);
  marks.listWait ??= performance.now() - t0;
};
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
  return { text, m: { gateway: marks.run - t0, claude: marks.api - marks.run, listWait: marks.listWait ?? 0, model: marks.delta - marks.api, out: client0 - marks.delta, total: client0 - t0 } };
}

async function settledSpare(): Promise<void> {
  for (let w = 0; w < 2400 && (rt.spares?.()?.bound ?? 0) < 1; w++) await sleep(50);
  await sleep(1_500);
}

const rows: Record<string, Array<Record<string, number>>> = { tools: [], none: [], 'tools turn 1': [], 'none turn 1': [] };
for (let round = 0; round < 6; round++) {
  for (const kind of ['tools', 'none'] as const) {
    const chat = `${kind}-${round}`;
    const h: Msg[] = [{ role: 'user', content: `${chat}: hello` }];
    await settledSpare();
    const first = await turn(chat, h, kind === 'tools');
    rows[`${kind} turn 1`].push(first.m);
    let last = first.text;
    for (const n of [2, 3]) {
      await settledSpare();
      h.push({ role: 'assistant', content: last }, { role: 'user', content: `${chat}: turn ${n}` });
      const t = await turn(chat, h, kind === 'tools');
      last = t.text;
      rows[kind].push(t.m);
    }
  }
}
for (const kind of Object.keys(rows)) {
  const keys = Object.keys(rows[kind][0]);
  console.log(kind.padEnd(12), keys.map((k) => `${k} ${median(rows[kind].map((r) => r[k])).toFixed(1)} ms`).join(' | '));
}
await gw.close();
await api.close();
