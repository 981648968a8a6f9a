// The skipped tests of a node:test TAP report, named with their suites (npm test's summary lists them).

/** `ok N - name # SKIP reason` lines of a TAP report, with their parents' names, for the summary. */
export function skippedFromTap(tap) {
  const out = [];
  const stack = [];
  for (const line of tap.split('\n')) {
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) {
      const depth = sub[1].length / 4;
      stack.length = depth;
      stack[depth] = sub[2];
      continue;
    }
    const m = /^(\s*)ok \d+ - (.*?) # SKIP ?(.*)$/.exec(line);
    if (m) {
      const depth = m[1].length / 4;
      out.push({ name: [...stack.slice(0, depth), m[2]].filter(Boolean).join(' › '), reason: m[3] || 'skipped' });
    }
  }
  return out;
}
