import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { SpawnOptions, SpawnedProcess } from '@anthropic-ai/claude-agent-sdk';

/**
 * Spawns Claude Code as the leader of its own process group so that cancelling a request can kill the whole tree
 * (Claude plus every tool it started: shells, sleeps, test runners) and not just the top process.
 */
export function spawnInOwnGroup(options: SpawnOptions, onChild: (child: ChildProcess) => void): SpawnedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  onChild(child);
  options.signal?.addEventListener('abort', () => killTree(child), { once: true });
  return child as unknown as SpawnedProcess;
}

/**
 * Every descendant of a process (Linux: /proc parent links). Claude's Bash tool starts commands in their own session,
 * so they leave Claude's process group: signalling the group alone would miss them.
 */
export function descendants(root: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop() as number) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** SIGTERM to the group and every descendant (and their groups), SIGKILL to whatever is left a second later. */
export function killTree(child: ChildProcess, graceMs = 1000): void {
  const pid = child.pid;
  if (!pid) return;
  const known = new Set<number>(descendants(pid));
  const signalAll = (sig: NodeJS.Signals): void => {
    if (process.platform === 'win32') {
      child.kill(sig);
      return;
    }
    for (const d of descendants(pid)) known.add(d);
    for (const target of [-pid, pid, ...[...known].flatMap((d) => [-d, d])]) {
      try {
        process.kill(target, sig);
      } catch {
        // already gone, or not a group leader
      }
    }
  };
  signalAll('SIGTERM');
  const t = setTimeout(() => signalAll('SIGKILL'), graceMs);
  t.unref();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
