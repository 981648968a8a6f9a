/**
 * The compose project's state and operations as every view sees them (control API, dashboard, tray): data shapes
 * only, so the renderer compiles this file. The compose manager (main/compose/) produces them.
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

/** Where an up/restart/rebuild is; the operation's phase text and the tray's container line follow it. */
export type ComposeStage = 'checking' | 'building' | 'starting' | 'waiting-healthy' | 'stopping' | 'restarting';

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
