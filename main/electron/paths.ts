/**
 * Files the shell loads at run time, found from the app root: the nearest folder above this file holding
 * package.json. That is the checkout when running from dist/ (or from source), and the app.asar root when installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrayIconName } from '../shell/tray-model.ts';

function findAppRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(from, '..', '..', '..');
}

export const APP_ROOT = findAppRoot(path.dirname(fileURLToPath(import.meta.url)));

export const PRELOAD_PATH = path.join(APP_ROOT, 'dist', 'preload', 'index.cjs');

/** Electron picks `<name>@2x.png` beside it by itself on HiDPI screens. */
export function trayIconPath(name: TrayIconName): string {
  return path.join(APP_ROOT, 'build', 'tray', `${name}.png`);
}
