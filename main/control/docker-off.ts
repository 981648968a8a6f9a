/**
 * `/api/docker` while Claude runs locally: no compose manager exists (a local install needs neither docker/ nor the
 * docker CLI), so the Docker page gets a status saying so, actions a clear 409, and streams one status then silence.
 */
import express, { type Router } from 'express';
import type { DockerStatusResponse } from '../contract/docker-api.ts';
import { DEFAULT_KEEPALIVE_MS, SseWriter } from '../gateway/sse.ts';
import { sendControlError } from './guard.ts';

const RUNTIME_OFF = 'Claude Code runs locally (CLAUDE_RUNTIME=local): there is no container. Choose the docker runtime in Settings, then restart.';

export function dockerOffRouter(runtime: () => string, keepAliveMs = DEFAULT_KEEPALIVE_MS): Router {
  const r = express.Router();
  const body = (): DockerStatusResponse => ({
    status: { overall: 'stopped', project: '', services: [], problem: null, compose: null, checkedAt: new Date().toISOString() },
    runtime: runtime(),
    operation: null,
    commands: { up: '', down: '', logs: '', ps: '' },
  });
  r.get('/status', (_req, res) => void res.json(body()));
  r.get('/events', (_req, res) => {
    new SseWriter(res, { keepAliveMs }).event('status', body());
  });
  r.use((_req, res) => sendControlError(res, 409, 'runtime_local', RUNTIME_OFF));
  return r;
}
