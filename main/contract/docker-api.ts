/**
 * Control API of the Docker runtime (`/api/docker`, same loopback + admin-token guard as `/api`). Types and plain
 * constants only, so the renderer compiles it; the compose shapes come from main/compose/types.ts (types only).
 *
 *   GET  /api/docker/status          → DockerStatusResponse (reads the engine; bounded, never hangs)
 *   POST /api/docker/up|down|restart → 202 { operation } at once; progress and the end on GET /events.
 *                                      409 { operation } when another one is still running (that one).
 *   POST /api/docker/cancel          → { cancelled: boolean } (kills the running compose command)
 *   GET  /api/docker/events          → SSE: `status` (DockerStatusResponse), `operation` (DockerOperation)
 *   GET  /api/docker/logs?tail=N     → SSE: `line` (LogLine, ANSI stripped), `end` ({ problem }) when the stream ends
 *
 * Actions answer 202 instead of waiting because `up` may take minutes (image checks, health waits): the dashboard
 * must stay responsive and show each phase, and closing the page must not cancel the container's start.
 */
import type { ComposeProblem, ComposeStatus } from '../compose/types.ts';

export type { ComposeProblem, ComposeStatus, LogLine, ServiceStatus, ComposeOverall } from '../compose/types.ts';

export const DOCKER_PATHS = {
  status: '/api/docker/status',
  action: (a: DockerAction) => `/api/docker/${a}`,
  cancel: '/api/docker/cancel',
  events: '/api/docker/events',
  logs: '/api/docker/logs',
} as const;

export const DOCKER_ACTIONS = ['up', 'down', 'restart'] as const;
export type DockerAction = (typeof DOCKER_ACTIONS)[number];

export type DockerOperationState = 'running' | 'done' | 'failed' | 'cancelled';

export interface DockerOperation {
  id: string;
  action: DockerAction;
  state: DockerOperationState;
  /** What is happening now, for people ("starting the container and waiting until it is healthy…"). */
  phase: string;
  /** The equivalent shell command (to run it by hand). */
  command: string;
  startedAt: string;
  endedAt: string | null;
  /** Why it failed, with the command that fixes it. */
  problem: ComposeProblem | null;
}

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

export type DockerEventName = 'status' | 'operation';
export type DockerLogEventName = 'line' | 'end';
