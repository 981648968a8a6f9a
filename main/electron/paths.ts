/**
 * Files the shell loads at run time, found from this compiled file's own location so the same code works from
 * dist/ in a checkout and from inside app.asar in an installed app (dist/main/electron/*.js → app root is ../../..).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrayIconName } from '../shell/tray-model.ts';

export const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const PRELOAD_PATH = path.join(APP_ROOT, 'dist', 'preload', 'index.cjs');

/** Electron picks `<name>@2x.png` beside it by itself on HiDPI screens. */
export function trayIconPath(name: TrayIconName): string {
  return path.join(APP_ROOT, 'build', 'tray', `${name}.png`);
}
