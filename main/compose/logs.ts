import { execa } from 'execa';
import stripAnsi from 'strip-ansi';
import type { ComposeProblem, LogLine, Unsubscribe } from './types.ts';

/**
 * One `compose logs` output line → service + text. Compose v2 may start a line with an "erase line" code
 * (\x1b[2K) even with --no-color; v1 prefixes "service_1  | ", v2 "service-1  | " (older v2: "project-service-1").
 */
export function parseLogLine(raw: string, project: string): { service: string; text: string } {
  const clean = stripAnsi(raw.replace(/^(?:\x1b\[2K)+/, '')).replace(/\r$/, '');
  const m = /^([A-Za-z0-9][\w.-]*?)\s*\|\s?(.*)$/s.exec(clean);
  if (!m) return { service: '', text: clean };
  let service = m[1].replace(/[-_]\d+$/, '');
  for (const sep of ['-', '_']) if (service.startsWith(project + sep)) service = service.slice(project.length + 1);
  return { service, text: m[2] };
}

export interface LogStreamSpec {
  file: string;
  args: string[];
  env?: Record<string, string>;
  project: string;
  onLine(line: LogLine): void;
  onEnd?(problem: ComposeProblem | null): void;
  /** Turns a failed exit's stderr into a problem (daemon down…). */
  classify(stderr: string, exitCode: number | undefined, spawnCode: string | undefined): ComposeProblem;
}

/**
 * Runs `compose logs` as a live stream. Returns an unsubscribe that kills the process (SIGKILL after 2 s);
 * after it, no more lines and no onEnd are delivered.
 */
export function streamLogs(spec: LogStreamSpec): Unsubscribe {
  const ac = new AbortController();
  let done = false;
  const sub = execa(spec.file, spec.args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: spec.env,
    extendEnv: true,
    cancelSignal: ac.signal,
    forceKillAfterDelay: 2_000,
  });
  let stderrTail = '';
  const feed = (stream: 'stdout' | 'stderr') => {
    let pending = '';
    return (chunk: Buffer | string): void => {
      if (done) return;
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const raw of lines) {
        if (stream === 'stderr') stderrTail = (stderrTail + raw + '\n').slice(-4000);
        const { service, text } = parseLogLine(raw, spec.project);
        if (!text.trim() && !service) continue;
        // Compose's own chatter ("Attaching to …") has no "service |" prefix: not container output.
        if (!service && /^(Attaching to|Gracefully stopping)/.test(text)) continue;
        try {
          spec.onLine({ service, text, stream, at: new Date().toISOString() });
        } catch {
          // a subscriber's failure must not kill the stream
        }
      }
    };
  };
  sub.stdout?.on('data', feed('stdout'));
  sub.stderr?.on('data', feed('stderr'));
  void sub.then((r) => {
    if (done) return;
    done = true;
    const failed = r.failed && !r.isCanceled;
    const spawnCode = r.exitCode === undefined && 'code' in r && typeof r.code === 'string' ? r.code : undefined;
    spec.onEnd?.(failed ? spec.classify(stderrTail || r.shortMessage || '', r.exitCode, spawnCode) : null);
  });
  return () => {
    if (done) return;
    done = true;
    ac.abort();
  };
}
