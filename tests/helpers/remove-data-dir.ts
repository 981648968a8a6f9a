import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Removes a test gateway's data dir. A just-killed Claude (and its sandbox helpers) may still flush its session
 * files, so removal is retried for ~30 s; if the dir still cannot go, the test is not failed for its cleanup: the
 * Claude processes still running are printed instead, so a leak is visible in the log.
 */
export function removeDataDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 25, retryDelay: 100 });
  } catch (err) {
    let running = '';
    try {
      running = execFileSync('ps', ['-eo', 'pid,ppid,etimes,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => /claude|bwrap|socat/.test(l))
        .join('\n');
    } catch {
      // no ps: the warning says less
    }
    process.stderr.write(`warning: test data dir ${dir} not removed (${err instanceof Error ? err.message : String(err)}); Claude-related processes now:\n${running || '(none)'}\n`);
  }
}
