/**
 * Claude processes outlive a gateway that dies without stopping them (kill -9, a crash, power to the app cut): they
 * lead their own process groups, and a run in the middle of a tool goes on with nobody reading its output. Every
 * local Claude process is listed while it lives (one file per process under DATA_DIR/run/claude), so the next start
 * stops what the dead gateway left behind — with every tool it started — before it serves anything. Runs inside the
 * docker runtime's container are listed by their run id (DATA_DIR/run/claude/run-<id>) and stopped the same way.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, killTreeNow } from './process-tree.ts';

interface Entry {
  pid: number;
  /** Identity of the process beside its pid (Linux: its start time), so a reused pid is never killed. */
  start: string | null;
  /** The gateway process that started it. */
  owner: number;
}

interface ContainerRunEntry {
  runId: string;
  container: string;
  owner: number;
}

/** Kills a run's processes inside a container (docker-spawn's killRunInContainer); resolves to the pids signalled. */
export type ContainerRunKiller = (container: string, runId: string) => Promise<number[]>;

/** Linux: a process's start time (clock ticks since boot, /proc/<pid>/stat field 22); null elsewhere or when gone. */
export function processStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the live process `pid` is still the one listed (on macOS, where no start time was kept: a claude command). */
function sameProcess(entry: Entry): boolean {
  if (!isAlive(entry.pid)) return false;
  if (entry.start !== null) return processStartTime(entry.pid) === entry.start;
  if (process.platform !== 'darwin') return false;
  try {
    return /claude/i.test(execFileSync('ps', ['-o', 'command=', '-p', String(entry.pid)], { encoding: 'utf8', timeout: 2_000 }));
  } catch {
    return false;
  }
}

export class ProcessTracker {
  constructor(readonly dir: string) {}

  /** Lists a just-spawned Claude process until it exits. Best effort: a failing disk never fails a run. */
  track(child: ChildProcess): void {
    const pid = child.pid;
    if (!pid || process.platform === 'win32') return; // no process groups to leave behind there
    this.list(String(pid), { pid, start: processStartTime(pid), owner: process.pid } satisfies Entry, child);
  }

  /** Lists a run inside a container until its docker client reports the exit. */
  trackContainerRun(runId: string, container: string, run: Pick<EventEmitter, 'once'>): void {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(runId)) return;
    this.list(`run-${runId}`, { runId, container, owner: process.pid } satisfies ContainerRunEntry, run);
  }

  /**
   * Stops the processes a dead gateway left behind (SIGKILL to each, its group and its descendants) and forgets
   * them. Entries of a live gateway (another instance on this data directory) are left alone. Returns the killed pids.
   */
  reap(): number[] {
    const killed: number[] = [];
    for (const { file, entry } of this.orphaned<Entry>((n) => /^\d+$/.test(n))) {
      if (sameProcess(entry)) {
        killTreeNow(entry.pid);
        killed.push(entry.pid);
      }
      fs.rmSync(file, { force: true });
    }
    return killed;
  }

  /**
   * Stops the container runs a dead gateway left behind (a container since replaced has none left: the kill finds
   * nothing). Returns the run ids of which something was still running.
   */
  async reapContainerRuns(kill: ContainerRunKiller): Promise<string[]> {
    const stopped: string[] = [];
    for (const { file, entry } of this.orphaned<ContainerRunEntry>((n) => n.startsWith('run-'))) {
      const pids = await kill(entry.container, entry.runId).catch(() => []);
      if (pids.length) stopped.push(entry.runId);
      fs.rmSync(file, { force: true });
    }
    return stopped;
  }

  private list(name: string, entry: Entry | ContainerRunEntry, until: Pick<EventEmitter, 'once'>): void {
    const file = path.join(this.dir, name);
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
    } catch {
      return;
    }
    until.once('exit', () => fs.rmSync(file, { force: true }));
  }

  /** Entries whose owner is gone. Ours are live runs of this process; a live owner is another instance here. */
  private orphaned<T extends { owner: number }>(match: (name: string) => boolean): Array<{ file: string; entry: T }> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter(match);
    } catch {
      return [];
    }
    const out: Array<{ file: string; entry: T }> = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      try {
        const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
        if (entry.owner !== process.pid && !isAlive(entry.owner)) out.push({ file, entry });
      } catch {
        fs.rmSync(file, { force: true }); // unreadable: nothing to act on
      }
    }
    return out;
  }
}
