/**
 * The Docker runtime API's route table (`/api/docker`, main/control/docker-router.ts) and its two streams, with the
 * schemas the renderer validates answers with (types in docker-api.ts and compose.ts).
 */
import { z } from 'zod';
import type { ComposeOperation, ComposeProblem, ComposeProgressLine, ComposeStatus, LogLine } from './compose.ts';
import { DOCKER_ACTIONS, type DockerAction, type DockerActionResponse, type DockerLogEnd, type DockerStatusResponse } from './docker-api.ts';
import { route, shape, stream } from './route.ts';

const problem: z.ZodType<ComposeProblem> = z.object({
  code: z.enum([
    'docker-not-installed',
    'compose-not-installed',
    'daemon-not-running',
    'permission-denied',
    'image-missing',
    'build-failed',
    'port-in-use',
    'unhealthy',
    'not-running',
    'timeout',
    'cancelled',
    'busy',
    'failed',
  ]),
  reason: z.string(),
  fix: z.string(),
  detail: z.string().optional(),
});

const composeStatus: z.ZodType<ComposeStatus> = z.object({
  overall: z.enum(['running', 'starting', 'unhealthy', 'stopped', 'error']),
  project: z.string(),
  services: z.array(
    z.object({
      service: z.string(),
      containerId: z.string(),
      containerName: z.string(),
      image: z.string(),
      state: z.string(),
      health: z.enum(['healthy', 'unhealthy', 'starting', 'none']),
      exitCode: z.number().nullable(),
      startedAt: z.string().nullable(),
      lastHealthOutput: z.string().optional(),
    }),
  ),
  problem: problem.nullable(),
  compose: z.object({ kind: z.enum(['v2', 'v1']), argv: z.array(z.string()), version: z.string() }).nullable(),
  checkedAt: z.string(),
});

const operation: z.ZodType<ComposeOperation> = z.object({
  id: z.string(),
  action: z.enum(['up', 'down', 'restart', 'rebuild']),
  origin: z.enum(['tray', 'control']),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  stage: z.enum(['checking', 'building', 'starting', 'waiting-healthy', 'stopping', 'restarting']).nullable(),
  phase: z.string(),
  step: z.object({ index: z.number(), total: z.number(), instruction: z.string() }).nullable(),
  lines: z.number(),
  command: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  problem: problem.nullable(),
});

const progress: z.ZodType<ComposeProgressLine> = z.object({ operationId: z.string(), seq: z.number(), text: z.string(), at: z.string() });
const logLine: z.ZodType<LogLine> = z.object({ service: z.string(), text: z.string(), stream: z.enum(['stdout', 'stderr']), at: z.string() });

const statusResponse: z.ZodType<DockerStatusResponse> = z.object({
  status: composeStatus,
  runtime: z.string(),
  operation: operation.nullable(),
  commands: z.object({ up: z.string(), down: z.string(), logs: z.string(), ps: z.string() }),
});
const actionResponse: z.ZodType<DockerActionResponse> = z.object({ operation });
const logEnd: z.ZodType<DockerLogEnd> = z.object({ problem: problem.nullable() });

export const DOCKER_ROUTES = {
  /** Reads the engine; bounded, never hangs. */
  status: route({ method: 'GET', path: '/api/docker/status', response: statusResponse, summary: 'The container per service, the problem with its fix, the running operation, the compose commands (bounded, never hangs)' }),
  /** 202 with the operation it started, or 409 with the one still running (whoever started it). */
  action: route({
    method: 'POST',
    path: '/api/docker/:action',
    response: actionResponse,
    ok: [202, 409],
    params: shape<{ action: DockerAction }>(z.object({ action: z.enum(DOCKER_ACTIONS) })),
    summary: 'Up, down, restart or rebuild: 202 with the operation it started, or 409 with the one still running (whoever started it)',
  }),
  /** Kills the running compose command (a build's whole tree). */
  cancel: route({ method: 'POST', path: '/api/docker/cancel', response: z.object({ cancelled: z.boolean() }), summary: "Kills the running compose command (a build's whole tree)" }),
} as const;

export const DOCKER_STREAMS = {
  /** `status` on change; `operation` when one starts, moves to a stage or step, ends; `progress` per build line (the running one's recent lines replayed on connect). */
  events: stream({
    path: '/api/docker/events',
    events: { status: statusResponse, operation, progress },
    summary: 'status on change; operation when one starts, moves to a stage or step, ends; progress per build line',
  }),
  /** The container's output (ANSI stripped); `end` with the reason when compose's logs stream ends. */
  logs: stream({
    path: '/api/docker/logs',
    events: { line: logLine, end: logEnd },
    query: shape<{ tail?: number } | undefined>(z.object({ tail: z.number().int().optional() }).optional()),
    summary: "The container's output (ANSI stripped); end with the reason when compose's logs stream ends",
  }),
} as const;
