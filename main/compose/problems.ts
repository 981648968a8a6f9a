import type { ComposeProblem } from './types.ts';
import { tail } from './exec.ts';

/** What a fix may refer to: the exact command lines of this project. */
export interface FixContext {
  /** e.g. "docker compose -p claude-code-gateway -f /app/docker/compose.yaml" */
  compose: string;
  service: string;
  image: string;
  platform?: NodeJS.Platform;
}

export function dockerNotInstalled(platform: NodeJS.Platform = process.platform): ComposeProblem {
  return {
    code: 'docker-not-installed',
    reason: 'Docker is not installed (no `docker` command on PATH).',
    fix: platform === 'linux'
      ? 'sudo apt-get install docker.io docker-compose   (or Docker Engine: https://docs.docker.com/engine/install/)'
      : 'Install Docker Desktop: https://docs.docker.com/desktop/',
  };
}

export function composeNotInstalled(platform: NodeJS.Platform = process.platform): ComposeProblem {
  return {
    code: 'compose-not-installed',
    reason: 'Docker Compose is not installed (neither `docker compose` nor `docker-compose` works).',
    fix: platform === 'linux' ? 'sudo apt-get install docker-compose-plugin   (or: sudo apt-get install docker-compose)' : 'Update Docker Desktop (it ships `docker compose`).',
  };
}

export function daemonNotRunning(detail: string, platform: NodeJS.Platform = process.platform): ComposeProblem {
  const fix = platform === 'linux' ? 'sudo systemctl start docker' : platform === 'darwin' ? 'open -a Docker' : 'Start Docker Desktop';
  return { code: 'daemon-not-running', reason: 'The Docker daemon is not running (or DOCKER_HOST points nowhere).', fix, detail: tail(detail) };
}

export function imageMissing(ctx: FixContext, detail = ''): ComposeProblem {
  return {
    code: 'image-missing',
    reason: `The runtime image ${ctx.image} is not built yet: Up builds it.`,
    // The compose file's `build:` section makes this the same build `up` runs (pinned Claude Code, base image).
    fix: `${ctx.compose} build ${ctx.service}`,
    ...(detail ? { detail: tail(detail) } : {}),
  };
}

// A build that could not download its base image (Docker Hub) or Claude Code (npm).
const OFFLINE = [
  /pull access denied/i,
  /failed to resolve (?:source metadata|reference)/i,
  /no such host/i,
  /dial tcp/i,
  /TLS handshake timeout/i,
  /\b(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET)\b/,
  /Temporary failure resolving/i,
  /Could not resolve/i,
  /network is unreachable/i,
];

/** A failed `compose build`: the daemon's own problems first, then "could not download", else its output. */
export function buildFailed(ctx: FixContext, output: string, exitCode: number): ComposeProblem {
  const known = classifyDockerError(output, ctx);
  if (known && known.code !== 'image-missing') return known;
  const by = `${ctx.compose} build ${ctx.service}`;
  if (OFFLINE.some((re) => re.test(output))) {
    return {
      code: 'build-failed',
      reason: `Building the runtime image ${ctx.image} failed: it needs Docker Hub (base image) and npm (Claude Code), and the build could not reach them. Check the network or proxy, then press Up again.`,
      fix: by,
      detail: tail(output),
    };
  }
  return { code: 'build-failed', reason: `Building the runtime image ${ctx.image} failed (exit ${exitCode}).`, fix: by, detail: tail(output) };
}

export function notRunning(ctx: FixContext): ComposeProblem {
  return { code: 'not-running', reason: `The Claude container (service "${ctx.service}") is not running.`, fix: `${ctx.compose} up -d` };
}

export function unhealthy(ctx: FixContext, detail = ''): ComposeProblem {
  return {
    code: 'unhealthy',
    reason: `The Claude container (service "${ctx.service}") is unhealthy: its health probe (claude --version) fails.`,
    fix: `${ctx.compose} logs ${ctx.service}   then   ${ctx.compose} up -d --force-recreate ${ctx.service}`,
    ...(detail ? { detail: tail(detail) } : {}),
  };
}

const DAEMON_DOWN = [
  /cannot connect to the docker daemon/i,
  /couldn't connect to docker daemon/i,
  /is the docker daemon running/i,
  /error during connect/i,
  /docker_engine: the system cannot find the file specified/i,
  /connect: no such file or directory.*docker\.sock/i,
  /dial unix .*: connect: connection refused/i,
];
const PERMISSION = /permission denied while trying to connect to the docker daemon|permissionerror.*docker\.sock|connect: permission denied/i;
const IMAGE = [
  /pull access denied/i,
  /repository does not exist/i,
  /manifest (?:for .* )?unknown/i,
  /no such image/i,
  /unable to find image/i,
  /failed to resolve reference/i,
  /error response from daemon: get "?https?:\/\/[^\s"]*\/v2\//i,
];
const PORT = [/port is already allocated/i, /address already in use/i, /ports are not available/i];

/** Reads docker/compose stderr and names the problem, or null when it is none of the known ones. */
export function classifyDockerError(stderr: string, ctx: FixContext): ComposeProblem | null {
  const text = stderr.trim();
  if (!text) return null;
  if (PERMISSION.test(text)) {
    return {
      code: 'permission-denied',
      reason: 'This user may not talk to the Docker daemon.',
      fix: ctx.platform === 'win32' || ctx.platform === 'darwin' ? 'Restart Docker Desktop' : 'sudo usermod -aG docker $USER   (then log out and in again)',
      detail: tail(text),
    };
  }
  if (DAEMON_DOWN.some((re) => re.test(text))) return daemonNotRunning(text, ctx.platform);
  if (PORT.some((re) => re.test(text))) {
    const port = portOf(text);
    return {
      code: 'port-in-use',
      reason: port ? `Port ${port} is already in use by another program.` : 'A port the container needs is already in use by another program.',
      fix: port ? `lsof -nP -iTCP:${port} -sTCP:LISTEN   (stop that program, or change the port)` : 'lsof -nP -iTCP -sTCP:LISTEN   (stop the program holding the port)',
      detail: tail(text),
    };
  }
  if (IMAGE.some((re) => re.test(text))) return imageMissing(ctx, text);
  return null;
}

export function portOf(text: string): number | null {
  const m = /Bind for [^\s]*:(\d{1,5}) failed/i.exec(text)
    ?? /listen (?:tcp|udp)[46]? [^\s]*:(\d{1,5}):/i.exec(text)
    ?? /exposing port (?:TCP|UDP) [^\s]*:(\d{1,5})/i.exec(text);
  return m ? Number(m[1]) : null;
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
