import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad } from '../../bench/load-run.ts';

/** A small version of bench/load in the suite: mixed stream / non-stream / cancelled, nothing lost, nothing left. */
describe('load (small)', () => {
  it('16 mixed requests over 8 s: every one ends with an answer, an error or a recorded cancel; no Claude left', async () => {
    const f = await runLoad(16, 8);
    console.log(f.table);
    assert.equal(f.lost, 0);
    assert.equal(f.leftover, 0);
    assert.equal(f.answers + f.errors + f.cancelled, 16);
    assert.ok(f.cancelled >= 3, 'the cancels happened');
    assert.ok(f.answers >= 10);
  });
});
