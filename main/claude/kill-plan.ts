/**
 * What stopping a process tree takes, per platform, as data: the executor (process-tree.ts) only carries it out.
 *
 * POSIX: Claude leads its own process group, but its Bash tool starts commands in their own session (so their own
 * group): signal Claude's group and Claude, then every descendant and the group it may lead. A pid is signalled as
 * `-pid` (its group) and `pid`; `-pid` of a process that leads no group simply fails. Windows: `taskkill /T /F`
 * walks the tree by parent links and terminates it in one go.
 */
import type { ProcessTable } from './process-table.ts';

export type KillSignal = 'SIGTERM' | 'SIGKILL';

/** `target` as for process.kill: a negative number is a process group. */
export type KillStep = { signal: KillSignal; target: number } | { command: readonly string[] };

/** Every descendant of `root` in `table` (children, their children…), each once even if the table has a cycle. */
export function descendantsIn(table: ProcessTable, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const seen = new Set<number>([root]);
  const out: number[] = [];
  const stack = [root];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    for (const c of children.get(p) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

export interface KillPlanInput {
  platform: NodeJS.Platform;
  /** The tree's root (Claude). */
  pid: number;
  /** The process table read just before this round (empty on Windows, or when it could not be read). */
  table: ProcessTable;
  /** SIGTERM first; SIGKILL for what is left after the grace period. */
  signal: KillSignal;
  /** Descendants found by an earlier round: after Claude dies they are re-parented and the table no longer links them. */
  known?: Iterable<number>;
}

export function killPlan({ platform, pid, table, signal, known = [] }: KillPlanInput): KillStep[] {
  // 0, 1 and -1 would mean "my group", init, "every process I may signal": never a tree of ours.
  if (!Number.isInteger(pid) || pid <= 1) return [];
  if (platform === 'win32') {
    // Forced from the start (a console program ignores a polite close); no SIGKILL round: once the root is gone
    // taskkill cannot walk from it, and its pid may already name a stranger's tree.
    return signal === 'SIGTERM' ? [{ command: ['taskkill', '/PID', String(pid), '/T', '/F'] }] : [];
  }
  const pids = new Set<number>(descendantsIn(table, pid));
  for (const k of known) pids.add(k);
  pids.delete(pid);
  const steps: KillStep[] = [{ signal, target: -pid }, { signal, target: pid }];
  for (const d of pids) if (Number.isInteger(d) && d > 1) steps.push({ signal, target: -d }, { signal, target: d });
  return steps;
}
