import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { SpawnOptions, SpawnedProcess } from '@anthropic-ai/claude-agent-sdk';
import type { ProcessTracker } from './orphans.ts';

/** Marks every process of one run inside the container (inherited by Claude's tool shells and their children). */
export const RUN_MARKER = 'CCG_RUN_ID';

/**
 * Env vars Claude Code needs from the host; nothing else of the host env enters the container. CLAUDE_CONFIG_DIR
 * and HOME are host paths: the container keeps its own (the persisted /home/claude volume).
 */
const FORWARD = /^(?:ANTHROPIC_\w+|CLAUDE_CODE_\w+|CLAUDE_AGENT_SDK_\w+|CLAUDECODE|MCP_\w+|DISABLE_\w+|OTEL_\w+|BASH_DEFAULT_TIMEOUT_MS|BASH_MAX_TIMEOUT_MS|BASH_MAX_OUTPUT_LENGTH|MAX_THINKING_TOKENS|MAX_MCP_OUTPUT_TOKENS|API_TIMEOUT_MS|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|DEBUG_CLAUDE_AGENT_SDK)$/;
const NEVER = new Set(['CLAUDE_CONFIG_DIR', 'CLAUDE_CODE_GIT_BASH_PATH', 'CLAUDE_CODE_TMPDIR']);

export function containerEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && FORWARD.test(k) && !NEVER.has(k)) out[k] = v;
  return out;
}

/**
 * The SDK spawns the host's claude (the bundled binary, or `node cli.js`): inside the container it is `claude` on
 * PATH, with the same CLI arguments.
 */
export function containerCommand(command: string, args: string[], containerClaude = 'claude'): string[] {
  const isClaude = (p: string): boolean => /^claude(?:\.exe)?$/i.test(path.basename(p));
  const isScript = (p: string): boolean => /\.(?:c|m)?js$/i.test(p);
  if (isClaude(command)) return [containerClaude, ...args];
  // node/bun running the CLI script: drop the runner and the script path.
  const i = args.findIndex((a) => isScript(a) || isClaude(a));
  return [containerClaude, ...(i >= 0 ? args.slice(i + 1) : args)];
}

/**
 * A host cwd inside the mounted workspace maps to the same place under the container's workspace (a chat's folder
 * CLAUDE_CWD/chats/<id> → /workspace/chats/<id>); one outside it has no place there: null, never the shared root.
 */
export function containerCwd(cwd: string | undefined, hostWorkspace: string, containerWorkspace = '/workspace'): string | null {
  if (!cwd) return containerWorkspace;
  const rel = path.relative(path.resolve(hostWorkspace), path.resolve(cwd));
  if (rel === '') return containerWorkspace;
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return path.posix.join(containerWorkspace, ...rel.split(path.sep));
}

/**
 * Signals every process of a run inside the container: those carrying RUN_MARKER=<runId> in their environment
 * (Claude, its tool shells, anything they started, even when re-parented to init) plus their descendants.
 * Runs as the container's default user, the one runs use: without CAP_SYS_PTRACE (docker drops it) even root may
 * not read another user's /proc/<pid>/environ. Prints the PIDs it signalled.
 */
const KILL_SCRIPT = `
id="$1"; sig="$2"; found=""
for d in /proc/[0-9]*; do
  p=\${d#/proc/}
  [ "$p" = "$$" ] && continue
  if tr '\\0' '\\n' < "$d/environ" 2>/dev/null | grep -qx "${RUN_MARKER}=$id"; then found="$found $p"; fi
done
changed=1
while [ -n "$found" ] && [ $changed = 1 ]; do
  changed=0
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case " $found " in *" $p "*) continue;; esac
    pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status" 2>/dev/null)
    case " $found " in *" $pp "*) found="$found $p"; changed=1;; esac
  done
done
[ -n "$found" ] && kill -s "$sig" $found 2>/dev/null
echo $found
`;

