/**
 * killTree against real processes (Linux): a Claude-like group leader whose "tool" left for its own session, spawned
 * the way the runtime spawns Claude; every process of the tree is gone afterwards, even when SIGTERM is ignored.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { descendants, isAlive, killTree, spawnInOwnGroup } from '../../main/claude/process-tree.ts';

const linux = process.platform === 'linux';

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** /proc/<pid>/stat field 6; null once gone. */
function session(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return null;
  }
}

/** Alive and not a zombie waiting for a parent (init in a container may never reap). */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * sh (group leader) ─┬─ sh (setsid: own session) ─ sleep
 *                    └─ sleep
 * `; true` keeps each shell from exec'ing its last command, so the tree keeps all its levels.
 */
function spawnTree(script: string, signal = new AbortController().signal): { child: ChildProcess } {
  let child: ChildProcess | undefined;
  spawnInOwnGroup({ command: 'sh', args: ['-c', script], env: { ...process.env }, signal }, (c) => { child = c; });
  if (!child) throw new Error('not spawned');
  return { child };
}

describe('killTree on real processes', { skip: linux ? false : 'needs Linux /proc' }, () => {
  const leftovers: number[] = [];
  after(() => {
    for (const p of leftovers) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  });

  async function treeOf(child: ChildProcess): Promise<number[]> {
    const pid = child.pid!;
    await until('the whole tree to start', () => descendants(pid).length >= 3);
    const tree = [pid, ...descendants(pid)];
    leftovers.push(...tree);
    assert.ok(tree.some((p) => session(p) !== null && session(p) !== session(pid)), 'one process left for its own session');
    return tree;
  }

  test('an abort of the spawn signal kills the group and the tool in its own session', async () => {
    const ac = new AbortController();
    const { child } = spawnTree('setsid sh -c "sleep 300; true" & sleep 300; true', ac.signal);
    const tree = await treeOf(child);
    ac.abort();
    await until('every process of the tree to be gone', () => !tree.some(running));
  });

  test('processes that ignore SIGTERM are killed after the grace period', async () => {
    const { child } = spawnTree('trap "" TERM; setsid sh -c "sleep 300; true" & sleep 300; true');
    const tree = await treeOf(child);
    killTree(child, 200);
    await until('every process of the tree to be gone', () => !tree.some(running));
  });
});
