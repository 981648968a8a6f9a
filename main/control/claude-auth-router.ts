/**
 * The Claude account part of the control API (mounted at /api/claude-auth behind the loopback + admin-token guard):
 *
 *   GET    /             → ClaudeAuthStatus (the last reading; never a secret, a masked hint at most)
 *   POST   /refresh      → ClaudeAuthStatus after asking Claude Code again
 *   PUT    /credential   { kind: 'api_key' | 'oauth_token', value } → ClaudeAuthStatus, or 400 invalid_credential
 *   DELETE /credential   → ClaudeAuthStatus (the saved credential is gone; idempotent)
 *   POST   /logout       → ClaudeAuthStatus after `claude auth logout` where Claude runs, or 502 logout_failed
 *
 * The subscription sign-in (`claude auth login` where Claude runs, main/claude/subscription-login.ts):
 *   POST   /login         { method?: 'claudeai' | 'console' } → 202 { login } once the link is shown (or it failed);
 *                         409 login_in_progress; 404 login_unavailable when this gateway cannot run it
 *   GET    /login         → { login } (the running or the last one, or null)
 *   POST   /login/code    { code } → 202 { login }; 400 invalid_code, 409 not_waiting_for_code
 *   POST   /login/cancel  → { cancelled, login } once its process is gone
 *   GET    /login/events  → SSE `login` (ClaudeLoginSnapshot): the current one, then every step
 *
 * Bodies carrying a secret (a key, a sign-in code) are parsed here, not by the shared JSON parser, so no error
 * message can quote them.
 */
import express, { type Request, type Router } from 'express';
import { CredentialRejected, type ClaudeAccount } from '../claude/account.ts';
import { InvalidCode, LoginInProgress, NotWaitingForCode, type SubscriptionLogin } from '../claude/subscription-login.ts';
import type { ClaudeLoginSnapshot } from '../contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS, claudeCredentialRequest, claudeLoginCodeRequest, claudeLoginRequest } from '../contract/claude-auth-routes.ts';
import { DEFAULT_KEEPALIVE_MS, SseWriter } from '../gateway/sse.ts';
import { log } from '../log.ts';
import { sendControlError } from './guard.ts';
import { eventSender, routesAt } from './typed-routes.ts';

const BASE = '/api/claude-auth';
/** Raw bodies for the routes that parse their own (small: a code is a few hundred characters). */
const rawBody = express.raw({ type: () => true, limit: '16kb' });

/** The request's JSON, or null; never an error that repeats the body. */
function parseBody(req: Request): unknown {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

export function claudeAuthRouter(account: ClaudeAccount, keepAliveMs = DEFAULT_KEEPALIVE_MS): Router {
  const r = express.Router();
  const api = routesAt(r, BASE);

  api.handle(CLAUDE_AUTH_ROUTES.status, (_req, res) => void res.json(account.status()));

  api.handle(CLAUDE_AUTH_ROUTES.refresh, async (_req, res) => void res.json(await account.refresh()));

  api.handle(CLAUDE_AUTH_ROUTES.saveCredential, rawBody, async (req, res) => {
    const parsed = claudeCredentialRequest.safeParse(parseBody(req));
    if (!parsed.success) {
      return sendControlError(res, 400, 'invalid_request', 'Send JSON {"kind": "api_key" | "oauth_token", "value": "<the key or token>"}.');
    }
    try {
      const status = await account.saveCredential(parsed.data.kind, parsed.data.value);
      log.info(`control API: Claude ${parsed.data.kind === 'api_key' ? 'API key' : 'OAuth token'} saved (${status.stored?.hint ?? '?'}); Claude Code says: ${status.summary}`);
      res.json(status);
    } catch (err) {
      if (err instanceof CredentialRejected) return sendControlError(res, 400, 'invalid_credential', err.message);
      throw err;
    }
  });

  api.handle(CLAUDE_AUTH_ROUTES.clearCredential, async (_req, res) => {
    const status = await account.clearCredential();
    log.info(`control API: saved Claude credential removed; Claude Code says: ${status.summary}`);
    res.json(status);
  });

  api.handle(CLAUDE_AUTH_ROUTES.logout, async (_req, res) => {
    const out = await account.logout();
    log.info(`control API: claude auth logout → ${out.ok ? 'done' : 'failed'} (${out.message}); Claude Code says: ${out.status.summary}`);
    if (!out.ok) return sendControlError(res, 502, 'logout_failed', `claude auth logout failed: ${out.message}`);
    res.json(out.status);
  });

  const login = account.login;
  if (login) mountLogin(api, login, keepAliveMs);
  else r.use('/login', (_req, res) => sendControlError(res, 404, 'login_unavailable', 'This gateway cannot run `claude auth login`.'));

  return r;
}

function mountLogin(api: ReturnType<typeof routesAt<typeof BASE>>, login: SubscriptionLogin, keepAliveMs: number): void {
  api.handle(CLAUDE_AUTH_ROUTES.login, (_req, res) => void res.json({ login: login.snapshot() }));

  api.handle(CLAUDE_AUTH_ROUTES.startLogin, rawBody, async (req, res) => {
    // No body at all: the default method.
    const raw: unknown = req.body;
    const empty = !Buffer.isBuffer(raw) || raw.length === 0;
    const parsed = claudeLoginRequest.safeParse(empty ? {} : parseBody(req));
    if (!parsed.success) return sendControlError(res, 400, 'invalid_request', 'Send JSON {"method": "claudeai" | "console"} or no body.');
    try {
      login.start(parsed.data.method ?? 'claudeai');
    } catch (err) {
      if (err instanceof LoginInProgress) return sendControlError(res, 409, 'login_in_progress', err.message);
      throw err;
    }
    // Answer when there is something to show: the link, or why it failed.
    res.status(202).json({ login: await login.whenShown() });
  });

  api.handle(CLAUDE_AUTH_ROUTES.loginCode, rawBody, (req, res) => {
    const parsed = claudeLoginCodeRequest.safeParse(parseBody(req));
    if (!parsed.success) return sendControlError(res, 400, 'invalid_request', 'Send JSON {"code": "<the code the sign-in page shows>"}.');
    try {
      res.status(202).json({ login: login.submitCode(parsed.data.code) });
    } catch (err) {
      if (err instanceof InvalidCode) return sendControlError(res, 400, 'invalid_code', err.message);
      if (err instanceof NotWaitingForCode) return sendControlError(res, 409, 'not_waiting_for_code', err.message);
      throw err;
    }
  });

  api.handle(CLAUDE_AUTH_ROUTES.loginCancel, async (_req, res) => {
    const cancelled = login.cancel();
    // Answered once the process is gone, so "cancelled" means nothing of it is left.
    res.json({ cancelled, login: await login.whenDone() });
  });

  api.stream(CLAUDE_AUTH_STREAMS.loginEvents, (_req, res) => {
    const sse = new SseWriter(res, { keepAliveMs });
    const events = eventSender(sse, CLAUDE_AUTH_STREAMS.loginEvents);
    const send = (snap: ClaudeLoginSnapshot): void => events('login', snap);
    const current = login.snapshot();
    if (current) send(current);
    login.on('change', send);
    sse.onClose(() => login.off('change', send));
  });
}
