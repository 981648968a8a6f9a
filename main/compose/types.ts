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
  | 'build-failed'
  | 'port-in-use'
  | 'unhealthy'
  | 'not-running'
  | 'timeout'
  | 'cancelled'
  /** Another up/down/restart/rebuild is running (ComposeOperations runs one at a time). */
  | 'busy'
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

/** Where an up/restart/rebuild is; the operation's phase text and the tray's container line follow it. */
export type ComposeStage = 'checking' | 'building' | 'starting' | 'waiting-healthy' | 'stopping' | 'restarting';

export type ComposeProgressEvent =
  | { type: 'stage'; stage: ComposeStage }
  /** One line of `compose build` output (ANSI stripped), while the image is built. */
  | { type: 'line'; text: string };

export interface ProgressOptions {
  onProgress?(event: ComposeProgressEvent): void;
}

export type ComposeAction = 'up' | 'down' | 'restart' | 'rebuild';
export type ComposeOperationState = 'running' | 'done' | 'failed' | 'cancelled';
/** Who started an operation: the tray menu or the control API (the dashboard's Docker page). */
export type ComposeOperationOrigin = 'tray' | 'control';

/** A build step as the builder numbers it ("Step 3/11 : RUN …", BuildKit "#7 [3/6] RUN …"). */
export interface BuildStep {
  index: number;
  total: number;
  instruction: string;
}

/** One up/down/restart/rebuild of the compose project, as every view (dashboard, tray) sees it. */
export interface ComposeOperation {
  id: string;
  action: ComposeAction;
  origin: ComposeOperationOrigin;
  state: ComposeOperationState;
  stage: ComposeStage | null;
  /** What is happening now, for people ("building the runtime image: step 6/11 …"). */
  phase: string;
  /** The build step under way while the image is built, else null. */
  step: BuildStep | null;
  /** How many build output lines the operation produced (they come as progress events). */
  lines: number;
  /** The equivalent shell command (to run it by hand). */
  command: string;
  startedAt: string;
  endedAt: string | null;
  /** Why it failed, with the command that fixes it. */
  problem: ComposeProblem | null;
}

/** A build output line of an operation, numbered from 1 within it. */
export interface ComposeProgressLine {
  operationId: string;
  seq: number;
  text: string;
  at: string;
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
  /**
   * Starts the project and waits until the main service is healthy (or running when it has no healthcheck). A
   * missing image is built first (compose `build:`), under its own deadline: `timeoutMs` covers the rest.
   */
  up(opts?: OpOptions & ProgressOptions): Promise<ComposeStatus>;
  down(opts?: OpOptions & ProgressOptions & { removeVolumes?: boolean }): Promise<void>;
  restart(opts?: OpOptions & ProgressOptions): Promise<ComposeStatus>;
  /**
   * Builds the image (compose `build`). `refresh` installs Claude Code again instead of taking it from the build
   * cache, at the newest version unless CCG_CLAUDE_CODE_VERSION pins one.
   */
  build(opts?: OpOptions & ProgressOptions & { refresh?: boolean }): Promise<void>;
  /** build({ refresh }) then recreates the container on the new image and waits until it is healthy. */
  rebuild(opts?: OpOptions & ProgressOptions): Promise<ComposeStatus>;
  /** The shell command equivalent to an action (shown next to an operation). */
  commandFor(action: ComposeAction): string;
  logs(opts: LogsOptions): Unsubscribe;
  /** Id of the main service's running container, or rejects with 'not-running' / a daemon problem. */
  runningContainer(opts?: OpOptions): Promise<string>;
  /** The shell command line for a compose subcommand of this project (used in fixes and docs). */
  commandLine(...args: string[]): string;
}
