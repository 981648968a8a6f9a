/**
 * Each conversation without a project works in a folder of its own under DATA_DIR/workspaces, so two chats never see
 * or overwrite each other's files. The map (conversation → folder) is persisted, so a chat finds its files again
 * after a restart. A workspace unused for the TTL (SESSION_TTL_S) is removed with its files, unless it is pinned.
 * Folders can also be allocated ahead of any conversation (a spare Claude process starts in one) and adopted later.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ChatWorkspace } from '../contract/projects.ts';
import { log } from '../log.ts';

const entrySchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{8,64}$/),
  conversation: z.string().nullable(),
  createdAt: z.number(),
  lastUsed: z.number(),
  pinned: z.boolean(),
});
type Entry = z.infer<typeof entrySchema>;
const fileSchema = z.object({ workspaces: z.array(z.unknown()).default([]) });

export class WorkspaceError extends Error {
  constructor(readonly status: 404, readonly code: string, message: string) {
    super(message);
  }
}

export interface ChatWorkspacesOptions {
  /** DATA_DIR/workspaces */
  root: string;
  /** The map's file (DATA_DIR/workspaces.json). */
  file: string;
  ttlMs: number;
  now?: () => number;
}

export class ChatWorkspaces {
  private readonly byId = new Map<string, Entry>();
  private readonly now: () => number;
  /** Folders in use by a run right now: never swept under it. */
  private readonly busy = new Map<string, number>();
  /**
   * CLAUDE_CWD's permissions: the docker runtime's container user (uid 1000) must be able to write where CLAUDE_CWD
   * lets it, and chats are not separated by permissions anyway (they all run as the same user).
   */
  private readonly mode: number;

  constructor(private readonly opts: ChatWorkspacesOptions) {
    this.now = opts.now ?? Date.now;
    const parent = path.dirname(opts.root);
    fs.mkdirSync(parent, { recursive: true });
    this.mode = fs.statSync(parent).mode & 0o777;
    this.makeDir(opts.root);
    this.load();
  }

  /** mkdir then chmod: the umask would narrow mkdir's own mode. */
  private makeDir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, this.mode);
  }

  get root(): string {
    return this.opts.root;
  }

  /**
   * The conversation's folder, created on its first run. `offered`: a folder allocated ahead (a spare process's) that
   * a new conversation takes over, so the spare fits it.
   */
  forConversation(conversation: string, offered: () => string | null = () => null): string {
    const found = [...this.byId.values()].find((e) => e.conversation === conversation);
    // Asked only for a new conversation: taking a spare's folder commits that spare to it.
    const entry = found ?? this.adopt(conversation, offered()) ?? this.create(conversation);
    entry.lastUsed = this.now();
    this.save();
    return this.folderOf(entry.id);
  }

  /** A new folder that belongs to no conversation yet (a spare process starts in it). */
  allocate(): string {
    return this.folderOf(this.create(null).id);
  }

  /** Marks a folder in use while a run works in it (sweep leaves it alone); call the result when the run ends. */
  hold(folder: string): () => void {
    this.busy.set(folder, (this.busy.get(folder) ?? 0) + 1);
    return () => {
      const n = (this.busy.get(folder) ?? 1) - 1;
      if (n > 0) this.busy.set(folder, n);
      else this.busy.delete(folder);
      const e = this.byId.get(path.basename(folder));
      if (e && path.dirname(folder) === this.opts.root) {
        e.lastUsed = this.now();
        this.save();
      }
    };
  }

  /** Whether a path is one of the chat workspaces (the desktop app opens only such folders and projects'). */
  has(folder: string): boolean {
    return path.dirname(folder) === this.opts.root && this.byId.has(path.basename(folder));
  }

  /** Folders allocated ahead that no conversation has taken (spares' fresh folders, kept or dropped): nothing of a chat is in them. */
  vacant(): string[] {
    return [...this.byId.values()].filter((e) => e.conversation === null).map((e) => this.folderOf(e.id));
  }

  list(): ChatWorkspace[] {
    return [...this.byId.values()]
      .filter((e) => e.conversation !== null)
      .sort((a, b) => b.lastUsed - a.lastUsed)
      .map((e) => ({ id: e.id, folder: this.folderOf(e.id), createdAt: new Date(e.createdAt).toISOString(), lastUsedAt: new Date(e.lastUsed).toISOString(), pinned: e.pinned }));
  }

  setPinned(id: string, pinned: boolean): ChatWorkspace {
    const e = this.byId.get(id);
    if (!e || e.conversation === null) throw new WorkspaceError(404, 'not_found', `No chat workspace ${id}.`);
    e.pinned = pinned;
    this.save();
    const shown = this.list().find((w) => w.id === id);
    if (!shown) throw new WorkspaceError(404, 'not_found', `No chat workspace ${id}.`);
    return shown;
  }

  /**
   * Removes workspaces unused for the TTL (pinned and busy ones stay), and folders under the root that no entry
   * knows (left by a crash). `keep`: folders allocated ahead that are still wanted (the spares' own).
   */
  sweep(keep: ReadonlySet<string> = new Set()): string[] {
    const cutoff = this.now() - this.opts.ttlMs;
    const removed: string[] = [];
    for (const e of [...this.byId.values()]) {
      const folder = this.folderOf(e.id);
      if (e.pinned || this.busy.has(folder) || keep.has(folder)) continue;
      // Allocated ahead but no longer wanted (its spare is gone): nothing of a chat's is in it.
      const stale = e.conversation === null ? true : e.lastUsed < cutoff;
      if (!stale) continue;
      this.byId.delete(e.id);
      fs.rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    }
    for (const name of safeReaddir(this.opts.root)) {
      if (this.byId.has(name)) continue;
      const folder = this.folderOf(name);
      if (this.busy.has(folder) || keep.has(folder)) continue;
      fs.rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    }
    if (removed.length) {
      this.save();
      log.info(`removed ${removed.length} chat workspace(s) unused for SESSION_TTL_S`);
    }
    return removed;
  }

  private adopt(conversation: string, offered: string | null): Entry | null {
    if (!offered || path.dirname(offered) !== this.opts.root) return null;
    const e = this.byId.get(path.basename(offered));
    if (!e || e.conversation !== null) return null;
    e.conversation = conversation;
    return e;
  }

  private create(conversation: string | null): Entry {
    const id = `${new Date(this.now()).toISOString().slice(0, 10)}-${crypto.randomBytes(6).toString('hex')}`;
    this.makeDir(this.folderOf(id));
    const e: Entry = { id, conversation, createdAt: this.now(), lastUsed: this.now(), pinned: false };
    this.byId.set(id, e);
    this.save();
    return e;
  }

  private folderOf(id: string): string {
    return path.join(this.opts.root, id);
  }

  private load(): void {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(this.opts.file, 'utf8'));
    } catch {
      return;
    }
    const parsed = fileSchema.safeParse(raw);
    for (const item of parsed.success ? parsed.data.workspaces : []) {
      const e = entrySchema.safeParse(item);
      if (e.success && fs.existsSync(this.folderOf(e.data.id))) this.byId.set(e.data.id, e.data);
    }
  }

  private save(): void {
    try {
      const tmp = `${this.opts.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ workspaces: [...this.byId.values()] }), { mode: 0o600 });
      fs.renameSync(tmp, this.opts.file);
    } catch (err) {
      log.warn(`chat workspaces not saved: ${(err as Error).message}`);
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
