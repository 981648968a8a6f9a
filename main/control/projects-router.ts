import express, { type Response, type Router } from 'express';
import type { ProjectListResponse, WorkspaceListResponse } from '../contract/projects.ts';
import { log } from '../log.ts';
import { ProjectError, type ProjectStore } from '../projects/store.ts';
import { WorkspaceError, type ChatWorkspaces } from '../projects/workspaces.ts';
import { sendControlError } from './guard.ts';

function fail(res: Response, err: unknown): void {
  if (err instanceof ProjectError || err instanceof WorkspaceError) return sendControlError(res, err.status, err.code, err.message);
  throw err;
}

/** /api/projects: list, add, change and remove projects (those of the config file are listed, not changed). */
export function projectsRouter(projects: ProjectStore): Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    const body: ProjectListResponse = { projects: projects.list() };
    res.json(body);
  });
  router.post('/', (req, res) => {
    try {
      const created = projects.add(req.body);
      log.info(`control API: project ${created.name} added (${created.folder})`);
      res.status(201).json(created);
    } catch (err) {
      fail(res, err);
    }
  });
  router.put('/:name', (req, res) => {
    try {
      const changed = projects.update(req.params.name, req.body);
      log.info(`control API: project ${req.params.name} changed`);
      res.json(changed);
    } catch (err) {
      fail(res, err);
    }
  });
  router.delete('/:name', (req, res) => {
    try {
      projects.remove(req.params.name);
      log.info(`control API: project ${req.params.name} removed (its folder is left as it is)`);
      res.status(204).end();
    } catch (err) {
      fail(res, err);
    }
  });
  return router;
}

/** /api/workspaces: conversations' own folders; pin one to keep it past SESSION_TTL_S. */
export function workspacesRouter(workspaces: ChatWorkspaces, ttlS: number): Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    const body: WorkspaceListResponse = { workspaces: workspaces.list(), ttlS };
    res.json(body);
  });
  router.put('/:id/pin', (req, res) => {
    try {
      res.json(workspaces.setPinned(req.params.id, true));
    } catch (err) {
      fail(res, err);
    }
  });
  router.delete('/:id/pin', (req, res) => {
    try {
      res.json(workspaces.setPinned(req.params.id, false));
    } catch (err) {
      fail(res, err);
    }
  });
  return router;
}
