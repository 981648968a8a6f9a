/**
 * bench/load: N agentic requests spread over a window against the real gateway + real Claude Code + scripted model,
 * mixed stream / non-stream / cancelled. Prints requests, outcomes, errors, p50/p95 TTFT and RSS before/after.
 * Run: `node --import tsx bench/load.ts [--requests 200] [--seconds 60]`.
 * Targets: 0 lost, 0 Claude processes left, RSS back within 10% of its start once idle.
 */
import { runLoad } from './load-run.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const figures = await runLoad(arg('requests', 200), arg('seconds', 60));
console.log(`\n${figures.table}`);
process.exit(figures.lost === 0 && figures.leftover === 0 ? 0 : 1);
