/**
 * Probe (issue 22 item 7): where a new chat's time to first token goes on a spare, per policy. Wraps the runtime's
 * run() of a test gateway: request sent → run() called (gateway before Claude) → first SDK message → first text delta
 * from Claude → first content delta at the client. Run: npx tsx bench/probes/warm-start-breakdown.ts
 */
import OpenAI from 'openai';
import { startScriptedAnthropic, type Script } from '../../tests/fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../../tests/helpers/gateway.ts';
import { median } from '../stats.ts';
import { markRuns } from './mark-runs.ts';

const marks: Record<string, number> = {};
const script: Script = (_req, info) => {
  if (info.isMainLoop) marks.api ??= performance.now();
  return { blocks: [{ type: 'text', text: 'hello there', chunks: 2 }] };
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const api = await startScriptedAnthropic(script, { keepRequests: 0 });

async function probe(policy: 'full' | 'sandboxed'): Promise<void> {
  const gw: TestGateway = await startTestGateway({ script, api, config: { CLAUDE_SPARE_PROCESSES: 1, DEFAULT_POLICY: policy, MAX_LIVE_CONVERSATIONS: 8 } });
  const rt = gw.services.runtime;
  markRuns(rt, marks);
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  const rows: Array<Record<string, number>> = [];
  for (let i = 0; i < 6; i++) {
    for (let w = 0; w < 2400; w++) {
      const s = rt.spares?.();
      if ((s?.bound ?? 0) === 1) break;
      await sleep(50);
    }
    await sleep(1_000);
    for (const k of Object.keys(marks)) delete marks[k];
    const t0 = performance.now();
    const stream = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: `hello ${i}` }], stream: true }, { headers: { 'X-OpenWebUI-Chat-Id': `${policy}-${i}` } });
    let first = 0;
    for await (const c of stream) if (c.choices[0]?.delta?.content && !first) first = performance.now();
    rows.push({ gatewayBeforeRun: marks.run - t0, runToFirstMsg: marks.msg - marks.run, runToApiRequest: marks.api - marks.run, apiToModelStart: marks.modelStart - marks.api, toDelta: marks.delta - marks.run, deltaToClient: first - marks.delta, total: first - t0 });
  }
  const keys = Object.keys(rows[0]);
  console.log(`${policy} (resolved ${gw.services.policy.defaults.policy.mode}), spare claims ${rt.spares?.()?.claims}:`, keys.map((k) => `${k} ${Math.round(median(rows.slice(1).map((r) => r[k])))} ms`).join(', '));
  await gw.close();
}
await probe('full');
await probe('sandboxed');
await api.close();
process.exit(0);
