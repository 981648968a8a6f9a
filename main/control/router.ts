import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { CONTROL_API_PREFIX, type GatewayStatus } from '../contract/control-api.ts';
import { apiKeyScopeSchema, CONTROL_ROUTES, CONTROL_STREAMS } from '../contract/control-routes.ts';
import type { ApiKeyScope } from '../contract/control-api.ts';
import { controlApiDocument } from '../contract/openapi.ts';
import type { RunStatus, TranscriptSummary } from '../contract/events.ts';
import { isLoopbackHost } from '../config/load.ts';
import type { Services } from '../services.ts';
import { SseWriter } from '../gateway/sse.ts';
import { log } from '../log.ts';
import { APP_VERSION } from '../version.ts';
import type { ApiKeyStore } from './api-keys.ts';
import { followLog, tailLog } from './app-log.ts';
import { ConfigUpdateError, type ConfigEditor } from './config-edit.ts';
import { claudeAuthRouter } from './claude-auth-router.ts';
import { sendControlError } from './guard.ts';
import { computeMetrics } from './metrics.ts';
import { endWaitingRun } from './runs-router.ts';
import { projectsRouter, workspacesRouter } from './projects-router.ts';
import { formatCursor, streamHandler } from './stream.ts';
import { eventSender, routesAt } from './typed-routes.ts';

const STATUSES: ReadonlySet<string> = new Set<RunStatus>(['running', 'done', 'error', 'cancelled', 'interrupted']);

export interface ControlDeps {
  services: Services;
  bootId: string;
  apiKeys: ApiKeyStore;
  configEditor: ConfigEditor;
}

export function gatewayStatus(services: Services): GatewayStatus {
  return {
    state: services.gatewayState,
    reason: services.gatewayStateReason,
    url: services.url,
    v1Url: `${services.url}/v1`,
    exposed: !isLoopbackHost(services.config.GATEWAY_HOST),
  };
}

/** Every summary that started or ended in the last `minutes` (the store lists newest first, 500 at most per page). */
function recentSummaries(services: Services, minutes: number): TranscriptSummary[] {
  const since = Date.now() - minutes * 60_000;
  const out: TranscriptSummary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = services.store.list({ limit: 500, offset });
    out.push(...page.items);
    const last = page.items[page.items.length - 1];
    if (!last || page.items.length < 500 || Date.parse(last.startedAt) < since - 24 * 3_600_000) break;
  }
  return out;
}

/** A paging parameter: absent → default; anything but a whole number in range → null (the caller answers 400). */
function intParam(v: unknown, def: number, min: number, max: number): number | null {
  if (v === undefined || v === '') return def;
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}

