import { z } from 'zod';
import type { HealthState, ServiceStatus } from './types.ts';

/** The part of `docker inspect` we read; compose v1 and v2 both label containers the same way. */
const inspectSchema = z.array(
  z.object({
    Id: z.string(),
    Name: z.string(),
    Config: z.object({ Image: z.string(), Labels: z.record(z.string(), z.string()).nullish() }),
    State: z.object({
      Status: z.string(),
      ExitCode: z.number().nullish(),
      StartedAt: z.string().nullish(),
      Health: z
        .object({ Status: z.string(), Log: z.array(z.object({ ExitCode: z.number().nullish(), Output: z.string().nullish() })).nullish() })
        .nullish(),
    }),
  }),
);

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

function health(status: string | undefined): HealthState {
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
}

/** Parses `docker inspect` JSON into one status per container, sorted by service name. */
export function parseInspect(json: string): ServiceStatus[] {
  const list = inspectSchema.parse(JSON.parse(json || '[]'));
  return list
    .map((c): ServiceStatus => {
      const log = c.State.Health?.Log ?? [];
      const last = log.length ? log[log.length - 1] : undefined;
      return {
        service: c.Config.Labels?.[SERVICE_LABEL] ?? '',
        containerId: c.Id,
        containerName: c.Name.replace(/^\//, ''),
        image: c.Config.Image,
        state: c.State.Status,
        health: health(c.State.Health?.Status),
        exitCode: c.State.Status === 'running' ? null : c.State.ExitCode ?? null,
        startedAt: c.State.StartedAt && !c.State.StartedAt.startsWith('0001-') ? c.State.StartedAt : null,
        ...(last?.Output ? { lastHealthOutput: last.Output.trim().slice(-1000) } : {}),
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.containerName.localeCompare(b.containerName));
}

/** Compose's own normalisation of project names (lowercase, [a-z0-9_-], starting with a letter or digit). */
export function normalizeProjectName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
  if (!n) throw new Error(`Invalid compose project name: ${JSON.stringify(name)}`);
  return n;
}
