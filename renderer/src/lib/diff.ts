export type DiffLine = { op: ' ' | '+' | '-'; text: string };

/**
 * Line diff by longest common subsequence (trimmed common head/tail first, so typical edits are cheap). Above
 * `maxCells` of DP it gives up on alignment and shows old as removed, new as added — still correct, just coarser.
 */
export function lineDiff(oldText: string, newText: string, maxCells = 4_000_000): DiffLine[] {
  // a final newline ends the last line; it is not an empty line of its own
  const lines = (t: string): string[] => (t === '' ? [] : (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n'));
  const a = lines(oldText);
  const b = lines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: DiffLine[] = a.slice(0, start).map((text) => ({ op: ' ', text }));
  const tail: DiffLine[] = a.slice(endA).map((text) => ({ op: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > maxCells) {
    return [...head, ...midA.map((text): DiffLine => ({ op: '-', text })), ...midB.map((text): DiffLine => ({ op: '+', text })), ...tail];
  }
  // lcs[i][j] = LCS length of midA[i..] and midB[j..], flattened
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = midA[i] === midB[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const mid: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (midA[i] === midB[j]) {
      mid.push({ op: ' ', text: midA[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      mid.push({ op: '-', text: midA[i++] });
    } else {
      mid.push({ op: '+', text: midB[j++] });
    }
  }
  while (i < n) mid.push({ op: '-', text: midA[i++] });
  while (j < m) mid.push({ op: '+', text: midB[j++] });
  return [...head, ...mid, ...tail];
}

/** Keeps changed lines with `context` lines around them; runs of unchanged lines become a gap marker (null). */
export function withContext(lines: DiffLine[], context = 3): Array<DiffLine | null> {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, idx) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, idx - context); k <= Math.min(lines.length - 1, idx + context); k++) keep[k] = true;
  });
  const out: Array<DiffLine | null> = [];
  let gap = false;
  lines.forEach((l, idx) => {
    if (keep[idx]) {
      out.push(l);
      gap = false;
    } else if (!gap) {
      out.push(null);
      gap = true;
    }
  });
  return out;
}
