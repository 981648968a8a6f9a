/** Serves the dashboard's own files on the app's private scheme (rules: main/shell/app-protocol.ts). */
import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_SCHEME, appResponseHeaders, resolveAppRequest } from '../shell/app-protocol.ts';

/** Before `ready`: a standard, secure scheme gets an origin, fetch/CORS and web storage like https. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

/** After `ready`: answers GETs from the built renderer folder (inside app.asar when installed: fs reads it). */
export function handleAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405 });
    const target = resolveAppRequest(request.url, rendererDir);
    if (target.kind === 'forbidden') return new Response('forbidden', { status: 403 });
    if (target.kind === 'not-found') return new Response('not found', { status: 404 });
    try {
      const body = await fs.readFile(target.file);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: appResponseHeaders(target.mime) });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
