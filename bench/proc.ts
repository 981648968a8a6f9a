/** Child processes of the benchmark: starting/stopping gateways, and what /proc says about them. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** OpenAI base URL. */
  v1: string;
  stop(): Promise<void>;
}

/**
 * Starts `node [--import tsx] <entry>` with the given env and waits until it prints its URL: `BENCH_GATEWAY_URL=…`
 * (bench/gateway-child.ts) or the headless entry's `OpenAI base URL:  …/v1` line.
 */
export async function startGateway(entry: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<GatewayProcess> {
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${entry} did not print its URL within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /BENCH_GATEWAY_URL=(\S+)/.exec(out) ?? /OpenAI base URL:\s+(\S+)\/v1/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`${entry} exited with ${code}:\n${out}\n${err}`)); });
  });
  const pid = child.pid ?? 0;
  return {
    child,
    pid,
    url,
    v1: `${url}/v1`,
    async stop() {
      const leftovers = descendants(pid);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      // Whatever the gateway left behind (it should be nothing): its Claude processes lead their own groups.
      for (const p of leftovers) {
        try { process.kill(-p, 'SIGKILL'); } catch { /* gone */ }
        try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
    },
  };
}

interface ProcStat { pid: number; ppid: number; cpuTicks: number; cmdline: string }

function readStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { pid, ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]), cmdline };
  } catch {
    return null;
  }
}

function allProcs(): ProcStat[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readStat(Number(d))).filter((s): s is ProcStat => s !== null);
}

/** Every live process below pid. */
export function descendants(pid: number): number[] {
  const procs = allProcs();
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of procs) if (c.ppid === p) { out.push(c.pid); walk(c.pid); }
  };
  walk(pid);
  return out;
}

/** Resident memory of one process, in MB (VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * Waits until the gateway has `count` parked spare processes (children started with --await-claim) that are idle:
 * no CPU time spent over the last ~0.6 s, i.e. their start-up finished. Returns false on timeout.
 */
export async function waitSparesIdle(gatewayPid: number, count: number, timeoutMs = 60_000): Promise<boolean> {
  if (count <= 0) return true;
  const end = Date.now() + timeoutMs;
  let last = new Map<number, number>();
  let stableSince = 0;
  while (Date.now() < end) {
    const spares = allProcs().filter((p) => p.ppid === gatewayPid && p.cmdline.includes('--await-claim'));
    const now = new Map(spares.map((s) => [s.pid, s.cpuTicks]));
    const same = spares.length >= count && spares.every((s) => last.get(s.pid) === s.cpuTicks);
    if (same) {
      if (!stableSince) stableSince = Date.now();
      if (Date.now() - stableSince >= 600) return true;
    } else {
      stableSince = 0;
    }
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** RSS (MB) of each parked spare (a child started with --await-claim) of the gateway. */
export function spareRssMb(gatewayPid: number): number[] {
  return allProcs().filter((p) => p.ppid === gatewayPid && p.cmdline.includes('--await-claim')).map((p) => rssMb(p.pid));
}

/** CPU time (ms) a process has used so far, or NaN once it is gone. */
export function cpuMs(pid: number): number {
  const s = readStat(pid);
  return s ? s.cpuTicks * 10 : Number.NaN;
}

/** The gateway's Claude Code children: parked spares (started with --await-claim) and cold runs. */
export function claudeChildren(gatewayPid: number): { spares: number[]; cold: number[] } {
  const kids = allProcs().filter((p) => p.ppid === gatewayPid && p.cmdline.includes('stream-json'));
  return { spares: kids.filter((p) => p.cmdline.includes('--await-claim')).map((p) => p.pid), cold: kids.filter((p) => !p.cmdline.includes('--await-claim')).map((p) => p.pid) };
}
