import type { Metrics, MetricsBucket } from '../contract/control-api.ts';
import type { TranscriptSummary } from '../contract/events.ts';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Request rate and latency per minute over the last `windowMinutes`, from transcript summaries (the store is the
 * record, so the chart survives restarts). Latency is counted in the minute a request ended.
 */
export function computeMetrics(summaries: Iterable<TranscriptSummary>, now: number, windowMinutes = 15): Metrics {
  const minute = 60_000;
  const end = Math.floor(now / minute) * minute + minute;
  const start = end - windowMinutes * minute;
  const buckets: Array<MetricsBucket & { lat: number[] }> = [];
  for (let t = start; t < end; t += minute) buckets.push({ start: new Date(t).toISOString(), requests: 0, done: 0, errors: 0, p50Ms: null, p95Ms: null, lat: [] });
  const all: number[] = [];
  let requests = 0;
  let errors = 0;
  for (const s of summaries) {
    const started = Date.parse(s.startedAt);
    if (started >= start && started < end) {
      buckets[Math.floor((started - start) / minute)].requests++;
      requests++;
    }
    if (s.endedAt && s.durationMs !== null) {
      const ended = Date.parse(s.endedAt);
      if (ended >= start && ended < end) {
        const b = buckets[Math.floor((ended - start) / minute)];
        if (s.status === 'done') b.done++;
        else if (s.status === 'error' || s.status === 'interrupted') {
          b.errors++;
          errors++;
        }
        b.lat.push(s.durationMs);
        all.push(s.durationMs);
      }
    }
  }
  const out: MetricsBucket[] = buckets.map(({ lat, ...b }) => {
    lat.sort((x, y) => x - y);
    return { ...b, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95) };
  });
  all.sort((x, y) => x - y);
  return {
    windowMinutes,
    buckets: out,
    total: { requests, errors, p50Ms: percentile(all, 50), p95Ms: percentile(all, 95), perMinute: Math.round((requests / windowMinutes) * 100) / 100 },
  };
}
