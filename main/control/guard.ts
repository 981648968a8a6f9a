import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { controlError } from '../contract/control-api.ts';
import { tokenMatches } from './admin-token.ts';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127(\.\d{1,3}){3}$/.test(a);
}

/** `localhost`, `*.localhost`, 127.x.y.z and [::1], with or without a port. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return false;
    name = h.slice(1, end);
    const rest = h.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return false;
  } else {
    const m = /^([^:]+)(?::\d{1,5})?$/.exec(h);
    if (!m) return false;
    name = m[1];
  }
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** A page on a loopback name (http or https, any port — dev servers), spelled as browsers send an Origin. */
export function isLoopbackPageOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin && isLoopbackHostHeader(url.host);
}

/** An Origin a dashboard may call from: a loopback page, or an allowed extra. */
export function isAllowedOrigin(origin: string, extra: readonly string[] = []): boolean {
  return extra.includes(origin) || isLoopbackPageOrigin(origin);
}

/** Any route's error answer: the /api error shape (with the fields at fault, when there are). */
export function sendControlError(res: Response, status: number, code: string, message: string, issues?: Array<{ key: string; message: string }>): void {
  const body = controlError(code, message);
  res.status(status).json(issues ? { error: { ...body.error, issues } } : body);
}

/** Headers a reverse proxy adds: their presence means the loopback peer is a proxy speaking for someone else. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'] as const;

export interface GuardOptions {
  /** Extra Origins allowed besides loopback http(s) ones (e.g. `null` for an Electron window loaded from file://). */
  extraOrigins?: readonly string[];
}

/**
 * Network-level defence for everything local-only (control API and dashboard): loopback clients only (even when the
 * gateway listens beyond loopback), never through a proxy, a loopback Host name (a DNS-rebinding page arrives with its own name) and no
 * foreign Origin. Allowed cross-origin callers (a dev server on another loopback port) get CORS headers.
 */
export function localOnly(opts: GuardOptions = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      return sendControlError(res, 403, 'not_loopback', 'The control API only answers clients on this machine.');
    }
    // A reverse proxy on this machine makes every remote client look local: the control API is never served through one.
    const proxied = PROXY_HEADERS.find((h) => req.get(h) !== undefined);
    if (proxied) {
      return sendControlError(res, 403, 'proxied', `The control API and dashboard are not served through a proxy (the request carries ${proxied}): open them on this machine.`);
    }
    if (!isLoopbackHostHeader(req.get('host'))) {
      return sendControlError(res, 403, 'bad_host', 'Host must be a loopback name (127.0.0.1, localhost, [::1]).');
    }
    const origin = req.get('origin');
    if (origin !== undefined) {
      if (!isAllowedOrigin(origin, opts.extraOrigins)) return sendControlError(res, 403, 'bad_origin', `Origin ${origin} may not use the control API.`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, last-event-id');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** `Authorization: Bearer <admin token>`; never accepted from the query string (it would land in logs and history). */
export function adminAuth(getToken: () => string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (m && tokenMatches(getToken(), m[1])) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="claude-code-gateway control API"');
    sendControlError(res, 401, m ? 'invalid_token' : 'missing_token', m ? 'Invalid admin token.' : 'Missing admin token: send "Authorization: Bearer <token>".');
  };
}
