import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { log } from '../log.ts';
import { apiKeyAuth, type KeyGrant } from './auth.ts';
import { keyScopeCheck, visibleModels } from './key-scope.ts';
import { browserGuard, isJsonContentType } from './browser-guard.ts';
import { GatewayError, badRequest, sendError } from './openai-errors.ts';
import { chatCompletionsHandler, newCompletionId, type ChatDeps } from './routes/chat-completions.ts';
import { responsesHandler } from './routes/responses.ts';

export interface AppDeps extends ChatDeps {
  /** Every key /v1 accepts with its scope; empty = no auth (loopback only). */
  getApiKeys: () => readonly KeyGrant[];
  /** False while the gateway is stopped: /v1 answers 503 but the server (control API, dashboard) stays up. */
  isServing?: () => boolean;
  health: () => unknown;
  /** /health without the admin token: status and component states only (no account, paths or versions but the app's). */
  publicHealth?: () => unknown;
  /** The request carries the admin token (then /health answers in full). */
  isAdmin?: (req: Request) => boolean;
  /** Routers mounted by other areas (control API at /api, dashboard at /, Responses API…). */
  mounts?: Array<{ path: string; router: Router | RequestHandler }>;
  /** Extra /v1 routes (e.g. /v1/responses) that share auth, parsing and error handling. */
  v1Routes?: (v1: Router) => void;
}

/** Reads any body as bytes and parses strict UTF-8 JSON ourselves, so every failure becomes an OpenAI-shaped 4xx. */
function jsonBody(limitBytes: number): RequestHandler[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return [
    express.raw({ type: () => true, limit: limitBytes }),
    (req: Request, _res: Response, next: NextFunction) => {
      // Only methods that carry a body are parsed: any other one reaches the 404/405 answers below.
      if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
      if (!isJsonContentType(req.get('content-type'))) {
        const got = req.get('content-type');
        return next(new GatewayError(415, `Unsupported Content-Type ${got ? `"${got}"` : '(none)'}: send the body as JSON with "Content-Type: application/json".`, 'invalid_request_error', 'unsupported_media_type'));
      }
      const charset = /charset=([^;\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase().replace(/"/g, '');
      if (charset && charset !== 'utf-8' && charset !== 'utf8') {
        return next(new GatewayError(415, `Unsupported charset "${charset}": send UTF-8 JSON.`, 'invalid_request_error', 'unsupported_charset'));
      }
      const raw: unknown = req.body;
      let text: string;
      try {
        text = Buffer.isBuffer(raw) ? decoder.decode(raw) : '';
      } catch {
        return next(badRequest('Request body is not valid UTF-8.', null, 'invalid_encoding'));
      }
      if (text.trim() === '') return next(badRequest('Request body is empty: send a JSON object.', null, 'empty_body'));
      try {
        req.body = JSON.parse(text) as unknown;
      } catch (err) {
        const msg = err instanceof RangeError ? 'JSON is nested too deeply.' : `Invalid JSON: ${(err as Error).message}`;
        return next(badRequest(msg, null, 'invalid_json'));
      }
      next();
    },
  ];
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const id = req.method === 'POST' && req.path === '/v1/chat/completions' ? newCompletionId() : `req_${crypto.randomUUID().replace(/-/g, '')}`;
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  });

  if (deps.config.TRUSTED_PROXY.length > 0) app.set('trust proxy', deps.config.TRUSTED_PROXY);

  // Web pages and rebinding names are refused before anything else (OpenWebUI's "direct connections" and other
  // allowed pages get CORS headers for their own origin); the control API and dashboard have their own guard.
  const guard = browserGuard(deps.config);
  app.use(['/v1', '/health', '/models', '/chat/completions', '/responses'], guard);

  app.get('/health', (req, res) => {
    res.json(deps.publicHealth && !deps.isAdmin?.(req) ? deps.publicHealth() : deps.health());
  });

  const v1 = express.Router();
  v1.use(apiKeyAuth(deps.getApiKeys));
  v1.use((_req, res, next) => {
    if (deps.isServing && !deps.isServing()) {
      return sendError(res, new GatewayError(503, 'The gateway is stopped: start it from the dashboard or the tray.', 'server_error', 'gateway_stopped'));
    }
    next();
  });
  v1.use(jsonBody(Math.floor(deps.config.MAX_BODY_MB * 1024 * 1024)));
  v1.use(keyScopeCheck(deps.models));
  v1.get('/models', (_req, res) => {
    res.json(visibleModels(deps.models, res));
  });
  v1.get('/models/:id', (req, res) => {
    const m = visibleModels(deps.models, res).data.find((x) => x.id === req.params.id);
    if (!m) return sendError(res, new GatewayError(404, `The model '${req.params.id}' does not exist.`, 'invalid_request_error', 'model_not_found', 'model'));
    res.json(m);
  });
  v1.post('/chat/completions', chatCompletionsHandler(deps));
  v1.post('/responses', responsesHandler(deps));
  deps.v1Routes?.(v1);
  for (const [route, allow] of [['/models', 'GET'], ['/models/:id', 'GET'], ['/chat/completions', 'POST'], ['/responses', 'POST']] as const) {
    v1.all(route, (req, res) => {
      res.setHeader('Allow', allow);
      sendError(res, new GatewayError(405, `Method ${req.method} is not allowed on /v1${req.path}: use ${allow}.`, 'invalid_request_error', 'method_not_allowed'));
    });
  }
  v1.use((req, res) => sendError(res, new GatewayError(404, `Unknown endpoint: ${req.method} /v1${req.path}`, 'invalid_request_error', 'unknown_url')));
  app.use('/v1', v1);

  // A client configured with a base URL lacking /v1 (an easy slip in OpenWebUI and n8n) gets told the fix.
  app.all(['/models', '/models/:id', '/chat/completions', '/responses'], (req, res) => {
    const base = `${req.protocol}://${req.get('host') ?? `${deps.config.GATEWAY_HOST}:${deps.config.GATEWAY_PORT}`}/v1`;
    // n8n's credential test shows only the HTTP reason phrase: the hint goes there too.
    res.statusMessage = 'Not Found - the base URL must end in /v1';
    sendError(res, new GatewayError(404, `Not found: ${req.method} ${req.path} — the OpenAI base URL ends in /v1: use ${base} (this request is ${req.method} /v1${req.path}).`, 'invalid_request_error', 'unknown_url'));
  });

  for (const m of deps.mounts ?? []) app.use(m.path, m.router);

  app.use((req, res) => sendError(res, new GatewayError(404, `Not found: ${req.method} ${req.path}`, 'invalid_request_error', 'unknown_url')));

  // Every failure, including the body parser's, leaves in OpenAI's error shape; the server keeps serving.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof GatewayError) return sendError(res, err);
    const e = err as { status?: number; type?: string; message?: string };
    if (e?.type === 'entity.too.large') return sendError(res, new GatewayError(413, `Request body too large (limit ${deps.config.MAX_BODY_MB} MB, MAX_BODY_MB).`, 'invalid_request_error', 'request_too_large'));
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, new GatewayError(e.status, e.message ?? 'Bad request', 'invalid_request_error', e.type ?? 'invalid_request'));
    }
    log.error(`unhandled error: ${e?.message ?? String(err)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, new GatewayError(500, 'Internal error in the gateway.', 'server_error', 'internal_error'));
  });
  return app;
}
