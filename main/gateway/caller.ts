import crypto from 'node:crypto';
import type { Response } from 'express';

/**
 * Who is calling /v1: the key they presented (as a short hash — never the key itself), or `local` when no keys are
 * configured. Conversations, chat folders, grants, suspended runs and kept processes are namespaced by it, so one
 * caller never reaches another's by sending the same chat id.
 */
export const NO_KEY_CALLER = 'local';

export function callerIdForKey(key: string): string {
  return `key:${crypto.createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Set by the /v1 key check; a request that never passed it is the keyless caller. */
export function callerOf(res: Response): string {
  const c: unknown = res.locals.caller;
  return typeof c === 'string' && c ? c : NO_KEY_CALLER;
}

export function setCaller(res: Response, caller: string): void {
  res.locals.caller = caller;
}
