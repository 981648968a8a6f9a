/**
 * Claude Code's own answer to "can you answer?": `claude auth status --json`, run with exactly the environment
 * Claude runs get, where they run (on this machine, or inside the runtime container). Signed out it prints
 * `{"loggedIn":false,"authMethod":"none",…}` and exits 1; signed in it exits 0 and names the method.
 */
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { containerEnv } from './docker-spawn.ts';

type Env = Record<string, string | undefined>;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `claude <args>` with `env` where Claude runs; rejects when it cannot be run at all (container down…). */
export type ClaudeCommand = (args: string[], env: Env, timeoutMs: number) => Promise<CommandResult>;

/** The fields the app uses; Claude Code adds others (directories, analytics…) that are ignored. */
export const authStatusSchema = z.object({
  loggedIn: z.boolean(),
  authMethod: z.string().nullish(),
  apiProvider: z.string().nullish(),
  apiKeySource: z.string().nullish(),
  loginExpiresAt: z.union([z.string(), z.number()]).nullish(),
  subscriptionType: z.string().nullish(),
  email: z.string().nullish(),
  orgName: z.string().nullish(),
});
export type AuthStatusJson = z.infer<typeof authStatusSchema>;

export type AuthReading = { ok: true; status: AuthStatusJson } | { ok: false; reason: string };

const STATUS_TIMEOUT_MS = 15_000;

/** Parses the command's output; anything but the expected object is a failure to read, never "signed out". */
export function parseAuthStatus(r: CommandResult): AuthReading {
  const start = r.stdout.indexOf('{');
  const end = r.stdout.lastIndexOf('}');
  const firstLine = (r.stderr.trim() || r.stdout.trim()).split('\n')[0]?.slice(0, 200) || `exit code ${r.code}`;
  if (start < 0 || end < start) return { ok: false, reason: `Claude Code did not report its sign-in status (${firstLine})` };
  let json: unknown;
  try {
    json = JSON.parse(r.stdout.slice(start, end + 1));
  } catch {
    return { ok: false, reason: `Claude Code's sign-in status is not JSON (${firstLine})` };
  }
  const parsed = authStatusSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'Claude Code reported its sign-in status in an unknown shape' };
  // Exit 1 is how it says "signed out"; a non-zero exit while claiming to be signed in is not a reading to trust.
  if (parsed.data.loggedIn && r.code !== 0) return { ok: false, reason: `Claude Code reported a sign-in but exited with code ${r.code}` };
  return { ok: true, status: parsed.data };
}

export async function readAuthStatus(run: ClaudeCommand, env: Env): Promise<AuthReading> {
  try {
    return parseAuthStatus(await run(['auth', 'status', '--json'], env, STATUS_TIMEOUT_MS));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

function execResult(file: string, args: string[], options: { env: Env; timeoutMs: number }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      if (code === null) return reject(new Error(err?.killed ? `claude ${args.slice(0, 2).join(' ')} took longer than ${options.timeoutMs / 1000} s` : (err?.message ?? 'failed')));
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The local runtime: the binary Claude runs use. */
export function localClaudeCommand(binary: string | null): ClaudeCommand {
  return (args, env, timeoutMs) => {
    if (!binary) return Promise.reject(new Error('Claude Code binary not found'));
    return execResult(binary, args, { env, timeoutMs });
  };
}

export interface DockerCommandOptions {
  /** The running container (rejects when there is none). */
  container: () => Promise<string>;
  dockerBin?: string;
  dockerEnv?: Record<string, string>;
}

/** Thrown when there is no container to ask: the reading is unknown, not "signed out". */
export class ContainerNotRunning extends Error {
  constructor(readonly detail: string) {
    super('container not running');
    this.name = 'ContainerNotRunning';
  }
}

/**
 * The docker runtime: `docker exec` into the runtime container with the variables a run would pass (`-e NAME`
 * only: values go through the docker client's env, never its argv).
 */
export function dockerClaudeCommand(o: DockerCommandOptions): ClaudeCommand {
  return async (args, env, timeoutMs) => {
    let id: string;
    try {
      id = await o.container();
    } catch (err) {
      throw new ContainerNotRunning(err instanceof Error ? err.message : String(err));
    }
    const passed = containerEnv(env);
    const argv = ['exec', ...Object.keys(passed).flatMap((k) => ['-e', k]), id, 'claude', ...args];
    return execResult(o.dockerBin ?? 'docker', argv, { env: { ...process.env, ...o.dockerEnv, ...passed }, timeoutMs });
  };
}
