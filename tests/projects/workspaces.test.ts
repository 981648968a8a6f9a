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
    ws.flush(); // as the app's shutdown does
    assert.equal(make().forConversation('chat:a'), a, 'persisted');
  });

  it('removes workspaces unused for the TTL, except pinned and busy ones', async () => {
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
    const restarted = make();
    assert.deepEqual(new Set(restarted.sweep()), new Set([pinned, busy, recent]));
    await restarted.settled();
    assert.deepEqual(make().list(), []);
  });

  it('a folder allocated ahead (a spare process) is adopted by a new conversation; unwanted ones are removed', () => {
    const { make } = setup();
    const ws = make();
    const ahead = ws.allocate();
    const other = ws.allocate();
    assert.deepEqual(ws.list(), [], 'not a conversation yet');
    assert.equal(ws.forConversation('chat:new', () => ahead), ahead);
    assert.equal(ws.forConversation('chat:new', () => other), ahead, 'an existing conversation keeps its folder');
    assert.deepEqual(ws.sweep(new Set([other])), [], 'a spare still waits in `other`');
    assert.deepEqual(ws.sweep(), [other]);
    assert.deepEqual(ws.list().map((w) => w.folder), [ahead]);
  });

  it("a new chat's adoption of a spare's folder is saved off the request's path, and never lost to an older write", async () => {
    const { dir, make } = setup();
    const ws = make();
    const ahead = ws.allocate();
    await ws.settled();
    const mapped = (): string[] => (JSON.parse(fs.readFileSync(path.join(dir, 'workspaces.json'), 'utf8')) as { workspaces: Array<{ conversation: string | null }> }).workspaces.flatMap((w) => (w.conversation ? [w.conversation] : []));
    assert.equal(ws.forConversation('chat:new', () => ahead), ahead);
    assert.deepEqual(mapped(), [], 'no synced write before the run starts');
    await ws.settled();
    assert.deepEqual(mapped(), ['chat:new'], 'on disk right after');
    assert.equal(make().forConversation('chat:new'), ahead, 'a restart finds it');
    // A background write overtaken by a synced one (pinning) is dropped: the newer map stays.
    const second = ws.allocate();
    ws.forConversation('chat:second', () => second);
    ws.setPinned(path.basename(ahead), true);
    await ws.settled();
    assert.deepEqual(mapped().sort(), ['chat:new', 'chat:second']);
    assert.equal(make().list().find((w) => w.folder === ahead)?.pinned, true);
    // Shutdown: flush() puts a background save on disk at once.
    const third = ws.allocate();
    ws.forConversation('chat:third', () => third);
    ws.flush();
    assert.deepEqual(mapped().sort(), ['chat:new', 'chat:second', 'chat:third']);
    await ws.settled();
    assert.deepEqual(mapped().sort(), ['chat:new', 'chat:second', 'chat:third']);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
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

  it('deletes only what it created and recorded: after workspaces.json is lost, or in a folder another gateway made, nothing goes', async () => {
    const { dir, clock, make } = setup();
    const ws = make();
    const a = ws.forConversation('chat:a');
    fs.writeFileSync(path.join(a, 'work.txt'), 'keep me');
    const foreign = path.join(ws.root, '2026-01-01-0123456789ab');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'not yours');
    const stray = path.join(ws.root, 'my-own-folder');
    fs.mkdirSync(stray);
    clock.t += 48 * HOUR;
    assert.deepEqual(ws.sweep(), [a], 'its own old chat goes; folders it never created stay');
    assert.ok(fs.existsSync(foreign) && fs.existsSync(stray));

    const b = ws.forConversation('chat:b');
    fs.writeFileSync(path.join(b, 'work.txt'), 'keep me too');
    await ws.settled();
    fs.rmSync(path.join(dir, 'workspaces.json'));
    clock.t += 48 * HOUR;
    const after = make();
    assert.deepEqual(after.sweep(), [], 'the map is lost: nothing is known to be ours and unused');
    assert.equal(fs.readFileSync(path.join(b, 'work.txt'), 'utf8'), 'keep me too');

    // A recorded folder whose marker names another DATA_DIR is not this gateway's to delete.
    const c = after.forConversation('chat:c');
    after.flush();
    fs.writeFileSync(path.join(c, '.claude-code-gateway'), JSON.stringify({ dataDir: '/elsewhere', createdAt: 'x' }));
    clock.t += 48 * HOUR;
    assert.deepEqual(make().sweep(), []);
    assert.ok(fs.existsSync(c));
  });

  it('a corrupt workspaces.json is set aside (kept for repair), not overwritten, and nothing is deleted', async () => {
    const { dir, clock, make } = setup();
    const first = make();
    const a = first.forConversation('chat:a');
    await first.settled();
    fs.writeFileSync(path.join(dir, 'workspaces.json'), '{"workspaces": [');
    clock.t += 48 * HOUR;
    const ws = make();
    assert.deepEqual(ws.sweep(), []);
    assert.ok(fs.existsSync(a));
    const aside = fs.readdirSync(dir).filter((n) => n.startsWith('workspaces.json.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, aside[0]), 'utf8'), '{"workspaces": [');
  });

  it('pinning an unknown id is an error', () => {
    const ws = setup().make();
    assert.throws(() => ws.setPinned('nope-nope-nope', true), /No chat workspace/);
  });
});
