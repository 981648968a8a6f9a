/**
 * Reading the process table: the /proc stat parser (Linux) and the `ps -A -o pid=,ppid=` parser (macOS, BSD) with
 * hostile input, and both readers against this machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseProcStat, parsePsTable, readProcessTable } from '../../main/claude/process-table.ts';

describe('parsePsTable', () => {
  test('reads right-aligned columns, skips blank and malformed lines', () => {
    const out = '    1     0\n  412     1\n\n 9001   412   \nPID PPID\n  12 abc\n-3 1\n';
    assert.deepEqual(parsePsTable(out), [
      { pid: 1, ppid: 0 },
      { pid: 412, ppid: 1 },
      { pid: 9001, ppid: 412 },
    ]);
  });

  test('CRLF and tabs', () => {
    assert.deepEqual(parsePsTable('7\t1\r\n8 7\r\n'), [{ pid: 7, ppid: 1 }, { pid: 8, ppid: 7 }]);
  });
});

describe('parseProcStat', () => {
  test('a command name with spaces and parentheses does not shift the fields', () => {
    assert.deepEqual(parseProcStat('4242 (we ird) (name) S 17 4242 4242 0 -1 4194560'), { pid: 4242, ppid: 17 });
  });

  test('garbage is null', () => {
    assert.equal(parseProcStat(''), null);
    assert.equal(parseProcStat('12 (x'), null);
    assert.equal(parseProcStat('x (y) S z'), null);
  });
});

describe('readProcessTable on this machine', { skip: process.platform === 'win32' ? 'POSIX readers' : false }, () => {
  for (const platform of process.platform === 'linux' ? (['linux', 'darwin'] as const) : ([process.platform] as const)) {
    test(`${platform} reader: lists a child of this process with this process as its parent`, async () => {
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        await new Promise((r) => child.once('spawn', r));
        const table = readProcessTable(platform);
        assert.ok(table.some((e) => e.pid === child.pid && e.ppid === process.pid), 'the child is listed under us');
        assert.ok(table.some((e) => e.pid === process.pid), 'this process is listed');
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
