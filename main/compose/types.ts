/**
 * The typed surface of the compose manager: what the control API, the tray and the docker runtime consume.
 * Every failure is a ComposeProblem naming a reason a person can read and the command that fixes it.
 */

export type ComposeProblemCode =
  | 'docker-not-installed'
  | 'compose-not-installed'
  | 'daemon-not-running'
  | 'permission-denied'
  | 'image-missing'
  | 'port-in-use'
  | 'unhealthy'
  | 'not-running'
  | 'timeout'
  | 'cancelled'
  | 'failed';

export interface ComposeProblem {
  code: ComposeProblemCode;
  /** One sentence for people: what is wrong. */
  reason: string;
  /** The command (or the one action) that fixes it. */
  fix: string;
  /** Raw tool output that led to this diagnosis (trimmed), for logs and a "details" disclosure. */
  detail?: string;
}

export class ComposeError extends Error implements ComposeProblem {
  readonly code: ComposeProblemCode;
  readonly reason: string;
  readonly fix: string;
  readonly detail?: string;

  constructor(problem: ComposeProblem) {
    super(`${problem.reason} Fix: ${problem.fix}`);
    this.name = 'ComposeError';
    this.code = problem.code;
    this.reason = problem.reason;
    this.fix = problem.fix;
    if (problem.detail) this.detail = problem.detail;
  }

  toProblem(): ComposeProblem {
    return { code: this.code, reason: this.reason, fix: this.fix, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

export interface ComposeCli {
  kind: 'v2' | 'v1';
  /** argv prefix: ['docker', 'compose'] or ['docker-compose']. */
  argv: string[];
  version: string;
}

export type HealthState = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface ServiceStatus {
  /** Compose service name (label com.docker.compose.service). */
  service: string;
  containerId: string;
  containerName: string;
  image: string;
  /** Docker's container state: created, running, restarting, exited, paused, dead, removing. */
  state: string;
  health: HealthState;
  exitCode: number | null;
  startedAt: string | null;
  /** Output of the last health probe, when the container has a healthcheck. */
  lastHealthOutput?: string;
}

export type ComposeOverall = 'running' | 'starting' | 'unhealthy' | 'stopped' | 'error';

export interface ComposeStatus {
  overall: ComposeOverall;
  project: string;
  services: ServiceStatus[];
  /** Set whenever something needs a person's action (overall 'error', 'unhealthy', or stopped for a reason). */
  problem: ComposeProblem | null;
  compose: ComposeCli | null;
  checkedAt: string;
}

export interface OpOptions {
  /** Cancels the operation (the child process is killed); the promise rejects with code 'cancelled'. */
  signal?: AbortSignal;
  /** Overall deadline of the operation; rejects with code 'timeout'. */
  timeoutMs?: number;
}

export interface LogLine {
  /** Compose service the line came from ('' when the prefix could not be read). */
  service: string;
  /** The line without its compose prefix, ANSI codes stripped. */
  text: string;
  stream: 'stdout' | 'stderr';
  at: string;
}

export interface LogsOptions {
  onLine(line: LogLine): void;
  /** Called once when the stream ends by itself (containers stopped) or fails; not after unsubscribe. */
  onEnd?(problem: ComposeProblem | null): void;
  /** Lines of history to start with (default 200). */
  tail?: number;
  /** Follow new lines (default true). */
  follow?: boolean;
  /** Only this service (default: the manager's main service). */
  service?: string;
}

export type Unsubscribe = () => void;

export interface ComposeManager {
  readonly project: string;
  readonly service: string;
  readonly files: readonly string[];
  readonly image: string;
  /** The compose CLI found (v2 preferred, v1 fallback); rejects with docker/compose-not-installed. */
  detect(opts?: OpOptions): Promise<ComposeCli>;
  /** Never rejects: failures are reported in `problem` with overall 'error'. */
  status(opts?: OpOptions): Promise<ComposeStatus>;
  /** Starts the project and waits until the main service is healthy (or running when it has no healthcheck). */
  up(opts?: OpOptions): Promise<ComposeStatus>;
  down(opts?: OpOptions & { removeVolumes?: boolean }): Promise<void>;
  restart(opts?: OpOptions): Promise<ComposeStatus>;
  logs(opts: LogsOptions): Unsubscribe;
  /** Id of the main service's running container, or rejects with 'not-running' / a daemon problem. */
  runningContainer(opts?: OpOptions): Promise<string>;
  /** The shell command line for a compose subcommand of this project (used in fixes and docs). */
  commandLine(...args: string[]): string;
}
