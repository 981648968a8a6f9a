import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { callerIdForKey, setCaller } from './caller.ts';
import { GatewayError, sendError } from './openai-errors.ts';

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** Bearer-key check for /v1 (OpenAI's 401 invalid_api_key). No keys configured = open (loopback only, enforced by config). */
export function apiKeyAuth(getKeys: () => readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const keys = getKeys();
    if (keys.length === 0 || req.method === 'OPTIONS') return next();
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    const presented = m?.[1]?.trim() ?? req.get('x-api-key') ?? '';
    if (presented && keys.some((k) => safeEqual(k, presented))) {
      setCaller(res, callerIdForKey(presented));
      return next();
    }
    sendError(
      res,
      new GatewayError(401, presented ? 'Incorrect API key provided.' : 'Missing API key: send it as "Authorization: Bearer <key>".', 'authentication_error', 'invalid_api_key'),
    );
  };
}
