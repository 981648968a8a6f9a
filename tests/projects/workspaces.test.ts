import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ChatWorkspaces } from '../../main/projects/workspaces.ts';

const HOUR = 3_600_000;

function setup(): { dir: string; clock: { t: number }; make: () => ChatWorkspaces } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-ws-'));
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const make = (): ChatWorkspaces => new ChatWorkspaces({ root: path.join(dir, 'chats'), file: path.join(dir, 'workspaces.json'), ttlMs: 24 * HOUR, now: () => clock.t });
  return { dir, clock, make };
}

describe('chat workspaces', () => {
  it('gives each conversation its own folder, the same one again, also after a restart', () => {
    const { make } = setup();
    const ws = make();
    const a = ws.forConversation('chat:a');
    const b = ws.forConversation('chat:b');
    assert.notEqual(a, b);
    assert.ok(fs.statSync(a).isDirectory() && fs.statSync(b).isDirectory());
    assert.equal(ws.forConversation('chat:a'), a);
    assert.equal(make().forConversation('chat:a'), a, 'persisted');
  });

  it('removes workspaces unused for the TTL, except pinned and busy ones', () => {
    const { clock, make } = setup();
    const ws = make();
    const old = ws.forConversation('chat:old');
    const pinned = ws.forConversation('chat:pinned');
    const busy = ws.forConversation('chat:busy');
    fs.writeFileSync(path.join(old, 'f.txt'), 'x');
    ws.setPinned(path.basename(pinned), true);
    const release = ws.hold(busy);
    clock.t += 23 * HOUR;
    const recent = ws.forConversation('chat:recent');
    assert.deepEqual(ws.sweep(), [], 'nothing is old enough yet');
    clock.t += 2 * HOUR;
    assert.deepEqual(ws.sweep(), [old]);
    assert.ok(!fs.existsSync(old), 'its files are gone');
    assert.ok(fs.existsSync(pinned) && fs.existsSync(busy) && fs.existsSync(recent));
    release(); // the run ended now: it counts as used now
    clock.t += 2 * HOUR;
    assert.deepEqual(ws.sweep(), []);
    // Unpinned and old: removed by the next sweep, also after a restart.
    ws.setPinned(path.basename(pinned), false);
    clock.t += 25 * HOUR;
    assert.deepEqual(new Set(make().sweep()), new Set([pinned, busy, recent]));
    assert.deepEqual(make().list(), []);
  });

  it('a folder allocated ahead (a spare process) is adopted by a new conversation; unwanted ones and strays are removed', () => {
    const { make } = setup();
    const ws = make();
    const ahead = ws.allocate();
    const other = ws.allocate();
    assert.deepEqual(ws.list(), [], 'not a conversation yet');
    assert.equal(ws.forConversation('chat:new', () => ahead), ahead);
    assert.equal(ws.forConversation('chat:new', () => other), ahead, 'an existing conversation keeps its folder');
    const stray = path.join(ws.root, 'left-by-a-crash');
    fs.mkdirSync(stray);
    assert.deepEqual(new Set(ws.sweep(new Set([other]))), new Set([stray]), 'a spare still waits in `other`');
    assert.deepEqual(ws.sweep(), [other]);
    assert.deepEqual(ws.list().map((w) => w.folder), [ahead]);
  });

  it("chat workspaces get CLAUDE_CWD's permissions (the docker runtime's container user writes into them)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-ws-mode-'));
    const cwd = path.join(dir, 'workspace');
    fs.mkdirSync(cwd);
    fs.chmodSync(cwd, 0o777);
    const ws = new ChatWorkspaces({ root: path.join(cwd, 'chats'), file: path.join(dir, 'workspaces.json'), ttlMs: HOUR });
    assert.equal(fs.statSync(ws.root).mode & 0o777, 0o777);
    assert.equal(fs.statSync(ws.forConversation('chat:a')).mode & 0o777, 0o777);
    assert.equal(fs.statSync(ws.allocate()).mode & 0o777, 0o777);
  });

  it('pinning an unknown id is an error', () => {
    const ws = setup().make();
    assert.throws(() => ws.setPinned('nope-nope-nope', true), /No chat workspace/);
  });
});
