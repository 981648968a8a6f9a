import { spawn, type ChildProcess } from 'node:child_process';
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

/** SIGTERM to the group, SIGKILL to whatever is left a second later. */
export function killTree(child: ChildProcess, graceMs = 1000): void {
  const pid = child.pid;
  if (!pid) return;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (process.platform === 'win32') child.kill(sig);
      else process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const t = setTimeout(() => signalGroup('SIGKILL'), graceMs);
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
