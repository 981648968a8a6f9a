/**
 * The app's one way to keep a small file (JSON state, a token): written to a unique temp name in the same folder,
 * fsynced, then renamed over the old one, so a crash or a concurrent writer never leaves half a file or a shared temp
 * name. Read back with a zod schema; a file that is not valid is set aside (never overwritten or silently emptied) and
 * the caller says so.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export interface WriteOptions {
  /** The file's mode (default 0o600: these files hold state and secrets, not documents). */
  mode?: number;
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** The folder entry of the rename is durable too (POSIX); Windows cannot open a folder, which is fine there. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Replaces `file` with `text` atomically (the folder is created when missing). */
export function writeFileAtomic(file: string, text: string, opts: WriteOptions = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    // 'wx': a fresh file, so its mode is ours and no other writer shares it.
    const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(path.dirname(file));
}

/** syncDir off the event loop (Windows cannot open a folder: best effort). */
async function syncDirAsync(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

export interface AsyncWriteOptions extends WriteOptions {
  /**
   * Asked once the text is on disk under its temp name, just before the rename (the two happen in one turn of the
   * event loop): false drops this write, for a newer one was made meanwhile and an older text must not land after it.
   */
  stillWanted?: () => boolean;
}

/**
 * The async form (a request handler waits on it without blocking the loop). Resolves false when `stillWanted` said
 * no (nothing was replaced).
 */
export async function writeFileAtomicAsync(file: string, text: string, opts: AsyncWriteOptions = {}): Promise<boolean> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    const handle = await fs.promises.open(tmp, 'wx', opts.mode ?? 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.stillWanted && !opts.stillWanted()) {
      await fs.promises.rm(tmp, { force: true });
      return false;
    }
    // Synchronous: nothing else runs between the check above and the rename.
    if (opts.stillWanted) fs.renameSync(tmp, file);
    else await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await syncDirAsync(path.dirname(file));
  return true;
}

/** JSON, pretty-printed with a trailing newline (people read these files). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function writeJsonAtomic(file: string, value: unknown, opts: WriteOptions = {}): void {
  writeFileAtomic(file, jsonText(value), opts);
}

export async function writeJsonAtomicAsync(file: string, value: unknown, opts: WriteOptions = {}): Promise<void> {
  await writeFileAtomicAsync(file, jsonText(value), opts);
}

export type JsonRead<T> =
  | { state: 'missing' }
  | { state: 'ok'; value: T }
  /** Not JSON or not the schema: `keptAs` is where the bad file now is (null: it could not be moved and is still there). */
  | { state: 'corrupt'; reason: string; keptAs: string | null };

/**
 * Reads and validates `file`. A corrupt file is renamed to `<file>.corrupt-<time>` (unless `setAside: false`), so
 * the next save cannot overwrite what a person may still want to repair; the caller decides what to tell.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, opts: { setAside?: boolean } = {}): JsonRead<z.output<S>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `unreadable: ${(err as Error).message}`, keptAs: file };
  }
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: 'ok', value: parsed.data };
    const issue = parsed.error.issues[0];
    reason = `${issue?.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue?.message ?? 'invalid'}`;
  } catch (err) {
    reason = `not JSON: ${(err as Error).message.slice(0, 200)}`;
  }
  if (opts.setAside === false) return { state: 'corrupt', reason, keptAs: file };
  return { state: 'corrupt', reason, keptAs: setAside(file) };
}

/** Moves a bad file out of the way; its new path, or null when it could not be moved. */
export function setAside(file: string): string | null {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    fs.renameSync(file, aside);
    return aside;
  } catch {
    return null;
  }
}

/**
 * A small state file that changes with requests (conversation map, chat folders): saved in the background, so no
 * request waits on the disk, with one write in flight at a time (changes made meanwhile go in the next one) and the
 * newest state always the one that lands. `flush` writes synchronously (shutdown, or a change that must be on disk
 * before its answer).
 */
export class StateFile {
  /** Bumped by every write: a write of an older state never lands after a newer one. */
  private generation = 0;
  private dirty = false;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly text: () => string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Written now, synchronously; a background write still in flight is dropped (it holds an older state). */
  saveNow(): void {
    this.generation++;
    this.dirty = false;
    try {
      writeFileAtomic(this.file, this.text());
    } catch (err) {
      this.onError(err instanceof Error ? err.message : String(err));
    }
  }

  /** Written in the background, soon. */
  saveSoon(): void {
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** What saveSoon left unwritten is written now (the process may exit next). */
  flush(): void {
    if (this.dirty || this.writing) this.saveNow();
  }

  /** Resolves once nothing is waiting to be written. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const generation = ++this.generation;
        try {
          await writeFileAtomicAsync(this.file, this.text(), { stillWanted: () => generation === this.generation });
        } catch (err) {
          // A write overtaken by a newer one (a synced save at shutdown) had nothing left to say.
          if (generation === this.generation) this.onError(err instanceof Error ? err.message : String(err));
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