/** The control API (mounted at /api): transcripts, live stream, health, gateway control, config, API keys, app log. */
export function controlRouter(deps: ControlDeps): Router {
  const { services } = deps;
  const router = express.Router();
  // The loopback/Origin guard and the admin token are checked once for all of /api, in front of every area's router
  // (Services mounts them first): nothing here is reachable without them.
  // Before the shared JSON parser: it parses its secret-carrying body itself (no error may quote it).
  router.use('/claude-auth', claudeAuthRouter(services.claudeAccount, services.config.SSE_KEEPALIVE_S * 1000));
  router.use(express.json({ limit: '256kb' }));
  const api = routesAt(router, CONTROL_API_PREFIX);
  const cursor = (): string => formatCursor(deps.bootId, services.bus.lastId);
  router.use('/projects', projectsRouter(services.projects));
  router.use('/workspaces', workspacesRouter(services.workspaces, services.config.SESSION_TTL_S));

  // Built on first use (tens of ms of schema conversion nobody needs at start-up), then kept: the tables are static.
  let openApi: ReturnType<typeof controlApiDocument> | null = null;
  api.handle(CONTROL_ROUTES.openapi, (_req, res) => {
    openApi ??= controlApiDocument(APP_VERSION);
    res.json(openApi);
  });

  api.handle(CONTROL_ROUTES.info, (_req, res) => {
    res.json({
      app: { name: 'Claude Code Gateway', version: APP_VERSION },
      bootId: deps.bootId,
      gateway: gatewayStatus(services),
      claudeCode: { version: services.claudeVersion, runtime: services.runtime.kind },
      apiKeyRequired: services.apiKeys().length > 0,
      dataDir: services.config.DATA_DIR,
    });
  });

  api.handle(CONTROL_ROUTES.transcripts, (req, res) => {
    const status = typeof req.query.status === 'string' && req.query.status ? req.query.status : undefined;
    if (status && !STATUSES.has(status)) return sendControlError(res, 400, 'bad_status', `status must be one of ${[...STATUSES].join(', ')}`);
    const limit = intParam(req.query.limit, 50, 1, 500);
    const offset = intParam(req.query.offset, 0, 0, 1_000_000_000);
    if (limit === null) return sendControlError(res, 400, 'bad_limit', 'limit must be a whole number from 1 to 500');
    if (offset === null) return sendControlError(res, 400, 'bad_offset', 'offset must be a whole number ≥ 0');
    const at = cursor();
    const page = services.store.list({
      status: status as RunStatus | undefined,
      model: typeof req.query.model === 'string' && req.query.model ? req.query.model : undefined,
      q: typeof req.query.q === 'string' && req.query.q ? req.query.q : undefined,
      limit,
      offset,
    });
    res.json({ ...page, cursor: at });
  });

  api.handle(CONTROL_ROUTES.endWaitingRun, endWaitingRun(services));

  api.handle(CONTROL_ROUTES.transcript, (req, res) => {
    const at = cursor();
    const summary = services.store.summary(req.params.id);
    const events = summary ? services.store.events(req.params.id) : null;
    if (!summary || !events) return sendControlError(res, 404, 'not_found', `No transcript ${req.params.id}.`);
    res.json({ summary, events, cursor: at });
  });

  api.stream(CONTROL_STREAMS.transcripts, streamHandler({ bus: services.bus, store: services.store, bootId: deps.bootId, keepAliveMs: services.config.SSE_KEEPALIVE_S * 1000 }));

  api.handle(CONTROL_ROUTES.health, (_req, res) => {
    const h = services.health();
    res.json({
      status: h.status,
      version: h.version,
      claudeCode: h.claudeCode,
      activeRuns: h.activeRuns,
      queuedRuns: h.queuedRuns,
      suspendedRuns: h.suspendedRuns,
      liveConversations: h.liveConversations,
      uptimeS: h.uptimeS,
      components: h.components,
      gateway: gatewayStatus(services),
      metrics: computeMetrics(recentSummaries(services, 15), Date.now(), 15),
      now: new Date().toISOString(),
    });
  });

  api.handle(CONTROL_ROUTES.gateway, async (req, res, next) => {
    const action: string = req.params.action;
    try {
      if (action === 'start') await services.startGateway();
      else if (action === 'stop') await services.stopGateway(5_000, 'stopped from the dashboard');
      else if (action === 'restart') await services.restartGateway(5_000);
      else return sendControlError(res, 404, 'unknown_action', `Unknown gateway action ${action}: use start, stop or restart.`);
      log.info(`control API: gateway ${action} → ${services.gatewayState}`);
      res.json(gatewayStatus(services));
    } catch (err) {
      next(err);
    }
  });

  api.handle(CONTROL_ROUTES.config, (_req, res) => {
    res.json(deps.configEditor.read());
  });

  api.handle(CONTROL_ROUTES.updateConfig, (req, res) => {
    try {
      const body = deps.configEditor.update(req.body);
      log.info(`control API: settings saved (${body.restartRequired.join(', ') || 'no change to the running config'})`);
      res.json(body);
    } catch (err) {
      if (err instanceof ConfigUpdateError) {
        return sendControlError(res, 400, 'invalid_config', err.message, err.issues);
      }
      throw err;
    }
  });

  api.handle(CONTROL_ROUTES.keys, (_req, res) => {
    res.json({ keys: deps.apiKeys.list(), configuredKeys: services.config.GATEWAY_API_KEYS.length });
  });

  /** A scope from a request body: absent/null = unlimited; a project that does not exist is refused (a typo would
   * otherwise leave a key that can use nothing). */
  const parseScope = (raw: unknown): { ok: true; scope: ApiKeyScope | null } | { ok: false; message: string } => {
    if (raw === undefined || raw === null) return { ok: true, scope: null };
    const parsed = apiKeyScopeSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, message: `scope must be null or {"projects": [names], "chats": true|false}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    const known = new Set(services.projects.list().map((p) => p.name));
    const unknown = parsed.data.projects.filter((p) => !known.has(p));
    if (unknown.length) return { ok: false, message: `No project ${unknown.join(', ')} (projects: ${[...known].join(', ') || 'none'}).` };
    return { ok: true, scope: { projects: [...new Set(parsed.data.projects)], chats: parsed.data.chats } };
  };

  api.handle(CONTROL_ROUTES.createKey, (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; scope?: unknown };
    const name: unknown = body.name;
    if (name !== undefined && (typeof name !== 'string' || name.length > 100)) return sendControlError(res, 400, 'bad_name', 'name must be a string of at most 100 characters');
    const scope = parseScope(body.scope);
    if (!scope.ok) return sendControlError(res, 400, 'bad_scope', scope.message);
    const created = deps.apiKeys.create(typeof name === 'string' ? name : '', scope.scope);
    log.info(`control API: API key ${created.key.id} created`);
    res.status(201).json(created);
  });

  api.handle(CONTROL_ROUTES.updateKey, (req, res) => {
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || !('scope' in body)) return sendControlError(res, 400, 'bad_scope', 'send {"scope": null} or {"scope": {"projects": [names], "chats": true|false}}');
    const scope = parseScope(body.scope);
    if (!scope.ok) return sendControlError(res, 400, 'bad_scope', scope.message);
    const key = deps.apiKeys.setScope(req.params.id, scope.scope);
    if (!key) return sendControlError(res, 404, 'not_found', `No API key ${req.params.id}.`);
    log.info(`control API: API key ${key.id} scope ${key.scope ? `limited to ${key.scope.projects.join(', ') || 'no project'}${key.scope.chats ? ' + chats' : ''}` : 'unlimited'}`);
    res.json(key);
  });

  api.handle(CONTROL_ROUTES.revokeKey, (req, res) => {
    if (!deps.apiKeys.revoke(req.params.id)) return sendControlError(res, 404, 'not_found', `No API key ${req.params.id}.`);
    log.info(`control API: API key ${req.params.id} revoked`);
    res.status(204).end();
  });

  api.handle(CONTROL_ROUTES.logs, (req, res) => {
    const n = intParam(req.query.lines, 200, 0, 5000);
    if (n === null) return sendControlError(res, 400, 'bad_lines', 'lines must be a whole number from 0 to 5000');
    const { lines, size } = tailLog(services.logFile, n);
    res.json({ file: services.logFile, sizeBytes: size, lines });
  });

  api.stream(CONTROL_STREAMS.appLog, (req, res) => {
    const n = intParam(req.query.tail, 200, 0, 5000);
    if (n === null) return sendControlError(res, 400, 'bad_tail', 'tail must be a whole number from 0 to 5000');
    const sse = new SseWriter(res, { keepAliveMs: services.config.SSE_KEEPALIVE_S * 1000 });
    const send = eventSender(sse, CONTROL_STREAMS.appLog);
    const file = services.logFile;
    const { lines, size } = tailLog(file, n);
    send('info', { file, sizeBytes: size });
    for (const line of lines) send('line', line);
    const stop = followLog(file, {
      from: size,
      onLines: (more) => {
        for (const line of more) send('line', line);
      },
      onRotate: (sizeBytes) => send('rotated', { file, sizeBytes }),
    });
    sse.onClose(stop);
  });

  router.use((req, res) => sendControlError(res, 404, 'not_found', `Unknown control API endpoint: ${req.method} /api${req.path}`));
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return sendControlError(res, e.status, e.type ?? 'bad_request', e.message ?? 'Bad request');
    log.error(`control API error: ${e?.message ?? String(err)}`);
    if (res.headersSent) return void res.end();
    sendControlError(res, 500, 'internal_error', 'Internal error in the control API.');
  });
  return router;
}
