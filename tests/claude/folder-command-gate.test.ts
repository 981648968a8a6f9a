import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FolderCommandGate } from '../../main/claude/folder-command-gate.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('FolderCommandGate: one process at a time runs commands in a folder', () => {
  it('a second process waits until the first has ended its commands; other folders never wait', async () => {
    const gate = new FolderCommandGate();
    const a = {}, b = {};
    assert.equal(await gate.acquire('/p', a), true);
    assert.equal(await gate.acquire('/p', a), true, 'the holder runs a parallel command at once');
    let bIn = false;
    const bWait = gate.acquire('/p/', b).then((ok) => { bIn = ok; });
    assert.equal(await gate.acquire('/q', b), true, 'another folder is free');
    gate.release('/p', a);
    await tick();
    assert.equal(bIn, false, 'one of the holder\'s two commands still runs');
    gate.release('/p', a);
    await bWait;
    assert.equal(bIn, true);
  });

  it('a turn end or exit releases every command of its process; a waiter that leaves is forgotten', async () => {
    const gate = new FolderCommandGate();
    const a = {}, b = {}, c = {};
    await gate.acquire('/p', a);
    await gate.acquire('/p', a);
    const ac = new AbortController();
    const bWait = gate.acquire('/p', b, ac.signal);
    const cWait = gate.acquire('/p', c);
    ac.abort();
    assert.equal(await bWait, false);
    gate.releaseAll('/p', a);
    assert.equal(await cWait, true, 'the next waiter, not the one that left');
    gate.release('/p', b);
    assert.deepEqual(gate.holders(), [{ folder: '/p', waiting: 0 }], 'a release by a process that does not hold changes nothing');
    gate.releaseAll('/p', c);
    assert.deepEqual(gate.holders(), []);
  });

  it("a waiting process's parallel commands enter together", async () => {
    const gate = new FolderCommandGate();
    const a = {}, b = {};
    await gate.acquire('/p', a);
    const both = Promise.all([gate.acquire('/p', b), gate.acquire('/p', b)]);
    gate.release('/p', a);
    assert.deepEqual(await both, [true, true]);
    gate.release('/p', b);
    assert.deepEqual(gate.holders(), [{ folder: '/p', waiting: 0 }], 'still held by its second command');
    gate.release('/p', b);
    assert.deepEqual(gate.holders(), []);
  });
});
