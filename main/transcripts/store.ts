import fs from 'node:fs';
import path from 'node:path';
import type { TranscriptListQuery } from '../contract/control-api.ts';
import type { RunStatus, TranscriptEvent, TranscriptEventBody, TranscriptSummary } from '../contract/events.ts';
import type { TranscriptBus } from './bus.ts';
import { flushAfterIo, persistNow } from '../loop-flush.ts';
import { applyToSummary } from './summary.ts';

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Date#toISOString, formatted once per millisecond: a burst of token deltas shares one string. */
let lastMs = -1;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** Request ids become file names: only this shape may reach the file system (no traversal). */
export function isValidTranscriptId(id: string): boolean {
  return ID_RE.test(id);
}

export interface StoreHealth {
  writable: boolean;
  lastWriteError: string | null;
  count: number;
  dir: string;
}

/** Writes one request's events, in order, to its own JSON-lines file and to the live bus. */
export interface RunRecorder {
  readonly requestId: string;
  emit(body: TranscriptEventBody): TranscriptEvent;
  readonly ended: boolean;
}

/**
 * Append-only transcript store: one JSON-lines file per request under DATA_DIR/transcripts, written synchronously
 * once the loop has handled the I/O in hand (and at exit), before those events leave as SSE: a crash loses at most
 * events no client has received. A failing disk never fails
 * the request: the event still reaches the client and the bus, and the failure shows in health.
 */
export class TranscriptStore {
  private readonly index = new Map<string, TranscriptSummary>();
  private lastWriteError: string | null = null;
  readonly dir: string;

  constructor(dataDir: string, private readonly bus: TranscriptBus, private readonly onWriteError?: (err: Error) => void) {
    this.dir = path.join(dataDir, 'transcripts');
  }

  /** Loads the index; a transcript that never ended (the process died mid-run) is closed as interrupted. */
  init(): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.noteError(err);
      return;
    }
    for (const name of fs.readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const id = name.slice(0, -'.jsonl'.length);
      if (!isValidTranscriptId(id)) continue;
      const events = this.readFile(id);
      let summary: TranscriptSummary | null = null;
      for (const ev of events) summary = applyToSummary(summary, ev);
      if (!summary) continue;
      const last = events[events.length - 1];
      if (last && last.type !== 'end') {
        const end: TranscriptEvent = {
          type: 'end', status: 'interrupted', reason: 'the gateway stopped while this request was running',
          durationMs: Date.parse(last.ts) - Date.parse(summary.startedAt), requestId: id, seq: last.seq + 1, ts: new Date().toISOString(),
        };
        this.terminateTornLine(id);
        this.appendLine(id, end);
        summary = applyToSummary(summary, end);
      }
      if (summary) this.index.set(id, summary);
    }
  }

  begin(requestId: string): RunRecorder {
    if (!isValidTranscriptId(requestId)) throw new Error(`invalid transcript id: ${requestId}`);
    let seq = 0;
    let ended = false;
    // One open descriptor per running transcript, and one write per batch: the events Claude's output delivered
    // together (many token deltas) reach the kernel in one write, before any SSE frame of theirs leaves
    // (main/loop-flush.ts), and at process exit. A crash loses at most the batch in progress, which no
    // client has seen either; `end` is written at once and closes the file.
    let fd: number | null = null;
    let pending = '';
    const store = this;
    const flush = (): void => {
      if (!pending) return;
      const text = pending;
      pending = '';
      try {
        fd ??= fs.openSync(store.file(requestId), 'a', 0o600);
        fs.writeSync(fd, text);
        if (store.lastWriteError) store.lastWriteError = null;
      } catch (err) {
        store.noteError(err);
        if (fd !== null) { try { fs.closeSync(fd); } catch { /* already closed */ } }
        fd = null;
      }
    };
    const write = (ev: TranscriptEvent): void => {
      if (!pending) flushAfterIo('persist', flush);
      pending += `${JSON.stringify(ev)}\n`;
      if (ev.type !== 'end') return;
      flush();
      if (fd !== null) {
        try { fs.closeSync(fd); } catch { /* already closed */ }
        fd = null;
      }
    };
    return {
      requestId,
      get ended() { return ended; },
      emit(body: TranscriptEventBody): TranscriptEvent {
        if (ended) throw new Error(`transcript ${requestId} already ended`);
        const ev = { ...body, requestId, seq: ++seq, ts: isoNow() } as TranscriptEvent;
        if (ev.type === 'end') ended = true;
        write(ev);
        const next = applyToSummary(store.index.get(requestId) ?? null, ev);
        if (next) store.index.set(requestId, next);
        store.bus.publish(ev);
        return ev;
      },
    };
  }

  list(query: TranscriptListQuery = {}): { items: TranscriptSummary[]; total: number } {
    const q = query.q?.toLowerCase();
    const all = [...this.index.values()]
      .filter((s) => (!query.status || s.status === query.status) && (!query.model || s.model === query.model))
      .filter((s) => !q || s.preview.toLowerCase().includes(q) || s.requestId.toLowerCase().includes(q) || (s.error ?? '').toLowerCase().includes(q))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.requestId.localeCompare(a.requestId)));
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(500, Math.max(1, query.limit ?? 50));
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  summary(requestId: string): TranscriptSummary | undefined {
    return this.index.get(requestId);
  }

  /** All events of one request, from disk (or null when unknown or the id is not a valid transcript id). */
  events(requestId: string): TranscriptEvent[] | null {
    if (!isValidTranscriptId(requestId) || !this.index.has(requestId)) return null;
    persistNow(); // lines still waiting for the loop's flush are part of it
    return this.readFile(requestId);
  }

  health(): StoreHealth {
    return { writable: this.lastWriteError === null, lastWriteError: this.lastWriteError, count: this.index.size, dir: this.dir };
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.jsonl`);
  }

  private appendLine(id: string, ev: TranscriptEvent): void {
    try {
      fs.appendFileSync(this.file(id), `${JSON.stringify(ev)}\n`, { mode: 0o600 });
      if (this.lastWriteError) this.lastWriteError = null;
    } catch (err) {
      this.noteError(err);
    }
  }

  /** A crash mid-write can leave a line without its newline: close it so the next event starts a fresh line. */
  private terminateTornLine(id: string): void {
    try {
      const fd = fs.openSync(this.file(id), 'r');
      const size = fs.fstatSync(fd).size;
      const last = Buffer.alloc(1);
      if (size > 0) fs.readSync(fd, last, 0, 1, size - 1);
      fs.closeSync(fd);
      if (size > 0 && last[0] !== 0x0a) fs.appendFileSync(this.file(id), '\n');
    } catch (err) {
      this.noteError(err);
    }
  }

  private noteError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const first = this.lastWriteError === null;
    this.lastWriteError = e.message;
    if (first) this.onWriteError?.(e);
  }

  /** Reads a transcript, tolerating a torn last line from a crash mid-write. */
  private readFile(id: string): TranscriptEvent[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id), 'utf8');
    } catch {
      return [];
    }
    const out: TranscriptEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as TranscriptEvent);
      } catch {
        // a torn line can only be the last one written before a crash
      }
    }
    return out;
  }
}
