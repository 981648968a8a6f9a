/** Files the shell loads at run time, all inside the app (the checkout, or app.asar when installed). */
import { appFile } from '../app-paths.ts';
import { trayIconFile } from '../shell/tray-host.ts';
import type { TrayIconName } from '../shell/tray-model.ts';

export const PRELOAD_PATH = appFile('dist', 'preload', 'index.cjs');
export const RENDERER_DIR = appFile('dist', 'renderer');
export const WINDOW_ICON = appFile('build', 'icons', 'png', '256x256.png');

/** Per platform (template PNG on macOS, .ico on Windows, PNG on Linux); Electron picks `@2x` beside a PNG itself. */
export function trayIconPath(name: TrayIconName, platform: NodeJS.Platform = process.platform): string {
  return appFile('build', 'tray', trayIconFile(name, platform));
}
