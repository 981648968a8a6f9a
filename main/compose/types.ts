/**
 * The compose manager's own surface (options, the manager interface, the error class). The shapes every view sees —
 * status, problems, operations — are the contract's (main/contract/compose.ts), re-exported here for the services.
 * Every failure is a ComposeProblem naming a reason a person can read and the command that fixes it.
 */

import type { ComposeProblemCode, ComposeProblem, ComposeCli, HealthState, ServiceStatus, ComposeOverall, ComposeStatus, ComposeStage, ComposeAction, ComposeOperationState, ComposeOperationOrigin, BuildStep, ComposeOperation, ComposeProgressLine, LogLine } from '../contract/compose.ts';

export type { ComposeProblemCode, ComposeProblem, ComposeCli, HealthState, ServiceStatus, ComposeOverall, ComposeStatus, ComposeStage, ComposeAction, ComposeOperationState, ComposeOperationOrigin, BuildStep, ComposeOperation, ComposeProgressLine, LogLine } from '../contract/compose.ts';

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

export interface OpOptions {
  /** Cancels the operation (the child process is killed); the promise rejects with code 'cancelled'. */
  signal?: AbortSignal;
  /** Overall deadline of the operation; rejects with code 'timeout'. */
  timeoutMs?: number;
}

export type ComposeProgressEvent =
  | { type: 'stage'; stage: ComposeStage }
  /** One line of `compose build` output (ANSI stripped), while the image is built. */
  | { type: 'line'; text: string };

export interface ProgressOptions {
  onProgress?(event: ComposeProgressEvent): void;
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
