/**
 * HTTP API of the MCP servers view (dashboard / tray). No auth of its own: mount it under the control API's
 * admin-guarded prefix, e.g. `services.mount('/api/mcp', guard, mcpRouter(oauth))`.
 *
 *   GET    /servers                  → { servers: McpServerInfo[] }   (status checked by Claude Code; takes seconds)
 *   POST   /servers                  { name, url, transport?, clientId?, callbackPort? } → 201 McpActionResult
 *   DELETE /servers/:name            → McpActionResult
 *   POST   /servers/:name/login      → 202 { login: LoginSnapshot } once the authorization URL is known (or failed)
 *   POST   /servers/:name/logout     → McpActionResult
 *   GET    /logins                   → { logins: LoginSnapshot[] }      GET /logins/:id → LoginSnapshot
 *   POST   /logins/:id/cancel        → { cancelled: boolean }
 *   GET    /listener                 → ListenerHealth
 *   GET    /events                   → SSE: `login` (LoginEvent), `servers` ({}), `listener` (ListenerHealth)
 * Errors are the /api error body `{ error: { code, message } }` (ControlError), as on every /api route.
 * The types are the contract's (main/contract/mcp-api.ts).
 */
import express, { type Response, type Router } from 'express';
import type { LoginEvent, LoginSnapshot, McpActionResult } from '../contract/mcp-api.ts';
import { MCP_ROUTES, MCP_STREAMS } from '../contract/mcp-routes.ts';
import { sendControlError } from '../control/guard.ts';
import { eventSender, routesAt } from '../control/typed-routes.ts';
import { DEFAULT_KEEPALIVE_MS, SseWriter } from '../gateway/sse.ts';
import type { McpActionOutcome } from './mcp-servers.ts';
import type { OAuthServices } from './index.ts';
import { serverNameSchema } from './mcp-servers.ts';

/** Failures in the /api error shape (one for every /api route); successes as they are. */
function answer(res: Response<McpActionResult>, result: McpActionOutcome, okStatus: number): void {
  if (result.ok) res.status(okStatus).json(result);
  else sendControlError(res, 400, 'mcp_action_failed', result.error);
}

export function mcpRouter(oauth: OAuthServices, opts: { loginAnswerTimeoutMs?: number; keepAliveMs?: number } = {}): Router {
  const r = express.Router();
  r.use(express.json({ limit: '64kb' }));
  const api = routesAt(r, '/api/mcp');

  api.handle(MCP_ROUTES.servers, async (_req, res) => {
    try {
      res.json({ servers: await oauth.servers.list() });
    } catch (err) {
      sendControlError(res, 502, 'mcp_list_failed', err instanceof Error ? err.message : String(err));
    }
  });

  api.handle(MCP_ROUTES.addServer, async (req, res) => {
    const body: unknown = req.body;
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const result = await oauth.servers.add({
      name: String(b.name ?? ''),
      url: String(b.url ?? ''),
      transport: b.transport === 'sse' ? 'sse' : 'http',
      ...(typeof b.clientId === 'string' && b.clientId ? { clientId: b.clientId } : {}),
      ...(typeof b.callbackPort === 'number' ? { callbackPort: b.callbackPort } : {}),
    });
    answer(res, result, 201);
  });

  api.handle(MCP_ROUTES.removeServer, async (req, res) => {
    answer(res, await oauth.servers.remove(req.params.name), 200);
  });

  api.handle(MCP_ROUTES.logout, async (req, res) => {
    answer(res, await oauth.servers.logout(req.params.name), 200);
  });

  api.handle(MCP_ROUTES.login, async (req, res) => {
    const name = serverNameSchema.safeParse(req.params.name);
    if (!name.success) return sendControlError(res, 400, 'invalid_server_name', 'invalid server name');
    if (!(await oauth.servers.names()).includes(name.data)) {
      return sendControlError(res, 404, 'unknown_server', `no MCP server named "${name.data}" is configured: add it first`);
    }
    const handle = oauth.driver.start(name.data);
    // Answer as soon as there is something to show: the authorization URL, or the end.
    const snap = await new Promise<LoginSnapshot>((resolve) => {
      const current = (): LoginSnapshot => oauth.driver.get(handle.loginId) as LoginSnapshot;
      const onEvent = (e: LoginEvent): void => {
        if (e.loginId === handle.loginId && (e.step !== 'started')) done();
      };
      const timer = setTimeout(() => done(), opts.loginAnswerTimeoutMs ?? 30_000);
      const done = (): void => {
        clearTimeout(timer);
        oauth.driver.off('event', onEvent);
        resolve(current());
      };
      oauth.driver.on('event', onEvent);
      void handle.result.then(done);
    });
    res.status(202).json({ login: snap });
  });

  api.handle(MCP_ROUTES.logins, (_req, res) => {
    res.json({ logins: oauth.driver.list() });
  });

  api.handle(MCP_ROUTES.loginById, (req, res) => {
    const snap = oauth.driver.get(req.params.id);
    if (!snap) sendControlError(res, 404, 'unknown_login', 'no such login');
    else res.json(snap);
  });

  api.handle(MCP_ROUTES.cancelLogin, (req, res) => {
    res.json({ cancelled: oauth.driver.cancel(req.params.id, 'cancelled from the dashboard') });
  });

  api.handle(MCP_ROUTES.listener, (_req, res) => {
    res.json(oauth.listener.health());
  });

  api.stream(MCP_STREAMS.events, (_req, res) => {
    const sse = new SseWriter(res, { keepAliveMs: opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS });
    const send = eventSender(sse, MCP_STREAMS.events);
    const onLogin = (e: LoginEvent): void => send('login', e);
    const onServers = (): void => send('servers', {});
    const onListener = (): void => send('listener', oauth.listener.health());
    oauth.driver.on('event', onLogin);
    oauth.servers.on('changed', onServers);
    oauth.listener.on('status', onListener);
    onListener();
    sse.onClose(() => {
      oauth.driver.off('event', onLogin);
      oauth.servers.off('changed', onServers);
      oauth.listener.off('status', onListener);
    });
  });

  return r;
}
