/**
 * Crash recovery of Claude processes: the tracker lists each live process, and reap() on the next start kills
 * what a dead gateway left behind — including a tool in its own session — but never a reused pid or the processes
 * of a live instance. Real processes (bash, sleep), Linux /proc.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processStartTime, ProcessTracker } from '../../main/claude/orphans.ts';
import { descendants, isAlive } from '../../main/claude/process-tree.ts';
import { waitUntil } from '../helpers/wait.ts';

const linux = process.platform === 'linux';

const until = (what: string, cond: () => boolean, ms = 10_000): Promise<void> => waitUntil(cond, { ms, what });

/** Like Claude: the leader of its own group, with a "tool" that left for its own session (setsid). */
function fakeClaude(): ChildProcess {
  return spawn('bash', ['-c', 'setsid sleep 300 & sleep 300'], { detached: true, stdio: 'ignore' });
}

/** A pid that is certainly dead now: a process that already exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

describe('ProcessTracker (crash recovery of Claude processes)', { skip: linux ? false : 'needs Linux /proc' }, () => {
  let dir: string;
  const spawned: ChildProcess[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-orphans-'));
  });
  after(() => {
    for (const c of spawned) for (const p of [...descendants(c.pid!), c.pid!]) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('track() lists a live process (0600) and forgets it when it exits', async () => {
    const tracker = new ProcessTracker(path.join(dir, 'a'));
    const child = spawn('sleep', ['0.3'], { stdio: 'ignore' });
    tracker.track(child);
    const file = path.join(tracker.dir, String(child.pid));
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; start: string; owner: number };
    assert.deepEqual(entry, { pid: child.pid, start: processStartTime(child.pid!), owner: process.pid });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    await new Promise((r) => child.once('exit', r));
    assert.equal(fs.existsSync(file), false);
  });

  test('reap() kills a dead gateway\'s Claude with its group and the tool in its own session', async () => {
    const tracker = new ProcessTracker(path.join(dir, 'b'));
    const claude = fakeClaude();
    spawned.push(claude);
    await until('the tool to start', () => descendants(claude.pid!).length >= 2);
    const tool = descendants(claude.pid!);
    fs.mkdirSync(tracker.dir, { recursive: true });
    fs.writeFileSync(path.join(tracker.dir, String(claude.pid)), JSON.stringify({ pid: claude.pid, start: processStartTime(claude.pid!), owner: deadPid() }));

    assert.deepEqual(tracker.reap(), [claude.pid]);
    await until('every process of the run to die', () => ![claude.pid!, ...tool].some((p) => isAlive(p) && !fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z ')));
    assert.deepEqual(fs.readdirSync(tracker.dir), []);
    assert.deepEqual(tracker.reap(), [], 'nothing twice');
  });

  test('reap() leaves a reused pid, a live instance\'s runs and this process\'s own runs alone', () => {
    const tracker = new ProcessTracker(path.join(dir, 'c'));
    const other = fakeClaude();
    spawned.push(other);
    fs.mkdirSync(tracker.dir, { recursive: true });
    // the pid is alive, but it is not the process that was listed (another start time): a reused pid
    fs.writeFileSync(path.join(tracker.dir, String(other.pid)), JSON.stringify({ pid: other.pid, start: '1', owner: deadPid() }));
    assert.deepEqual(tracker.reap(), []);
    assert.ok(isAlive(other.pid!));
    assert.equal(fs.existsSync(path.join(tracker.dir, String(other.pid))), false, 'a stale entry is dropped');

    // listed by a live gateway (our parent stands in for one), and by this very process
    fs.writeFileSync(path.join(tracker.dir, String(other.pid)), JSON.stringify({ pid: other.pid, start: processStartTime(other.pid!), owner: process.ppid }));
    assert.deepEqual(tracker.reap(), []);
    tracker.track(other);
    assert.deepEqual(tracker.reap(), []);
    assert.ok(isAlive(other.pid!));
    assert.equal(fs.readdirSync(tracker.dir).length, 1);
  });
});
