import type { BuildStep } from './types.ts';

// Classic builder (compose v1, `docker build` without BuildKit): "Step 6/11 : RUN npm install …".
const CLASSIC = /^Step (\d+)\/(\d+) : (.+)$/;
// BuildKit plain progress (compose v2): "#9 [4/6] RUN npm install …" or "#9 [stage-0 4/6] RUN …"; "[internal] …" lines
// have no numbers and are not steps. A step is printed again when it finishes ("#9 DONE 3.1s" is not matched).
const BUILDKIT = /^#\d+ \[(?:[\w.-]+ )?(\d+)\/(\d+)\] (.+)$/;

/** The build step a line of `compose build` output announces, or null. */
export function parseBuildStep(line: string): BuildStep | null {
  const m = CLASSIC.exec(line) ?? BUILDKIT.exec(line);
  if (!m) return null;
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (!(index >= 1 && index <= total)) return null;
  return { index, total, instruction: shorten(m[3].replace(/\s+/g, ' ').trim()) };
}

function shorten(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
