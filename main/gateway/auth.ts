import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyScope } from '../contract/control-api.ts';
import { callerIdForKey, setCaller } from './caller.ts';
import { GatewayError, sendError } from './openai-errors.ts';

/** A key /v1 accepts and what it may use (null: everything — GATEWAY_API_KEYS and unscoped dashboard keys). */
export interface KeyGrant {
  secret: string;
  scope: ApiKeyScope | null;
}

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** The scope of the key that passed the check; null when unlimited or when no keys are configured. */
export function keyScopeOf(res: Response): ApiKeyScope | null {
  const s: unknown = res.locals.keyScope;
  return s && typeof s === 'object' ? (s as ApiKeyScope) : null;
}

/**
 * Bearer-key check for /v1 (OpenAI's 401 invalid_api_key). No keys configured = open (loopback only, enforced by
 * config) and the caller stays `local`; else the caller is the key (caller.ts) and its scope rides along.
 */
export function apiKeyAuth(getKeys: () => readonly KeyGrant[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const keys = getKeys();
    if (keys.length === 0 || req.method === 'OPTIONS') return next();
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    const presented = m?.[1]?.trim() ?? req.get('x-api-key') ?? '';
    // every key is compared (no early exit), so timing says nothing about which one matched
    let match: KeyGrant | null = null;
    for (const k of keys) if (presented && safeEqual(k.secret, presented) && !match) match = k;
    if (match) {
      setCaller(res, callerIdForKey(presented));
      res.locals.keyScope = match.scope;
      return next();
    }
    sendError(
      res,
      new GatewayError(401, presented ? 'Incorrect API key provided.' : 'Missing API key: send it as "Authorization: Bearer <key>".', 'authentication_error', 'invalid_api_key'),
    );
  };
}
