/**
 * One gateway per DATA_DIR and per chats folder: a second one would sweep the first's chat folders, stop its Claude
 * processes as orphans and overwrite its state files. Each is claimed by a lock file holding the holder's pid; a lock
 * whose pid is no longer running (a crash, kill -9) is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from './json-file.ts';

const holderSchema = z.object({ pid: z.number().int().positive(), dataDir: z.string(), startedAt: z.string() });
export type LockHolder = z.infer<typeof holderSchema>;

/** Another running gateway holds the lock: the app must not start (exit code 78, like a configuration error). */
export class InstanceInUseError extends Error {
  constructor(readonly lockFile: string, readonly holder: LockHolder, message: string) {
    super(message);
    this.name = 'InstanceInUseError';
  }
}

/** Locks this process holds (two gateways in one process, as tests build them, are refused the same way). */
const heldHere = new Set<string>();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `file` for this process; `what` names the thing locked in the refusal ("DATA_DIR /x"). Returns the release
 * (removes the file if it is still ours). Throws InstanceInUseError when a running process holds it.
 */
export function acquireInstanceLock(file: string, what: string, dataDir: string): () => void {
  const me: LockHolder = { pid: process.pid, dataDir, startedAt: new Date().toISOString() };
  const key = path.resolve(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx': exactly one of two starting processes creates it.
      fs.writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(key);
      return () => release(file, key, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const r = readJsonFile(file, holderSchema, { setAside: false });
    if (r.state === 'ok') {
      const h = r.value;
      const alive = h.pid === process.pid ? heldHere.has(key) : running(h.pid);
      if (alive) {
        throw new InstanceInUseError(file, h, `${what} is in use by another Claude Code Gateway (pid ${h.pid}, DATA_DIR ${h.dataDir}, started ${h.startedAt}). Stop that one, or give this one its own DATA_DIR and CLAUDE_CWD. If no gateway runs with pid ${h.pid}, delete ${file}.`);
      }
    }
    // Its holder is gone (or the file is unreadable junk): take it over.
    fs.rmSync(file, { force: true });
  }
  throw new Error(`could not claim ${file}: it keeps reappearing (another gateway is starting at the same moment?)`);
}

function release(file: string, key: string, me: LockHolder): void {
  heldHere.delete(key);
  const r = readJsonFile(file, holderSchema, { setAside: false });
  if (r.state === 'ok' && r.value.pid === me.pid && r.value.startedAt === me.startedAt) fs.rmSync(file, { force: true });
}

/** DATA_DIR/instance.lock, then the chats folder's own (another DATA_DIR may point CLAUDE_CWD at the same place). */
export function acquireInstanceLocks(dataDir: string, chatsDir: string): () => void {
  const data = acquireInstanceLock(path.join(dataDir, 'instance.lock'), `DATA_DIR ${dataDir}`, dataDir);
  try {
    const chats = acquireInstanceLock(path.join(chatsDir, '.instance.lock'), `The chats folder ${chatsDir} (CLAUDE_CWD/chats)`, dataDir);
    return () => {
      chats();
      data();
    };
  } catch (err) {
    data();
    throw err;
  }
}
