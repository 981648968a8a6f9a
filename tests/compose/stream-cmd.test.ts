/** The build runner with real processes: streamed lines, and a cancel that leaves nothing of the process tree. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { ComposeError } from '../../main/compose/index.ts';
import { streamCmd } from '../../main/compose/stream-cmd.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Alive = exists and is not a zombie (a killed grandchild may wait for a reaper that never comes here). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const until = (cond: () => boolean, ms = 20_000): Promise<void> => waitUntil(cond, { ms, what: 'the condition' });

describe('streamCmd', { skip: process.platform === 'win32' ? 'POSIX shell' : false }, () => {
  it('streams stdout and stderr lines (ANSI stripped, \\r, blank and unterminated lines handled) and resolves with the exit code', async () => {
    const lines: string[] = [];
    const r = await streamCmd('sh', ['-c', 'echo one; printf "\\033[31mred\\033[0m\\n" >&2; printf "a\\rb\\n\\n   \\n"; printf last; exit 3'], { what: 'test', onLine: (l) => lines.push(l) });
    assert.equal(r.exitCode, 3);
    assert.deepEqual([...lines].sort(), ['a', 'b', 'last', 'one', 'red']);
    assert.deepEqual(lines.filter((l) => l !== 'red'), ['one', 'a', 'b', 'last'], 'stdout in order');
    assert.deepEqual(r.tail.split('\n').sort(), ['a', 'b', 'last', 'one', 'red'], 'the tail keeps the output for a failure\'s detail');
  });

  it('cancel kills the whole process group (a grandchild too) and rejects as cancelled once it is gone', async () => {
    const ac = new AbortController();
    let grandchild = 0;
    const run = streamCmd('sh', ['-c', 'sleep 300 & echo "child $!"; wait'], {
      what: 'compose build',
      signal: ac.signal,
      onLine: (l) => {
        const m = /^child (\d+)$/.exec(l);
        if (m) grandchild = Number(m[1]);
      },
    });
    await until(() => grandchild > 0);
    assert.ok(alive(grandchild));
    ac.abort();
    await assert.rejects(run, (err: unknown) => err instanceof ComposeError && err.code === 'cancelled' && /compose build/.test(err.reason));
    await until(() => !alive(grandchild));
  });

  it('a missing executable rejects with ENOENT; an aborted signal rejects before starting', async () => {
    await assert.rejects(streamCmd('/nonexistent/ccg-compose', [], { what: 'x', onLine: () => undefined }), (err: unknown) => (err as { code?: unknown }).code === 'ENOENT');
    const ac = new AbortController();
    ac.abort();
    let started = false;
    await assert.rejects(streamCmd('sh', ['-c', 'echo started'], { what: 'x', signal: ac.signal, onLine: () => { started = true; } }), (err: unknown) => err instanceof ComposeError && err.code === 'cancelled');
    assert.equal(started, false);
  });
});
