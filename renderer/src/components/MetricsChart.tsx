import type { ReactNode } from 'react';
import type { Metrics } from '../../../main/contract/control-api.ts';
import { formatDuration } from '../lib/format.ts';

const W = 720;
const H = 150;
const PAD = { l: 34, r: 56, t: 10, b: 20 };

/**
 * Requests started per minute (bars; the part that ended in error is red) and latency p50/p95 of the requests that
 * ended in each minute (lines, right axis), over the last 15 minutes. Plain SVG, no chart library.
 */
export function MetricsChart({ metrics }: { metrics: Metrics }): ReactNode {
  const b = metrics.buckets;
  const n = b.length || 1;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = iw / n;
  const maxReq = Math.max(1, ...b.map((x) => Math.max(x.requests, x.errors)));
  const maxLat = Math.max(1, ...b.map((x) => x.p95Ms ?? 0));
  const x = (i: number): number => PAD.l + i * bw;
  const yReq = (v: number): number => PAD.t + ih - (v / maxReq) * ih;
  const yLat = (ms: number): number => PAD.t + ih - (ms / maxLat) * ih;
  const points = (pick: (i: number) => number | null): Array<[number, number]> =>
    b.flatMap((_, i) => {
      const v = pick(i);
      return v === null ? [] : [[x(i) + bw / 2, yLat(v)] as [number, number]];
    });
  const p50 = points((i) => b[i].p50Ms);
  const p95 = points((i) => b[i].p95Ms);
  return (
    <div className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Requests per minute and latency over the last 15 minutes">
        <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + ih} y2={PAD.t + ih} className="axis" />
        <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t} y2={PAD.t} className="grid" />
        {b.map((bk, i) => {
          const errH = Math.min(bk.errors, maxReq) / maxReq * ih;
          const okH = Math.max(0, (bk.requests / maxReq) * ih - errH);
          return (
            <g key={bk.start}>
              <title>
                {new Date(bk.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: {bk.requests} started · {bk.done} done · {bk.errors} failed · p50 {formatDuration(bk.p50Ms)} · p95{' '}
                {formatDuration(bk.p95Ms)}
              </title>
              <rect x={x(i) + 3} y={yReq(0) - okH - errH} width={Math.max(1, bw - 6)} height={okH} className="bar" />
              <rect x={x(i) + 3} y={yReq(0) - errH} width={Math.max(1, bw - 6)} height={errH} className="bar-err" />
            </g>
          );
        })}
        {p95.length > 1 ? <polyline points={p95.map((p) => p.join(',')).join(' ')} className="lat p95" /> : null}
        {p50.length > 1 ? <polyline points={p50.map((p) => p.join(',')).join(' ')} className="lat p50" /> : null}
        {p95.map(([cx, cy], i) => (
          <circle key={`a${i}`} cx={cx} cy={cy} r={3} className="dot p95" />
        ))}
        {p50.map(([cx, cy], i) => (
          <circle key={`b${i}`} cx={cx} cy={cy} r={3} className="dot p50" />
        ))}
        <text x={PAD.l - 6} y={PAD.t + 4} className="tick" textAnchor="end">
          {maxReq}
        </text>
        <text x={PAD.l - 6} y={PAD.t + ih} className="tick" textAnchor="end">
          0
        </text>
        <text x={W - PAD.r + 6} y={PAD.t + 4} className="tick">
          {formatDuration(maxLat)}
        </text>
        <text x={W - PAD.r + 6} y={PAD.t + ih} className="tick">
          0 s
        </text>
        <text x={PAD.l} y={H - 4} className="tick">
          −{metrics.windowMinutes} min
        </text>
        <text x={W - PAD.r} y={H - 4} className="tick" textAnchor="end">
          now
        </text>
      </svg>
      <div className="legend">
        <span>
          <i className="sw bar" /> requests / min
        </span>
        <span>
          <i className="sw err" /> failed
        </span>
        <span>
          <i className="sw p50" /> p50 latency
        </span>
        <span>
          <i className="sw p95" /> p95 latency
        </span>
      </div>
    </div>
  );
}
