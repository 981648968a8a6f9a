import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyScope } from '../contract/control-api.ts';
import { keyScopeOf } from './auth.ts';
import type { ModelCatalog } from './models.ts';
import { GatewayError, sendError } from './openai-errors.ts';

/** Whether a scope admits a project (null: a plain model, in its conversation's own chat workspace). */
export function scopeAllows(scope: ApiKeyScope | null, project: string | null): boolean {
  if (!scope) return true;
  return project === null ? scope.chats : scope.projects.includes(project);
}

/** The project part of a model id (`sonnet@myrepo` → myrepo), null for a plain one. */
function projectOfId(id: string): string | null {
  const at = id.lastIndexOf('@');
  return at < 0 ? null : id.slice(at + 1);
}

/** /v1/models as the key sees it: only the models its scope admits. */
export function visibleModels(models: ModelCatalog, res: Response): ReturnType<ModelCatalog['list']> {
  const scope = keyScopeOf(res);
  const all = models.list();
  return scope ? { ...all, data: all.data.filter((m) => scopeAllows(scope, projectOfId(m.id))) } : all;
}

/**
 * After the body is parsed, before any work: a scoped key asking for a model outside its projects gets 403. An id
 * that does not resolve at all is left to the route's own 404.
 */
export function keyScopeCheck(models: ModelCatalog) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const scope = keyScopeOf(res);
    const body: unknown = req.body;
    if (!scope || req.method !== 'POST' || !body || typeof body !== 'object' || !('model' in body) || typeof body.model !== 'string') return next();
    let project: string | null;
    try {
      project = models.target(body.model).project?.name ?? null;
    } catch {
      return next();
    }
    if (scopeAllows(scope, project)) return next();
    const allowed = [...scope.projects.map((p) => `@${p}`), ...(scope.chats ? ['plain models'] : [])].join(', ') || 'nothing';
    sendError(res, new GatewayError(403,
      `This API key may not use the model '${body.model}': it is limited to ${allowed}. Its scope is set on the dashboard's Settings page (API keys).`,
      'invalid_request_error', 'model_not_allowed', 'model'));
  };
}
