import fs from 'node:fs';
import path from 'node:path';
import { appFile } from '../app-paths.ts';
import express, { type Request, type Response, type Router } from 'express';

/** dist/renderer of the app: found from the package root, so it works from source (tsx), from dist/ and in an asar. */
export function defaultDashboardDir(): string {
  return appFile('dist', 'renderer');
}

export function isDashboardBuilt(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.html'));
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serves the built dashboard (index.html and hashed assets) at `/`. It routes with the URL hash, so only `/` and
 * `/assets/*` exist here; the admin token travels in the fragment, which browsers never send to a server.
 */
export function dashboardRouter(dir: string): Router {
  const router = express.Router();
  const sendIndex = (_req: Request, res: Response): void => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (!isDashboardBuilt(dir)) {
      res.status(503).type('text/plain').send(`The dashboard is not built (${dir} is missing). Run: npm run build`);
      return;
    }
    res.sendFile(path.join(dir, 'index.html'));
  };
  router.get('/', sendIndex);
  router.get('/index.html', sendIndex);
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }));
  for (const f of ['favicon.svg', 'favicon.ico']) {
    router.get(`/${f}`, (req, res, next) => (fs.existsSync(path.join(dir, f)) ? res.sendFile(path.join(dir, f)) : next()));
  }
  return router;
}
