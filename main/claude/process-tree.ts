import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { SpawnOptions, SpawnedProcess } from '@anthropic-ai/claude-agent-sdk';
import { descendantsIn, killPlan, type KillSignal, type KillStep } from './kill-plan.ts';
import { readProcessTable } from './process-table.ts';

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
 * Every descendant of a process (Linux: /proc, macOS/BSD: ps; none on Windows). Claude's Bash tool starts commands in
 * their own session, so they leave Claude's process group: signalling the group alone would miss them.
 */
export function descendants(root: number): number[] {
  return descendantsIn(readProcessTable(), root);
}

/** Carries out one round of a kill plan. Failures are expected (gone already, not a group leader) and ignored. */
function execute(steps: KillStep[], onCommandFailed: () => void): void {
  for (const step of steps) {
    if ('command' in step) {
      const [file, ...args] = step.command;
      if (file) execFile(file, args, { windowsHide: true, timeout: 10_000 }, (err) => { if (err) onCommandFailed(); });
      continue;
    }
    try {
      process.kill(step.target, step.signal);
    } catch {
      // already gone, or not a group leader
    }
  }
}

/**
 * Stops a process and its whole tree: SIGTERM to the group, every descendant and their groups, SIGKILL to whatever
 * is left `graceMs` later (POSIX); `taskkill /T /F` on Windows. Returns at once.
 */
export function killTree(child: ChildProcess, graceMs = 1000): void {
  const pid = child.pid;
  if (!pid) return;
  const platform = process.platform;
  const known = new Set<number>();
  const round = (signal: KillSignal): void => {
    const table = readProcessTable(platform);
    // Read before signalling: once a parent dies its children are re-parented and no longer linked to the root.
    for (const d of descendantsIn(table, pid)) known.add(d);
    // taskkill missing or refused: at least the top process goes.
    execute(killPlan({ platform, pid, table, signal, known }), () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  };
  round('SIGTERM');
  if (platform === 'win32') return;
  const t = setTimeout(() => round('SIGKILL'), graceMs);
  t.unref();
}

/**
 * SIGKILL to a process and its whole tree in one round, no grace period: what a dead gateway left running (crash
 * recovery), a login shell past its timeout.
 */
export function killTreeNow(pid: number): void {
  const platform = process.platform;
  execute(killPlan({ platform, pid, table: readProcessTable(platform), signal: 'SIGKILL' }), () => undefined);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
