/**
 * Control API of the Docker runtime (`/api/docker`, same loopback + admin-token guard as `/api`). Types and plain
 * constants only, so the renderer compiles it; the compose shapes are main/contract/compose.ts.
 *
 *   GET  /api/docker/status          → DockerStatusResponse (reads the engine; bounded, never hangs)
 *   POST /api/docker/up|down|restart|rebuild
 *                                    → 202 { operation } at once; progress and the end on GET /events.
 *                                      409 { operation } when another one is still running (that one), whether
 *                                      the dashboard or the tray started it (main/compose/operations.ts).
 *   POST /api/docker/cancel          → { cancelled: boolean } (kills the running compose command, a build's tree)
 *   GET  /api/docker/events          → SSE: `status` (DockerStatusResponse), `operation` (DockerOperation: started,
 *                                      next stage or build step, ended), `progress` (DockerProgress: one build output
 *                                      line; on connect, the current operation's recent lines are replayed)
 *   GET  /api/docker/logs?tail=N     → SSE: `line` (LogLine, ANSI stripped), `end` ({ problem }) when the stream ends
 *
 * Actions answer 202 instead of waiting because `up` may take minutes (an image build, health waits): the dashboard
 * must stay responsive and show each phase, and closing the page must not cancel the container's start.
 * `up` builds the image when it is missing; `rebuild` builds it again with a fresh Claude Code install (the newest
 * unless CCG_CLAUDE_CODE_VERSION pins one) and recreates the container.
 */
import type { ComposeAction, ComposeOperation, ComposeProblem, ComposeProgressLine, ComposeStatus } from './compose.ts';

export type { BuildStep, ComposeProblem, ComposeStatus, LogLine, ServiceStatus, ComposeOverall, ComposeStage } from './compose.ts';

export const DOCKER_ACTIONS = ['up', 'down', 'restart', 'rebuild'] as const satisfies readonly ComposeAction[];
export type DockerAction = (typeof DOCKER_ACTIONS)[number];
type AssertTrue<T extends true> = T;
/** Compile-time check: every action the compose operations know has its route. */
export type DockerActionsComplete = AssertTrue<[Exclude<ComposeAction, DockerAction>] extends [never] ? true : false>;

export type DockerOperationState = ComposeOperation['state'];
/** One up/down/restart/rebuild: phase text, stage, current build step, origin (tray or dashboard), problem. */
export type DockerOperation = ComposeOperation;
/** One build output line of the running operation. */
export type DockerProgress = ComposeProgressLine;

export interface DockerStatusResponse {
  status: ComposeStatus;
  /** The active Claude runtime: the container only serves requests when this is 'docker'. */
  runtime: string;
  /** The last (or running) operation, so a reopened page shows it. */
  operation: DockerOperation | null;
  /** Shell commands of this compose project, for people who prefer a terminal. */
  commands: { up: string; down: string; logs: string; ps: string };
}

export interface DockerActionResponse {
  operation: DockerOperation;
}

export interface DockerLogEnd {
  problem: ComposeProblem | null;
}