export interface DockerExecOptions {
  /** The running container to exec into (rejects with a user-facing reason when there is none). */
  container: () => Promise<string>;
  /** Host folder mounted at `containerWorkspace`. */
  hostWorkspace: string;
  containerWorkspace?: string;
  /** Host cwds mounted elsewhere (projects at /projects/<name>): their container path, else null. */
  mapCwd?: (cwd: string) => string | null;
  containerClaude?: string;
  dockerBin?: string;
  /** Env of the docker CLI itself (DOCKER_HOST…); the host env is the base. */
  dockerEnv?: Record<string, string>;
  /** Time between SIGTERM and SIGKILL inside the container. */
  killGraceMs?: number;
  onStderr?: (line: string) => void;
  /** Lists each run while it lives, so a start after a crash can stop it in the container (see orphans.ts). */
  tracker?: ProcessTracker;
  /**
   * After a run's client exits non-zero on its own: a sentence naming why when the container itself went away
   * (then passed on as a stderr line, which the gateway puts in its error), or null when it is still running.
   */
  explainExit?: (containerId: string) => Promise<string | null>;
}

/** Per-run context the runtime may pass next to the SDK's spawn options. */
export interface DockerSpawnContext {
  /** Claude's stderr lines of this run (the SDK reads no stderr from a custom spawn). */
  onStderr?: (line: string) => void;
  /**
   * The caller's own abort (the SDK's `options.signal` fires only after its ~2 s stdin-EOF grace): kill at once,
   * as the local runtime does.
   */
  abortSignal?: AbortSignal;
}

