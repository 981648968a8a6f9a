import express, { type Response, type Router } from 'express';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from '../contract/projects-routes.ts';
import { log } from '../log.ts';
import { ProjectError, type ProjectStore } from '../projects/store.ts';
import { WorkspaceError, type ChatWorkspaces } from '../projects/workspaces.ts';
import { sendControlError } from './guard.ts';
import { routesAt } from './typed-routes.ts';

function fail(res: Response, err: unknown): void {
  if (err instanceof ProjectError || err instanceof WorkspaceError) return sendControlError(res, err.status, err.code, err.message);
  throw err;
}

/** /api/projects (PROJECT_ROUTES): list, add, change and remove projects (those of the config file are listed, not changed). */
export function projectsRouter(projects: ProjectStore): Router {
  const router = express.Router();
  const api = routesAt(router, '/api/projects');
  api.handle(PROJECT_ROUTES.projects, (_req, res) => {
    res.json({ projects: projects.list() });
  });
  api.handle(PROJECT_ROUTES.addProject, (req, res) => {
    try {
      const created = projects.add(req.body);
      log.info(`control API: project ${created.name} added (${created.folder})`);
      res.status(201).json(created);
    } catch (err) {
      fail(res, err);
    }
  });
  api.handle(PROJECT_ROUTES.updateProject, (req, res) => {
    try {
      const changed = projects.update(req.params.name, req.body);
      log.info(`control API: project ${req.params.name} changed`);
      res.json(changed);
    } catch (err) {
      fail(res, err);
    }
  });
  api.handle(PROJECT_ROUTES.removeProject, (req, res) => {
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

/** /api/workspaces (WORKSPACE_ROUTES): conversations' own folders; pin one to keep it past SESSION_TTL_S. */
export function workspacesRouter(workspaces: ChatWorkspaces, ttlS: number): Router {
  const router = express.Router();
  const api = routesAt(router, '/api/workspaces');
  api.handle(WORKSPACE_ROUTES.workspaces, (_req, res) => {
    res.json({ workspaces: workspaces.list(), ttlS });
  });
  api.handle(WORKSPACE_ROUTES.pin, (req, res) => {
    try {
      res.json(workspaces.setPinned(req.params.id, true));
    } catch (err) {
      fail(res, err);
    }
  });
  api.handle(WORKSPACE_ROUTES.unpin, (req, res) => {
    try {
      res.json(workspaces.setPinned(req.params.id, false));
    } catch (err) {
      fail(res, err);
    }
  });
  return router;
}
