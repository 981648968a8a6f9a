import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * A PreToolUse hook for Claude Code's file tools (Read, Grep, Glob…): refuses a path that lies in a guarded root (the
 * app's data, the chats root) but outside the run's own folder, links followed; and a search (Grep, Glob) rooted above
 * a guarded root, which would walk into it. Claude Code's deny rules cannot say "this root except this folder", and its
 * own block of reads outside the working directories cannot be used by a spare process (`--await-claim`), so this
 * hook does it — from settings that name only the run's folder and the roots, whatever chats exist.
 *
 * WebFetch runs inside Claude Code, not in the sandbox: the guard lets it reach only the policy's allowed domains
 * (`--domain=host`, `*.example.com` for subdomains), the list sandboxed commands get.
 *
 * Run as `node file-guard.cjs [--domain=host…] [--own=<also own folder>…] <own folder> <root>…`; reads the hook event on stdin; exit 2 refuses (stderr is what the
 * model is told), exit 0 lets Claude Code's own permission checks decide.
 */
export const FILE_GUARD_SOURCE = String.raw`'use strict';
const fs = require('fs');
const path = require('path');
// Given by runFileGuard when the app's own binary runs the guard; else the script's arguments.
const argv = typeof __guardArgv !== 'undefined' ? __guardArgv : process.argv.slice(2);
const domains = argv.filter((a) => a.startsWith('--domain=')).map((a) => a.slice(9).toLowerCase());
const owns = argv.filter((a) => a.startsWith('--own=')).map((a) => a.slice(6));
const [own, ...roots] = argv.filter((a) => !a.startsWith('--domain=') && !a.startsWith('--own='));
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  let ev;
  try { ev = JSON.parse(input); } catch { return refuse('the file guard could not read the tool call'); }
  const t = (ev && ev.tool_input) || {};
  if (ev.tool_name === 'WebFetch') {
    let host = '';
    try { host = new URL(String(t.url)).hostname.toLowerCase().replace(/^\[|\]$/g, ''); } catch {}
    const ok = host !== '' && domains.some((d) => d === host || (d.startsWith('*.') && host.endsWith(d.slice(1))));
    if (ok) return process.exit(0);
    return refuse('Permission denied: ' + (host || 'that URL') + ' is not in this policy\'s allowed domains' + (domains.length ? ' (' + domains.join(', ') + ')' : '') + '.');
  }
  const cwd = typeof ev.cwd === 'string' && ev.cwd ? ev.cwd : own;
  const real = (p) => {
    let cur = path.resolve(cwd, p);
    const rest = [];
    for (;;) {
      try { return path.join(fs.realpathSync(cur), ...rest.reverse()); } catch {}
      const up = path.dirname(cur);
      if (up === cur) return path.resolve(cwd, p);
      rest.push(path.basename(cur));
      cur = up;
    }
  };
  const inside = (c, p) => { const r = path.relative(p, c); return r === '' || (!r.startsWith('..') && !path.isAbsolute(r)); };
  const mine = [own, ...owns].map(real);
  const guarded = roots.map(real);
  const bad = (p, search) => {
    const x = real(p);
    if (mine.some((m) => inside(x, m))) return false;
    return guarded.some((g) => inside(x, g) || (search && inside(g, x)));
  };
  const str = (v) => (typeof v === 'string' && v ? v : null);
  const staticPart = (pattern) => {
    const parts = pattern.split('/');
    const out = [];
    for (const s of parts) { if (/[*?[\]{}]/.test(s)) break; out.push(s); }
    return out.join('/') || '.';
  };
  const checks = [];
  for (const k of ['file_path', 'notebook_path']) if (str(t[k])) checks.push([t[k], false]);
  if (ev.tool_name === 'Grep' || ev.tool_name === 'Glob' || ev.tool_name === 'LS') {
    const base = str(t.path) || cwd;
    checks.push([base, true]);
    if (ev.tool_name === 'Glob' && str(t.pattern)) checks.push([path.resolve(real(base), staticPart(t.pattern)), true]);
  }
  const hit = checks.find(([p, search]) => bad(p, search));
  if (hit) return refuse('Permission denied: ' + hit[0] + ' lies outside this conversation\'s folder, in a place no conversation may read.');
  process.exit(0);
});
function refuse(msg) { process.stderr.write(msg + '\n'); process.exit(2); }
`;

/** The command that runs the guard: this Node, or the desktop app's own binary in its guard mode. */
export interface FileGuardCommand {
  command: string;
  args: string[];
}

/**
 * The desktop app's binary runs the guard when given this flag first (main/electron/main.ts), since the packaged app
 * cannot run scripts as Node: its RunAsNode fuse is off.
 */
export const FILE_GUARD_FLAG = '--ccg-file-guard';

/** The guard, in this process, on these arguments (the desktop binary's guard mode); it ends the process. */
export function runFileGuard(argv: readonly string[]): void {
  const guard = new Function('require', '__guardArgv', FILE_GUARD_SOURCE) as (req: NodeJS.Require, args: readonly string[]) => void;
  guard(createRequire(import.meta.url), argv);
}

/** Writes the guard into `dir` (the app's data, which no run may write) and returns how to run it. */
export function installFileGuard(dir: string, execPath: string = process.execPath, inElectron: boolean = Boolean(process.versions.electron)): FileGuardCommand {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'file-guard.cjs');
  fs.writeFileSync(file, FILE_GUARD_SOURCE, { mode: 0o644 });
  if (inElectron) {
    // Unpackaged (`electron dist/main/electron/main.js`) the binary needs the app's entry before the flag.
    const dev = Reflect.get(process, 'defaultApp') === true && process.argv[1];
    return { command: execPath, args: dev ? [path.resolve(process.argv[1]), FILE_GUARD_FLAG] : [FILE_GUARD_FLAG] };
  }
  return { command: execPath, args: [file] };
}
