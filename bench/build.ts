/** The compiled headless entry the product ships (`npm start` runs dist/main/headless.js), for memory figures. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * dist/main/headless.js when it is newer than every source in main/, else a fresh compile of main/ into
 * bench/.out (incremental, so later runs are quick). Leaves dist/ alone: other tools own it.
 */
export function compiledHeadless(repo: string): string {
  const sources = newestMtime(path.join(repo, 'main'));
  const dist = path.join(repo, 'dist/main/headless.js');
  if (fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= sources) return dist;
  const out = path.join(repo, 'bench/.out');
  const r = spawnSync(
    process.execPath,
    [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false', '--incremental', '--tsBuildInfoFile', path.join(out, 'tsbuildinfo')],
    { cwd: repo, encoding: 'utf8' },
  );
  const entry = path.join(out, 'main/headless.js');
  // tsc still emits when some file has a type error; only a missing entry is fatal here.
  if (!fs.existsSync(entry)) throw new Error(`could not compile main/ for the memory figure: ${r.stdout}${r.stderr}`);
  return entry;
}
