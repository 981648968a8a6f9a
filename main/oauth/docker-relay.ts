/**
 * The docker runtime's side of the OAuth seam. Claude Code in the container binds the CONTAINER's 127.0.0.1, so a
 * callback for a login it started itself (a user running `/mcp` in the container, or a fallback to its own listener)
 * is delivered by running an HTTP GET inside the container (`docker exec <container> sh -c …`). Logins our driver
 * starts do not need this: they go over the control channel (see login-driver.ts).
 *
 * Everything here takes a `ContainerExec`, so the composition root wires it to the compose manager's running
 * container; tests can point it at any shell.
 */
import { execFile } from 'node:child_process';
import type { ClaudeCli, CliResult } from './mcp-servers.ts';
import { retarget, type CallbackRelay, type RelayFactory, type RelayResult } from './relay.ts';

/** Runs argv inside the runtime container; resolves with the exit code (never rejects for a non-zero exit). */
export type ContainerExec = (argv: string[], opts: { signal?: AbortSignal; timeoutMs?: number }) => Promise<CliResult>;

/** `docker exec <id> …` against the container the given function names (e.g. `() => compose.runningContainer()`). */
export function dockerExec(container: () => Promise<string>, dockerBin = 'docker', dockerEnv: Record<string, string> = {}): ContainerExec {
  return async (argv, opts) => {
    const id = await container();
    return new Promise((resolve) => {
      execFile(dockerBin, ['exec', id, ...argv], { env: { ...process.env, ...dockerEnv }, timeout: opts.timeoutMs ?? 30_000, signal: opts.signal, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && !stdout ? err.message : '') });
      });
    });
  };
}

/** A GET from inside the container with whatever it has: node (the runtime image), curl, or busybox wget. */
const GET_SCRIPT = `u="$1"
if command -v node >/dev/null 2>&1; then
  exec node -e 'fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 22); }).catch((e) => { console.error(e.message); process.exit(7); })' "$u"
elif command -v curl >/dev/null 2>&1; then exec curl -sS --fail-with-body "$u"
elif command -v wget >/dev/null 2>&1; then exec wget -q -O - "$u"
else echo "the container has no node, curl or wget to deliver the callback" >&2; exit 127
fi`;

export class ContainerCallbackRelay implements CallbackRelay {
  readonly target: string;
  constructor(
    private readonly exec: ContainerExec,
    private readonly port: number,
    label = 'container',
  ) {
    this.target = `${label} 127.0.0.1:${port}`;
  }

  async deliver(redirectUrl: string, signal: AbortSignal): Promise<RelayResult> {
    const url = retarget(redirectUrl, '127.0.0.1', this.port);
    try {
      const r = await this.exec(['sh', '-c', GET_SCRIPT, 'relay', url], { signal, timeoutMs: 30_000 });
      if (r.code === 0 && !/Authentication failed/i.test(r.stdout)) return { ok: true, detail: `Claude Code in the container (${this.target}) accepted the callback` };
      const why = /Invalid state/i.test(r.stdout) ? 'state mismatch: that sign-in is no longer waiting' : (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`;
      return { ok: false, reason: `relay into the container failed (${this.target}): ${why}` };
    } catch (err) {
      return { ok: false, reason: `relay into the container failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

/** RelayFactory for POST /oauth/register in the docker runtime: docker targets go into the container, local ones stay local. */
export function dockerRelayFactory(exec: ContainerExec, local: RelayFactory): RelayFactory {
  return (target) => (target.runtime === 'docker' ? new ContainerCallbackRelay(exec, target.callbackPort) : local(target));
}

/** `claude mcp …` and Claude Code's files inside the container (HOME=/home/claude there; no CLAUDE_CONFIG_DIR). */
export function containerClaudeCli(exec: ContainerExec): ClaudeCli {
  return {
    run: (args, timeoutMs = 60_000) => exec(['claude', ...args], { timeoutMs }),
    readFile: async (which) => {
      const file = which === 'config' ? '"${CLAUDE_CONFIG_DIR:-$HOME}/.claude.json"' : '"${CLAUDE_CONFIG_DIR:-$HOME/.claude}/.credentials.json"';
      const r = await exec(['sh', '-c', `cat ${file} 2>/dev/null`], { timeoutMs: 15_000 });
      return r.code === 0 ? r.stdout : null;
    },
  };
}
