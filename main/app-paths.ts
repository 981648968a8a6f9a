/**
 * Where the app's own files are, in every layout it runs from: the checkout (tsx or dist/), an installed Electron app
 * (code inside `resources/app.asar`, folders the CLI tools must read in `resources/<name>` as extraResources), and
 * that same app's code started by Node from an extracted archive (`resources/app/`). One helper, so no module guesses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` holding package.json: the checkout, or the app.asar root when installed. */
export function findAppRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(from, '..', '..', '..');
    dir = up;
  }
}

export const APP_ROOT = findAppRoot(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Electron's `process.resourcesPath` (a Node global there, so no `electron` import is needed); undefined under Node.
 * In a dev run of Electron it points into the Electron distribution, which holds none of our resources: harmless,
 * the checkout is the next candidate.
 */
export function electronResourcesPath(): string | undefined {
  const p = (process as NodeJS.Process & { resourcesPath?: unknown }).resourcesPath;
  return typeof p === 'string' && p ? p : undefined;
}

/**
 * Folders that may hold the resource `name`, best first: beside the packed app (extraResources), then inside the app
 * root (the checkout). When the app root is `resources/app.asar` or `resources/app`, its parent is the resources dir.
 */
export function resourceCandidates(name: string, opts: { appRoot: string; resourcesPath?: string | undefined }): string[] {
  const out: string[] = [];
  if (opts.resourcesPath) out.push(path.join(opts.resourcesPath, name));
  const base = path.basename(opts.appRoot);
  if (base === 'app.asar' || base === 'app') out.push(path.join(path.dirname(opts.appRoot), name));
  out.push(path.join(opts.appRoot, name));
  return [...new Set(out)];
}

/** The first candidate folder holding `marker` (a file that proves it is the right folder), or null. */
export function findResourceDir(
  name: string,
  marker: string,
  opts: { appRoot?: string; resourcesPath?: string | undefined } = {},
): string | null {
  const candidates = resourceCandidates(name, { appRoot: opts.appRoot ?? APP_ROOT, resourcesPath: 'resourcesPath' in opts ? opts.resourcesPath : electronResourcesPath() });
  return candidates.find((dir) => fs.existsSync(path.join(dir, marker))) ?? null;
}

/** Files inside the app (renderer bundle, preload, icons): always under the app root, asar or not. */
export function appFile(...segments: string[]): string {
  return path.join(APP_ROOT, ...segments);
}
