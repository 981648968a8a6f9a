/**
 * Reading the app's own log file (electron-log, DATA_DIR/logs/gateway.log) for the dashboard's Logs view: the last
 * N lines, and following what is appended. Follows by polling the file's size: fs.watch misses writes on some file
 * systems and loses the file when electron-log rotates it (rename to gateway.old.log + a new file), while a size that
 * shrank, or a new inode, tells a rotation apart from an append on every platform.
 */
import fs from 'node:fs';
import type { AppLogLevel, AppLogLine } from '../contract/control-api.ts';

const LEVELS: ReadonlySet<string> = new Set<AppLogLevel>(['error', 'warn', 'info', 'verbose', 'debug', 'silly']);
/** electron-log's file format: `[2026-12-01 21:06:00.830] [info]  text`. */
const ENTRY = /^\[\d{4}-\d\d-\d\d[ T][\d:.]+\] \[(\w+)\]/;
/** How far back the tail reads: enough for thousands of lines, bounded whatever the file size. */
const TAIL_WINDOW = 1024 * 1024;
/** Most bytes one poll reads, so a burst of logging is sent in parts rather than held in memory at once. */
const READ_CHUNK = 256 * 1024;

export function parseLogLine(text: string): AppLogLine {
  const level = ENTRY.exec(text)?.[1]?.toLowerCase();
  return { text, level: level && LEVELS.has(level) ? (level as AppLogLevel) : null };
}

function splitLines(buf: Buffer): string[] {
  return buf.toString('utf8').replace(/\r/g, '').split('\n');
}

/** The last `n` lines of the file (none when it does not exist yet) and the size they were read at. */
export function tailLog(file: string, n: number): { lines: AppLogLine[]; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { lines: [], size: 0 };
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_WINDOW);
    const buf = Buffer.alloc(size - start);
    const read = fs.readSync(fd, buf, 0, buf.length, start);
    const lines = splitLines(buf.subarray(0, read));
    if (start > 0) lines.shift(); // began mid-line
    if (lines[lines.length - 1] === '') lines.pop();
    return { lines: (n > 0 ? lines.slice(-n) : []).map(parseLogLine), size: start + read };
  } finally {
    fs.closeSync(fd);
  }
}

export interface FollowOptions {
  /** Byte offset to start from (the size a tail was read at). */
  from: number;
  onLines(lines: AppLogLine[]): void;
  /** The file was rotated or truncated: reading restarts at the new file's start. */
  onRotate?(size: number): void;
  /** After each poll that read bytes: the offset reached (lines or not), so a caller can tell what was seen. */
  onRead?(offset: number): void;
  intervalMs?: number;
}

/** Follows the file from `from`; only whole lines are reported. Returns a stop function. */
export function followLog(file: string, opts: FollowOptions): () => void {
  let offset = opts.from;
  let ino: number | null = null;
  let partial: Buffer = Buffer.alloc(0);
  let stopped = false;
  try {
    ino = fs.statSync(file).ino;
  } catch {
    // not written yet: it is picked up on its first poll
  }

  const poll = (): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return; // between rotation's rename and the first write of the new file
    }
    if ((ino !== null && st.ino !== ino) || st.size < offset) {
      offset = 0;
      partial = Buffer.alloc(0);
      opts.onRotate?.(st.size);
    }
    ino = st.ino;
    if (st.size <= offset) return;
    const fd = fs.openSync(file, 'r');
    try {
      while (offset < st.size && !stopped) {
        const buf = Buffer.alloc(Math.min(READ_CHUNK, st.size - offset));
        const read = fs.readSync(fd, buf, 0, buf.length, offset);
        if (read <= 0) break;
        offset += read;
        const data = Buffer.concat([partial, buf.subarray(0, read)]);
        const end = data.lastIndexOf(0x0a);
        if (end < 0) {
          partial = data;
          continue;
        }
        partial = Buffer.from(data.subarray(end + 1));
        opts.onLines(splitLines(data.subarray(0, end)).map(parseLogLine));
      }
    } finally {
      fs.closeSync(fd);
    }
    opts.onRead?.(offset);
  };

  const timer = setInterval(() => {
    try {
      poll();
    } catch {
      // an unreadable moment (permissions, a vanished file) is retried on the next tick
    }
  }, opts.intervalMs ?? 500);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