/** Runs `kill -s <sig>` on a run's processes in the container; resolves to the PIDs signalled ([] if none). */
export function killRunInContainer(o: { dockerBin?: string; dockerEnv?: Record<string, string>; containerId: string; runId: string; signal: 'TERM' | 'KILL' | 'INT' }): Promise<number[]> {
  return new Promise((resolve) => {
    const child = spawn(o.dockerBin ?? 'docker', ['exec', o.containerId, 'sh', '-c', KILL_SCRIPT, 'ccg-kill', o.runId, o.signal], {
      env: { ...process.env, ...o.dockerEnv },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
      killSignal: 'SIGKILL',
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', () => resolve([]));
    child.on('close', () => resolve(out.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 0)));
  });
}

function shortSignal(sig: NodeJS.Signals): 'TERM' | 'KILL' | 'INT' {
  return sig === 'SIGKILL' ? 'KILL' : sig === 'SIGINT' ? 'INT' : 'TERM';
}

/**
 * Claude Code running in the container behind `docker exec -i`, shaped as the SDK's SpawnedProcess. Its streams
 * exist at once (the container is looked up asynchronously, then the client is piped in). kill() signals the
 * process tree INSIDE the container — killing only the local docker client would leave Claude and its tools
 * running there — then escalates to SIGKILL and finally drops the client.
 */
export class DockerClaudeProcess extends EventEmitter implements SpawnedProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly runId = crypto.randomUUID();
  killed = false;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  containerId: string | null = null;
  private child: ChildProcess | null = null;
  private done = false;
  private killSignal: NodeJS.Signals | null = null;
  private stderrTail = '';

  constructor(private readonly spawnOptions: SpawnOptions, private readonly o: DockerExecOptions, private readonly ctx: DockerSpawnContext = {}) {
    super();
    for (const signal of [spawnOptions.signal, ctx.abortSignal]) {
      if (signal?.aborted) this.kill('SIGTERM');
      else signal?.addEventListener('abort', () => this.kill('SIGTERM'), { once: true });
    }
    void this.start();
  }

  private stderrLine(line: string): void {
    this.o.onStderr?.(line);
    this.ctx.onStderr?.(line);
  }

  /** Host PID of the docker client (not of Claude: that one lives in the container's PID namespace). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get recentStderr(): string {
    return this.stderrTail;
  }

  private async start(): Promise<void> {
    const hostCwd = this.spawnOptions.cwd;
    const cwd = (hostCwd ? this.o.mapCwd?.(hostCwd) : null) ?? containerCwd(hostCwd, this.o.hostWorkspace, this.o.containerWorkspace);
    let id: string;
    try {
      id = await this.o.container();
    } catch (err) {
      return this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.killed) return this.finish(null, this.killSignal);
    // (after an await: the caller listens for 'exit' once the constructor returns)
    if (!cwd) return this.fail(new Error(`The run's folder ${hostCwd} is not mounted in the Claude container (CLAUDE_CWD is mounted at ${this.o.containerWorkspace ?? '/workspace'}, projects at /projects/<name> after Up).`));
    this.containerId = id;
    this.o.tracker?.trackContainerRun(this.runId, id, this);
    const env = containerEnv(this.spawnOptions.env);
    env[RUN_MARKER] = this.runId;
    // `-e NAME` without a value: docker reads it from its own env, so secrets never show in `ps` on the host.
    const args = ['exec', '-i', '-w', cwd, ...Object.keys(env).flatMap((k) => ['-e', k]), id, ...containerCommand(this.spawnOptions.command, this.spawnOptions.args, this.o.containerClaude)];
    const child = spawn(this.o.dockerBin ?? 'docker', args, { env: { ...process.env, ...this.o.dockerEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    child.stdin.on('error', () => {}); // EPIPE when the container dies: the exit reports it
    this.stdin.pipe(child.stdin);
    child.stdout.pipe(this.stdout);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
      for (const line of d.split('\n')) if (line.trim()) this.stderrLine(line);
    });
    child.on('error', (err) => this.fail(err));
    child.on('close', (code, signal) => {
      if (this.killSignal) return this.finish(null, this.killSignal);
      if (code === 0 || !this.o.explainExit) return this.finish(code, signal);
      // Say why before the SDK turns the exit into "exited with code 137": the container was stopped or killed.
      const explained = this.o.explainExit(id).catch(() => null);
      const timeout = new Promise<null>((r) => setTimeout(() => r(null), 10_000).unref());
      void Promise.race([explained, timeout]).then((why) => {
        if (why) this.stderrLine(why);
        this.finish(code, signal);
      });
    });
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.stderrLine(err.message);
    // An 'error' nobody listens to would throw: the SDK may already have let go of this process.
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.finish(1, null);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.done) return;
    this.done = true;
    this.exitCode = code;
    this.signalCode = signal;
    if (!this.stdout.writableEnded) this.stdout.end();
    this.emit('exit', code, signal);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.done) return false;
    const first = !this.killed;
    this.killed = true;
    this.killSignal ??= signal;
    if (!this.child) return true; // start() sees `killed` and never spawns
    const containerId = this.containerId as string;
    const sweep = (sig: 'TERM' | 'KILL' | 'INT'): Promise<number[]> =>
      killRunInContainer({ dockerBin: this.o.dockerBin, dockerEnv: this.o.dockerEnv, containerId, runId: this.runId, signal: sig });
    if (!first && signal !== 'SIGKILL') return true;
    void sweep(shortSignal(signal)).then(async () => {
      const grace = this.o.killGraceMs ?? 2_000;
      // Claude may still be starting (or its tools ignore TERM): sweep again with KILL, then drop the client.
      await new Promise((r) => setTimeout(r, grace).unref());
      await sweep('KILL');
      setTimeout(() => { if (!this.done) this.child?.kill('SIGKILL'); }, 1_000).unref();
    });
    return true;
  }
}

export type DockerSpawnHook = ((options: SpawnOptions, ctx?: DockerSpawnContext) => SpawnedProcess) & {
  /** Runs currently alive (their docker clients), for diagnostics and shutdown. */
  live(): DockerClaudeProcess[];
};

/** The Agent SDK's `spawnClaudeCodeProcess` for the docker runtime. */
export function createDockerSpawnHook(o: DockerExecOptions): DockerSpawnHook {
  const live = new Set<DockerClaudeProcess>();
  const hook = (options: SpawnOptions, ctx?: DockerSpawnContext): SpawnedProcess => {
    const p = new DockerClaudeProcess(options, o, ctx);
    live.add(p);
    p.once('exit', () => live.delete(p));
    return p;
  };
  return Object.assign(hook, { live: () => [...live] });
}
