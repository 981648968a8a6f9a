/**
 * The Claude account part of the control API (mounted at /api/claude-auth behind the loopback + admin-token guard):
 *
 *   GET    /             → ClaudeAuthStatus (the last reading; never a secret, a masked hint at most)
 *   POST   /refresh      → ClaudeAuthStatus after asking Claude Code again
 *   PUT    /credential   { kind: 'api_key' | 'oauth_token', value } → ClaudeAuthStatus, or 400 invalid_credential
 *   DELETE /credential   → ClaudeAuthStatus (the saved credential is gone; idempotent)
 *   POST   /logout       → ClaudeAuthStatus after `claude auth logout` where Claude runs, or 502 logout_failed
 *
 * The body carrying a secret is parsed here, not by the shared JSON parser, so no error message can quote it.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { CredentialRejected, type ClaudeAccount } from '../claude/account.ts';
import type { ClaudeAuthStatus } from '../contract/claude-auth-api.ts';
import { log } from '../log.ts';
import { sendControlError } from './guard.ts';

const credentialRequest = z.object({ kind: z.enum(['api_key', 'oauth_token']), value: z.string() });

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

export function claudeAuthRouter(account: ClaudeAccount): Router {
  const r = express.Router();
  const send = (res: Response, body: ClaudeAuthStatus): void => void res.json(body);

  r.get('/', (_req, res) => send(res, account.status()));

  r.post('/refresh', async (_req, res) => send(res, await account.refresh()));

  r.put('/credential', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const parsed = credentialRequest.safeParse(parseBody(req));
    if (!parsed.success) {
      return sendControlError(res, 400, 'invalid_request', 'Send JSON {"kind": "api_key" | "oauth_token", "value": "<the key or token>"}.');
    }
    try {
      const status = await account.saveCredential(parsed.data.kind, parsed.data.value);
      log.info(`control API: Claude ${parsed.data.kind === 'api_key' ? 'API key' : 'OAuth token'} saved (${status.stored?.hint ?? '?'}); Claude Code says: ${status.summary}`);
      send(res, status);
    } catch (err) {
      if (err instanceof CredentialRejected) return sendControlError(res, 400, 'invalid_credential', err.message);
      throw err;
    }
  });

  r.delete('/credential', async (_req, res) => {
    const status = await account.clearCredential();
    log.info(`control API: saved Claude credential removed; Claude Code says: ${status.summary}`);
    send(res, status);
  });

  r.post('/logout', async (_req, res) => {
    const out = await account.logout();
    log.info(`control API: claude auth logout → ${out.ok ? 'done' : 'failed'} (${out.message}); Claude Code says: ${out.status.summary}`);
    if (!out.ok) return sendControlError(res, 502, 'logout_failed', `claude auth logout failed: ${out.message}`);
    send(res, out.status);
  });

  return r;
}
