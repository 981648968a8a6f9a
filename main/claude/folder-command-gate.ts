import path from 'node:path';
import type { HookCallbackMatcher, HookEvent } from '@anthropic-ai/claude-agent-sdk';

/**
 * One Claude process at a time runs sandboxed commands in a folder. Claude Code's sandbox (bwrap) makes an empty
 * placeholder file in the folder for each protected name that does not exist yet (.bashrc, .mcp.json,
 * .claude/settings.json, …), so it can mount it read-only, and removes it when the command ends. A second process in
 * the same folder that builds its sandbox while those placeholders stand binds them as if they were the folder's own,
 * and its command fails once the first removes them ("bwrap: Can't find source path …/.claude/skills"). Measured on
 * Claude Code 2.1.x with two chats of one project; within one process Claude Code keeps its own commands apart.
 *
 * A process holds the folder from its first Bash PreToolUse until its commands have ended (PostToolUse or its
 * failure; a call refused by its permission ends with the turn, the run or the process): another process's Bash waits
 * for it. Commands started in the background end their hold when they start: Claude Code gives no hook for their end.
 */
export class FolderCommandGate {
  private readonly folders = new Map<string, { owner: object; count: number; waiters: Array<{ owner: object; go: () => void }> }>();

  /** Waits until `owner` holds `folder` (at once when it already does, or nobody does); false when aborted first. */
  acquire(folder: string, owner: object, signal?: AbortSignal): Promise<boolean> {
    const key = path.resolve(folder);
    const held = this.folders.get(key);
    if (!held) {
      this.folders.set(key, { owner, count: 1, waiters: [] });
      return Promise.resolve(true);
    }
    if (held.owner === owner) {
      held.count++;
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = { owner, go: () => { signal?.removeEventListener('abort', onAbort); resolve(true); } };
      const onAbort = (): void => {
        held.waiters.splice(held.waiters.indexOf(waiter), 1);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      held.waiters.push(waiter);
    });
  }

  /** One of `owner`'s commands in `folder` ended. */
  release(folder: string, owner: object): void {
    const key = path.resolve(folder);
    const held = this.folders.get(key);
    if (!held || held.owner !== owner) return;
    if (--held.count <= 0) this.handOn(key);
  }

  /** `owner` has no command running in `folder` any more (its turn ended, or it exited). */
  releaseAll(folder: string, owner: object): void {
    const key = path.resolve(folder);
    const held = this.folders.get(key);
    if (held?.owner === owner) this.handOn(key);
    else if (held) held.waiters = held.waiters.filter((w) => w.owner !== owner);
  }

  /** Who holds each folder now, and how many wait for it (Health, tests). */
  holders(): Array<{ folder: string; waiting: number }> {
    return [...this.folders].map(([folder, h]) => ({ folder, waiting: h.waiters.length }));
  }

  private handOn(key: string): void {
    const held = this.folders.get(key);
    if (!held) return;
    const next = held.waiters.shift();
    if (!next) {
      this.folders.delete(key);
      return;
    }
    // Every other waiter of the same owner enters with it (parallel Bash calls of one process).
    const same = held.waiters.filter((w) => w.owner === next.owner);
    held.waiters = held.waiters.filter((w) => w.owner !== next.owner);
    this.folders.set(key, { owner: next.owner, count: 1 + same.length, waiters: held.waiters });
    next.go();
    for (const w of same) w.go();
  }
}

/** A hold can last a whole command (Claude Code's Bash allows 10 minutes) and its approval: never time the wait out. */
const WAIT_LIMIT_S = 24 * 3600;

/**
 * The SDK hooks that make one Claude process in `folder` take its turn at the gate (see FolderCommandGate). `owner`
 * stands for the process; the caller releases it when the process's run or life ends.
 */
export function commandGateHooks(gate: FolderCommandGate, folder: string, owner: object): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  const release = (): void => gate.release(folder, owner);
  const releaseAll = (): void => gate.releaseAll(folder, owner);
  return {
    PreToolUse: [{ matcher: 'Bash', timeout: WAIT_LIMIT_S, hooks: [async (_input, _id, o) => { await gate.acquire(folder, owner, o.signal); return {}; }] }],
    PostToolUse: [{ matcher: 'Bash', hooks: [async () => { release(); return {}; }] }],
    PostToolUseFailure: [{ matcher: 'Bash', hooks: [async () => { release(); return {}; }] }],
    Stop: [{ hooks: [async () => { releaseAll(); return {}; }] }],
    StopFailure: [{ hooks: [async () => { releaseAll(); return {}; }] }],
  };
}
