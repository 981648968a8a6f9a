/**
 * The kill plan per platform, from fabricated process tables: the whole tree is reached on POSIX (the group, every
 * descendant and its group, a grandchild in its own session included), taskkill /T /F on Windows, never a stranger.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { descendantsIn, killPlan, type KillStep } from '../../main/claude/kill-plan.ts';
import type { ProcessTable } from '../../main/claude/process-table.ts';

/** init ─ gateway(100) ─ claude(200) ─┬─ bash(300, own session via setsid) ─ sleep(301) ─ sleep(302)
 *                                     └─ node(400)
 *  plus strangers: 500 ─ 501, and 600 whose parent is gone. */
const table: ProcessTable = [
  { pid: 1, ppid: 0 },
  { pid: 100, ppid: 1 },
  { pid: 200, ppid: 100 },
  { pid: 300, ppid: 200 },
  { pid: 301, ppid: 300 },
  { pid: 302, ppid: 301 },
  { pid: 400, ppid: 200 },
  { pid: 500, ppid: 1 },
  { pid: 501, ppid: 500 },
  { pid: 600, ppid: 999 },
];

const targets = (steps: KillStep[]): number[] => steps.map((s) => ('target' in s ? s.target : NaN));

describe('descendantsIn', () => {
  test('every descendant, grandchildren included, nothing else', () => {
    assert.deepEqual(descendantsIn(table, 200).sort((a, b) => a - b), [300, 301, 302, 400]);
    assert.deepEqual(descendantsIn(table, 302), []);
    assert.deepEqual(descendantsIn(table, 12345), []);
  });

  test('a cyclic table (pid reuse between reads) ends', () => {
    const cyclic: ProcessTable = [{ pid: 10, ppid: 11 }, { pid: 11, ppid: 10 }, { pid: 12, ppid: 11 }];
    assert.deepEqual(descendantsIn(cyclic, 10).sort((a, b) => a - b), [11, 12]);
  });
});

for (const platform of ['linux', 'darwin', 'freebsd'] as const) {
  describe(`killPlan on ${platform}`, () => {
    test('signals the group and the leader, then each descendant and its group (a setsid tool too)', () => {
      const steps = killPlan({ platform, pid: 200, table, signal: 'SIGTERM' });
      assert.ok(steps.every((s) => 'signal' in s && s.signal === 'SIGTERM'));
      assert.deepEqual(targets(steps).slice(0, 2), [-200, 200]);
      for (const d of [300, 301, 302, 400]) {
        assert.ok(targets(steps).includes(d), `descendant ${d}`);
        assert.ok(targets(steps).includes(-d), `group of ${d}`);
      }
      assert.equal(steps.length, 10);
    });

    test('never reaches a stranger, init, or "every process" (-1, 0)', () => {
      const t = targets(killPlan({ platform, pid: 200, table, signal: 'SIGKILL' }));
      for (const p of [100, 500, 501, 600, 1, 0, -1]) assert.ok(!t.includes(p) && !t.includes(-p), `target ${p}`);
      assert.deepEqual(killPlan({ platform, pid: 1, table, signal: 'SIGKILL' }), []);
      assert.deepEqual(killPlan({ platform, pid: 0, table, signal: 'SIGKILL' }), []);
    });

    test('the SIGKILL round still reaches pids found earlier that the table no longer links (re-parented to init)', () => {
      const later: ProcessTable = [{ pid: 1, ppid: 0 }, { pid: 200, ppid: 100 }, { pid: 301, ppid: 1 }, { pid: 302, ppid: 301 }];
      const t = targets(killPlan({ platform, pid: 200, table: later, signal: 'SIGKILL', known: [300, 301] }));
      assert.deepEqual(t.slice(0, 2), [-200, 200]);
      for (const d of [300, 301]) assert.ok(t.includes(d) && t.includes(-d), `known ${d}`);
      assert.ok(!t.includes(302), 'a child of a known pid is not linked to the root any more: left to its group signal');
    });

    test('with an empty table (reader failed) it still signals the group and the leader', () => {
      assert.deepEqual(killPlan({ platform, pid: 200, table: [], signal: 'SIGTERM' }), [
        { signal: 'SIGTERM', target: -200 },
        { signal: 'SIGTERM', target: 200 },
      ]);
    });
  });
}

describe('killPlan on win32', () => {
  test('one taskkill of the whole tree, forced (console programs ignore a polite close)', () => {
    assert.deepEqual(killPlan({ platform: 'win32', pid: 200, table, signal: 'SIGTERM' }), [{ command: ['taskkill', '/PID', '200', '/T', '/F'] }]);
  });

  test('no second round: the tree is gone, and a reused pid must not take a stranger\'s tree with it', () => {
    assert.deepEqual(killPlan({ platform: 'win32', pid: 200, table, signal: 'SIGKILL', known: [300] }), []);
  });
});
