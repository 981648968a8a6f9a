/**
 * Who is whose parent, on this machine: the process table the kill plan and crash recovery walk. Linux reads /proc
 * (no child process); macOS and the BSDs ask `ps`. Windows has no reader: taskkill walks the tree itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
}

export type ProcessTable = ReadonlyArray<ProcessEntry>;

/** One /proc/<pid>/stat line. The command name is in parentheses and may hold spaces and ')', so read after the last one. */
export function parseProcStat(stat: string): ProcessEntry | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const pid = stat.slice(0, stat.indexOf(' ('));
  const ppid = stat.slice(close + 2).split(' ')[1];
  if (!/^\d+$/.test(pid) || ppid === undefined || !/^\d+$/.test(ppid)) return null;
  return { pid: Number(pid), ppid: Number(ppid) };
}

/** Output of `ps -A -o pid=,ppid=`: two right-aligned numbers a line; anything else (a header, a blank) is skipped. */
export function parsePsTable(out: string): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) table.push({ pid: Number(m[1]), ppid: Number(m[2]) });
  }
  return table;
}

function readProc(): ProcessEntry[] | null {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null; // no /proc mounted: fall back to ps
  }
  const table: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const entry = parseProcStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (entry) table.push(entry);
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

function readPs(): ProcessEntry[] {
  try {
    return parsePsTable(execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return [];
  }
}

/** The live process table; empty when it cannot be read (callers then reach only what they know by pid). */
export function readProcessTable(platform: NodeJS.Platform = process.platform): ProcessTable {
  if (platform === 'win32') return [];
  return (platform === 'linux' ? readProc() : null) ?? readPs();
}
