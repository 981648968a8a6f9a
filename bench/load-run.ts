/**
 * The load run behind bench/load.ts (and the smaller tests/reliability/load.test.ts): N agentic requests spread over a window against the real gateway + real Claude Code + scripted model,
 * mixed stream / non-stream / cancelled. Prints requests, outcomes, errors, p50/p95 TTFT and the gateway's RSS before
 * and after. Run: `node --import tsx bench/load.ts [--requests 200] [--seconds 60]`.
 * Targets: 0 lost (every request ends with an answer, an error or a recorded cancel), 0 Claude processes left,
 * RSS back within 10% of its start once idle.
 */
import { bashThenAnswer } from '../tests/fixtures/scripts.ts';
import { startTestGateway } from '../tests/helpers/gateway.ts';
import { startScriptedAnthropic } from '../tests/fixtures/scripted-anthropic.ts';


const rssMb = (): number => process.memoryUsage().rss / 1024 / 1024;
const heapMb = (): number => process.memoryUsage().heapUsed / 1024 / 1024;
const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

type Kind = 'stream' | 'non-stream' | 'cancel';
interface Result { kind: Kind; status: number | 'network-error'; outcome: 'answer' | 'error' | 'cancelled' | 'lost'; ttftMs: number | null; id: string | null }

async function one(v1: string, kind: Kind, n: number): Promise<Result> {
  const ac = new AbortController();
  const t0 = performance.now();
  try {
    const res = await fetch(`${v1}/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: kind !== 'non-stream', messages: [{ role: 'user', content: `load ${n}` }] }),
    });
    const id = res.headers.get('x-request-id');
    if (res.status !== 200) return { kind, status: res.status, outcome: 'error', ttftMs: null, id };
    if (kind === 'non-stream') {
      const body = (await res.json()) as { choices?: Array<{ message: { content: string } }> };
      return { kind, status: 200, outcome: body.choices?.[0]?.message.content ? 'answer' : 'lost', ttftMs: performance.now() - t0, id };
    }
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    let ttft: number | null = null;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += dec.decode(r.value, { stream: true });
      if (ttft === null && text.includes('"content":"I')) {
        ttft = performance.now() - t0;
        if (kind === 'cancel') { ac.abort(); return { kind, status: 200, outcome: 'cancelled', ttftMs: ttft, id }; }
      }
    }
    const ended = text.trimEnd().endsWith('data: [DONE]');
    return { kind, status: 200, outcome: !ended ? 'lost' : text.includes('"error"') ? 'error' : 'answer', ttftMs: ttft, id };
  } catch {
    return { kind, status: 'network-error', outcome: ac.signal.aborted ? 'cancelled' : 'lost', ttftMs: null, id: null };
  }
}

export interface LoadFigures { requests: number; answers: number; errors: number; cancelled: number; lost: number; leftover: number; ttftP50: number; ttftP95: number; rssBeforeMb: number; rssAfterMb: number; wallS: number; table: string }

export async function runLoad(N: number, WINDOW_S: number): Promise<LoadFigures> {
  // The scripted model keeps no request log: the memory figures are the gateway's own.
  const api = await startScriptedAnthropic(bashThenAnswer('echo load-$((1+1))'), { keepRequests: 0 });
  const gw = await startTestGateway({ script: bashThenAnswer('echo load-$((1+1))'), api, config: { MAX_CONCURRENT_RUNS: 4, MAX_QUEUED_RUNS: N, REQUEST_TIMEOUT_S: 600 } });
  // Baseline after a warm-up (lazy modules, JIT) and a collection, so the figure is what the load leaves behind.
  await Promise.all([one(gw.v1, 'stream', -1), one(gw.v1, 'non-stream', -2)]);
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 500));
  }
  const rssBefore = rssMb();
  const heapBefore = heapMb();
  const kinds: Kind[] = ['stream', 'non-stream', 'stream', 'cancel'];
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: N }, (_, i) => new Promise<Result>((resolve) => {
      setTimeout(() => void one(gw.v1, kinds[i % kinds.length], i).then(resolve), (i * WINDOW_S * 1000) / N);
    })),
  );
  const wallS = (performance.now() - started) / 1000;
  // Let cancelled runs settle, then check the transcripts recorded every request.
  for (let i = 0; i < 50 && (gw.services.executor.activeCount > 0 || gw.services.runtime.livePids().length > 0); i++) await new Promise((r) => setTimeout(r, 200));
  const leftover = gw.services.runtime.livePids().length;
  const unrecorded = results.filter((r) => r.id && r.status === 200 && !['done', 'error', 'cancelled'].includes(gw.services.store.summary(r.id)?.status ?? '')).length;
  // Idle memory: collect garbage (run with --expose-gc: npm run bench:load) and let the allocator settle.
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 1000));
  }
  const rssAfter = rssMb();
  const heapAfter = heapMb();
  const lost = results.filter((r) => r.outcome === 'lost').length + unrecorded;
  const ttfts = results.filter((r) => r.kind === 'stream' && r.ttftMs !== null).map((r) => r.ttftMs as number);
  const rows: Array<[string, string, string]> = [
    ['requests', `${N} over ${WINDOW_S}s (took ${wallS.toFixed(1)}s)`, ''],
    ['answers / errors / cancelled', `${results.filter((r) => r.outcome === 'answer').length} / ${results.filter((r) => r.outcome === 'error').length} / ${results.filter((r) => r.outcome === 'cancelled').length}`, ''],
    ['lost', String(lost), lost === 0 ? 'PASS (0)' : 'FAIL (0)'],
    ['Claude processes left', String(leftover), leftover === 0 ? 'PASS (0)' : 'FAIL (0)'],
    ['TTFT p50 / p95 (stream)', `${pct(ttfts, 50).toFixed(0)} ms / ${pct(ttfts, 95).toFixed(0)} ms`, ''],
    ['RSS before / after', `${rssBefore.toFixed(0)} MB / ${rssAfter.toFixed(0)} MB`, rssAfter <= rssBefore * 1.1 ? 'PASS (≤ +10%)' : 'FAIL (≤ +10%)'],
    ['JS heap used before / after', `${heapBefore.toFixed(1)} MB / ${heapAfter.toFixed(1)} MB`, ''],
  ];
  const table = ['| figure | value | target |', '|---|---|---|', ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n');
  await gw.close();
  await api.close();
  return {
    requests: N, answers: results.filter((r) => r.outcome === 'answer').length, errors: results.filter((r) => r.outcome === 'error').length,
    cancelled: results.filter((r) => r.outcome === 'cancelled').length, lost, leftover, ttftP50: pct(ttfts, 50), ttftP95: pct(ttfts, 95),
    rssBeforeMb: rssBefore, rssAfterMb: rssAfter, wallS, table,
  };
}
