/**
 * The dashboard window loads the app's own files through a private scheme, never from the gateway's port: a port
 * taken by another program would otherwise put that program's page in the window (and in reach of the preload
 * bridge). These are the scheme's pure rules; main/electron/app-protocol.ts applies them to Electron's protocol API.
 */
import path from 'node:path';

export const APP_SCHEME = 'ccg-app';
export const APP_HOST = 'dashboard';
/** The window's origin: the only one the preload bridge answers and navigation may stay on. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export type AppRequest = { kind: 'file'; file: string; mime: string } | { kind: 'not-found' } | { kind: 'forbidden' };

/**
 * Maps a request on the app scheme to a file of the built renderer. Only the app host, only GET-able paths inside
 * the renderer folder (no `..`, no encoded separators), only known file types.
 */
export function resolveAppRequest(url: string, rendererDir: string): AppRequest {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: 'forbidden' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { kind: 'forbidden' };
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'forbidden' };
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) return { kind: 'forbidden' };
  const file = path.join(rendererDir, ...rel.split('/').filter(Boolean));
  const inside = path.relative(rendererDir, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return { kind: 'forbidden' };
  const mime = MIME[path.extname(file).toLowerCase()];
  return mime ? { kind: 'file', file, mime } : { kind: 'not-found' };
}

/**
 * The window's Content-Security-Policy: scripts and styles only from the app's files, network only to the control
 * API on loopback (its port is known only once the server listens, so any loopback port), nothing framed.
 */
export function appCsp(): string {
  return [
    `default-src 'self'`,
    `script-src 'self'`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data:`,
    `font-src 'self' data:`,
    `connect-src http://127.0.0.1:* http://localhost:* http://[::1]:*`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
    `frame-src 'none'`,
    `worker-src 'self'`,
  ].join('; ');
}

/** Headers of every file the scheme serves. */
export function appResponseHeaders(mime: string): Record<string, string> {
  return {
    'content-type': mime,
    'content-security-policy': appCsp(),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
