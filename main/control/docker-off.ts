/**
 * `/api/docker` while Claude runs locally: no compose manager exists (a local install needs neither docker/ nor the
 * docker CLI), so the Docker page gets a status saying so, actions a clear 409, and streams one status then silence.
 */
import express, { type Router } from 'express';
import type { DockerStatusResponse } from '../contract/docker-api.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../contract/docker-routes.ts';
import { DEFAULT_KEEPALIVE_MS, SseWriter } from '../gateway/sse.ts';
import { sendControlError } from './guard.ts';
import { eventSender, routesAt } from './typed-routes.ts';

const RUNTIME_OFF = 'Claude Code runs locally (CLAUDE_RUNTIME=local): there is no container. Choose the docker runtime in Settings, then restart.';

export function dockerOffRouter(runtime: () => string, keepAliveMs = DEFAULT_KEEPALIVE_MS): Router {
  const r = express.Router();
  const body = (): DockerStatusResponse => ({
    status: { overall: 'stopped', project: '', services: [], problem: null, compose: null, checkedAt: new Date().toISOString() },
    runtime: runtime(),
    operation: null,
    commands: { up: '', down: '', logs: '', ps: '' },
  });
  const api = routesAt(r, '/api/docker');
  api.handle(DOCKER_ROUTES.status, (_req, res) => void res.json(body()));
  api.stream(DOCKER_STREAMS.events, (_req, res) => {
    eventSender(new SseWriter(res, { keepAliveMs }), DOCKER_STREAMS.events)('status', body());
  });
  r.use((_req, res) => sendControlError(res, 409, 'runtime_local', RUNTIME_OFF));
  return r;
}
