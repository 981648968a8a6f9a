/**
 * Each conversation without a project works in a folder of its own under CLAUDE_CWD/chats, so two chats never see
 * or overwrite each other's files. The map (conversation → folder) is persisted in DATA_DIR/workspaces.json, so a
 * chat finds its files again after a restart. A workspace unused for the TTL (SESSION_TTL_S) is removed with its
 * files, unless it is pinned. Folders can also be allocated ahead of any conversation (a spare Claude process starts
 * in one) and adopted later.
 *
 * Only what this gateway created and recorded is ever removed: a folder must be in the map AND carry the marker file
 * naming this DATA_DIR. A folder the map does not list (another gateway's, or every chat after the map was lost) is
 * left alone, whatever its age.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ChatWorkspace } from '../contract/projects.ts';
import { readJsonFile, StateFile } from '../json-file.ts';
import { log } from '../log.ts';

/** In each folder this gateway creates: who made it (the DATA_DIR whose map records it). */
export const WORKSPACE_MARKER = '.claude-code-gateway';
const markerSchema = z.object({ dataDir: z.string(), createdAt: z.string() });

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
  constructor(readonly status: 404 | 503, readonly code: string, message: string) {
    super(message);
  }
}

export interface ChatWorkspacesOptions {
  /** CLAUDE_CWD/chats */
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
  /** The marker's owner: the folder of the map's file (DATA_DIR). */
  private readonly owner: string;
  /** The map on disk: saved in the background as chats come and go, at once when pinned. */
  private readonly state: StateFile;

  constructor(private readonly opts: ChatWorkspacesOptions) {
    this.now = opts.now ?? Date.now;
    this.owner = path.resolve(path.dirname(opts.file));
    this.state = new StateFile(opts.file, () => JSON.stringify({ workspaces: [...this.byId.values()] }), (m) => log.warn(`chat workspaces not saved: ${m}`));
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
    // A known conversation's use is saved when its run lets go of the folder (hold). A new one's mapping is saved
    // now, off the request's path: the synced write (≈ 1.5 ms) would come before its first token, and it is on disk
    // long before Claude, still waiting for the model, could write anything in the folder.
    if (!found) this.save();
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
    // Asked for in the app: on disk before the answer says so.
    this.state.saveNow();
    const shown = this.list().find((w) => w.id === id);
    if (!shown) throw new WorkspaceError(404, 'not_found', `No chat workspace ${id}.`);
    return shown;
  }

  /**
   * Removes this gateway's workspaces unused for the TTL (pinned and busy ones stay) and its folders allocated ahead
   * that no spare wants any more (`keep`: the spares' own). Never a folder it did not create and record.
   */
  sweep(keep: ReadonlySet<string> = new Set()): string[] {
    const cutoff = this.now() - this.opts.ttlMs;
    const expired: string[] = [];
    const unwanted: string[] = [];
    for (const e of [...this.byId.values()]) {
      const folder = this.folderOf(e.id);
      if (e.pinned || this.busy.has(folder) || keep.has(folder)) continue;
      // Allocated ahead but no longer wanted (its spare is gone): nothing of a chat's is in it.
      const stale = e.conversation === null ? true : e.lastUsed < cutoff;
      if (!stale) continue;
      this.byId.delete(e.id);
      if (!this.ownsFolder(folder)) {
        log.warn(`chat workspace ${folder} is no longer marked as this gateway's (${WORKSPACE_MARKER} missing or naming another DATA_DIR): forgotten, not deleted`);
        continue;
      }
      fs.rmSync(folder, { recursive: true, force: true });
      (e.conversation === null ? unwanted : expired).push(folder);
    }
    const removed = [...expired, ...unwanted];
    if (removed.length) this.save();
    if (expired.length) log.info(`removed ${expired.length} chat workspace(s) unused for SESSION_TTL_S (${Math.round(this.opts.ttlMs / 1000)} s)`);
    if (unwanted.length) log.info(`removed ${unwanted.length} unused spare folder(s) (no chat had started in them)`);
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
    const folder = this.folderOf(id);
    try {
      this.makeDir(folder);
      this.mark(folder);
    } catch (err) {
      // A disk full or a folder made unwritable: nothing half-made stays behind (an unmarked folder is never cleaned).
      fs.rmSync(folder, { recursive: true, force: true });
      const why = err instanceof Error ? err.message : String(err);
      throw new WorkspaceError(503, 'chat_folder_unavailable', `The chat's folder could not be created in ${this.opts.root} (${why}). Free space there, or set CLAUDE_CWD to a writable folder.`);
    }
    const e: Entry = { id, conversation, createdAt: this.now(), lastUsed: this.now(), pinned: false };
    this.byId.set(id, e);
    this.save();
    return e;
  }

  private folderOf(id: string): string {
    return path.join(this.opts.root, id);
  }

  /** The marker written in a folder this gateway creates (the docker runtime's user may read it; it holds no secret). */
  private mark(folder: string): void {
    fs.writeFileSync(path.join(folder, WORKSPACE_MARKER), `${JSON.stringify({ dataDir: this.owner, createdAt: new Date(this.now()).toISOString() })}\n`);
  }

  /** Whether a folder's marker names this DATA_DIR. */
  private ownsFolder(folder: string): boolean {
    const r = readJsonFile(path.join(folder, WORKSPACE_MARKER), markerSchema, { setAside: false });
    return r.state === 'ok' && r.value.dataDir === this.owner;
  }

  private load(): void {
    const r = readJsonFile(this.opts.file, fileSchema);
    if (r.state === 'missing') return;
    if (r.state === 'corrupt') {
      // Nothing is deleted without the map, and the bad one stays for repair: the chats' folders are all kept.
      log.warn(`${this.opts.file} is not a valid chat workspace map (${r.reason}); ${r.keptAs ? `kept as ${r.keptAs}` : 'left in place'}. Chats start in new folders; the old folders under ${this.opts.root} are kept.`);
      return;
    }
    for (const item of r.value.workspaces) {
      const e = entrySchema.safeParse(item);
      if (!e.success) continue;
      const folder = this.folderOf(e.data.id);
      if (!fs.existsSync(folder)) continue;
      const marker = readJsonFile(path.join(folder, WORKSPACE_MARKER), markerSchema, { setAside: false });
      // Recorded by a version before markers: this map made it, so it is marked now.
      if (marker.state === 'missing') this.tryMark(folder);
      else if (marker.state !== 'ok' || marker.value.dataDir !== this.owner) {
        log.warn(`chat workspace ${folder} is listed in ${this.opts.file} but marked as another gateway's: left alone`);
        continue;
      }
      this.byId.set(e.data.id, e.data);
    }
  }

  private tryMark(folder: string): void {
    try {
      this.mark(folder);
    } catch (err) {
      log.warn(`chat workspace ${folder} could not be marked: ${(err as Error).message}`);
    }
  }

  /** A change saved in the background (no request waits on the disk for it); flush() puts it on disk now. */
  private save(): void {
    this.state.saveSoon();
  }

  /** What is still to be saved is written now, synchronously (shutdown: the process may exit next). */
  flush(): void {
    this.state.flush();
  }

  /** Resolves once nothing is waiting to be saved (tests, and anyone reading the file next). */
  settled(): Promise<void> {
    return this.state.settled();
  }
}
