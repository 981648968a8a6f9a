/** Small statistics and table helpers for the benchmark. */

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function fmtMs(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a';
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? r.toFixed(2) : 'n/a';
}

export interface Row {
  figure: string;
  measured: string;
  target: string;
  /** null = informational row (no target). */
  pass: boolean | null;
  detail: string;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - s.length));
}

export function textTable(rows: readonly Row[]): string {
  const head = ['figure', 'measured', 'target', 'result'];
  const cells = rows.map((r) => [r.figure, r.measured, r.target, r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((v, i) => pad(v, widths[i])).join(' | ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)];
  out.push('', ...rows.map((r) => `  ${r.figure}: ${r.detail}`));
  return out.join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const out = ['| figure | measured | target | result | detail |', '|---|---|---|---|---|'];
  for (const r of rows) out.push(`| ${r.figure} | ${r.measured} | ${r.target} | ${r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL'} | ${r.detail} |`);
  return out.join('\n');
}
