import net from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isLoopbackHost } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { isLoopbackHostHeader, isLoopbackPageOrigin } from '../control/guard.ts';
import { APP_ORIGIN } from '../shell/app-protocol.ts';
import { GatewayError, sendError } from './openai-errors.ts';

/** The name part of a Host header (no port, no brackets, lower case); null when it is not a host[:port]. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
    return m ? m[1] : null;
  }
  const m = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1].replace(/\.$/, '') : null;
}

/**
 * Docker Desktop's name for the host, as a container (OpenWebUI) reaches a loopback-bound gateway. No web page can
 * make a browser send it: it resolves only inside containers.
 */
export const DOCKER_HOST_NAME = 'host.docker.internal';

export type HostCheck = Pick<Config, 'GATEWAY_HOST' | 'GATEWAY_ALLOWED_HOSTS'>;

/**
 * DNS-rebinding defence: a page on evil.example whose name now resolves to 127.0.0.1 arrives with its own name in
 * Host. Loopback names and host.docker.internal always pass; beyond loopback also IP literals (no name to rebind) and
 * GATEWAY_ALLOWED_HOSTS.
 */
export function hostAllowed(header: string | undefined, cfg: HostCheck): boolean {
  const name = hostName(header);
  if (name === null || header === undefined) return false;
  if (isLoopbackHostHeader(header) || name === DOCKER_HOST_NAME) return true;
  if (cfg.GATEWAY_ALLOWED_HOSTS.some((h) => h.toLowerCase() === name)) return true;
  return !isLoopbackHost(cfg.GATEWAY_HOST) && net.isIP(name) !== 0;
}

/**
 * Which web pages may call /v1 and /health from a browser: loopback pages (any port), the desktop window and
 * GATEWAY_ALLOWED_ORIGINS. `null` (sandboxed frames, local files) never: any page can make itself one.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (origin === APP_ORIGIN) return true;
  return isLoopbackPageOrigin(origin) || allowed.some((a) => a.replace(/\/$/, '') === origin);
}

/**
 * First middleware of /v1 and /health: refuses a foreign Host or Origin before any work (no body read, no key check,
 * no Claude), answers allowed preflights, and gives CORS headers to allowed origins only — never `*`.
 */
export function browserGuard(cfg: Pick<Config, 'GATEWAY_HOST' | 'GATEWAY_ALLOWED_HOSTS' | 'GATEWAY_ALLOWED_ORIGINS'>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.get('host');
    if (!hostAllowed(host, cfg)) {
      const beyond = !isLoopbackHost(cfg.GATEWAY_HOST);
      return sendError(res, new GatewayError(403,
        `Host "${host ?? ''}" is not a name of this gateway, so the request was refused (a DNS-rebinding page arrives with its own name). `
        + `${beyond ? 'Add the name clients use to GATEWAY_ALLOWED_HOSTS' : 'Use 127.0.0.1, localhost or host.docker.internal, or add the name to GATEWAY_ALLOWED_HOSTS'}.`,
        'invalid_request_error', 'host_not_allowed'));
    }
    const origin = req.get('origin');
    if (origin === undefined) return next();
    if (!originAllowed(origin, cfg.GATEWAY_ALLOWED_ORIGINS)) {
      return sendError(res, new GatewayError(403,
        `Requests from the web page ${origin} are refused: a page may call this gateway only when its origin is listed in GATEWAY_ALLOWED_ORIGINS (servers, SDKs and curl send no Origin and need no setting).`,
        'invalid_request_error', 'origin_not_allowed'));
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'x-request-id, x-should-retry, retry-after');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      // the origin is trusted: whatever headers it asks for (OpenWebUI's X-OpenWebUI-*, x-session-id…)
      res.setHeader('Access-Control-Allow-Headers', req.get('access-control-request-headers') ?? 'authorization, content-type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/** A body that is not JSON is refused, not guessed at: a form or text/plain POST is what a page sends without a preflight. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = (header ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/json';
}
