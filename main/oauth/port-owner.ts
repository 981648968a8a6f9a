/**
 * Best effort: who listens on a TCP port, so "port 8888 in use" can name the culprit. Tries `ss -ltnp`, then
 * `lsof`; returns null when neither tool exists or the owner is hidden (another user's process without root).
 */
import { execFile } from 'node:child_process';

export interface PortOwner {
  pid: number | null;
  name: string | null;
}

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000 }, (err, stdout) => resolve(err && !stdout ? null : String(stdout)));
  });
}

/** `ss -ltnp` line: `LISTEN 0 511 127.0.0.1:8888 0.0.0.0:* users:(("node",pid=123,fd=20))` */
export function parseSs(output: string, port: number): PortOwner | null {
  for (const line of output.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local || !local.endsWith(`:${port}`)) continue;
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    return m ? { name: m[1], pid: Number(m[2]) } : { name: null, pid: null };
  }
  return null;
}

/** `lsof -Fpc` output: lines `p123` then `cnode`. */
export function parseLsof(output: string): PortOwner | null {
  const pid = /^p(\d+)$/m.exec(output);
  const name = /^c(.+)$/m.exec(output);
  if (!pid) return null;
  return { pid: Number(pid[1]), name: name ? name[1] : null };
}

export async function findPortOwner(port: number): Promise<PortOwner | null> {
  if (process.platform !== 'win32') {
    const ss = await run('ss', ['-H', '-ltnp', `sport = :${port}`]);
    const fromSs = ss ? parseSs(ss, port) : null;
    if (fromSs?.pid) return fromSs;
    const lsof = await run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']);
    const fromLsof = lsof ? parseLsof(lsof) : null;
    return fromLsof ?? fromSs;
  }
  return null;
}

export function describeOwner(owner: PortOwner | null): string {
  if (!owner || (!owner.pid && !owner.name)) return 'another process';
  if (owner.pid && owner.name) return `pid ${owner.pid} (${owner.name})`;
  return owner.pid ? `pid ${owner.pid}` : owner.name ?? 'another process';
}
