import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { FolderCommandGate } from '../../main/claude/folder-command-gate.ts';
import { bash, plainAnswer, toolSteps } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';

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

describe('a sandboxed project folder after a run cancelled mid-command (real Claude Code)', { skip: noSandbox }, () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi') });
  });
  after(async () => {
    await gw.close();
  });

  it("the next chat's command runs: the cancelled run's hold on the folder went with it", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-gate-cancel-'));
    gw.services.projects.add({ name: 'gatecancel', folder, policy: { mode: 'sandboxed' } });
    // (Claude Code refuses a plain long `sleep`.)
    const slow = toolSteps([bash('timeout 60 tail -f /dev/null; echo late-gate-test')]);
    const quick = toolSteps([bash('echo next-$?')]);
    gw.api.setScript((req, info) => (JSON.stringify(req.messages).includes('slow-run') ? slow(req, info) : quick(req, info)));
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const ac = new AbortController();
    const cancelled = client.chat.completions.create({ model: 'sonnet@gatecancel', messages: [{ role: 'user', content: 'slow-run' }] }, { signal: ac.signal }).catch((e: unknown) => e);
    // Cancel once the slow command runs (its Bash started: the folder is held).
    const sleeping = (): boolean => spawnSync('pgrep', ['-f', 'late-gate-test']).status === 0;
    await waitUntil(sleeping, { what: 'the slow command to start', ms: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    await cancelled;
    const r = await client.chat.completions.create({ model: 'sonnet@gatecancel', messages: [{ role: 'user', content: `quick-run ${Math.random()}` }] });
    assert.match(r.choices[0].message.content ?? '', /next-0/);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
