/**
 * "Start at login" on Linux. Electron's app.setLoginItemSettings only covers macOS and Windows; Linux desktops follow
 * the XDG autostart spec: a .desktop file in ~/.config/autostart. The app is started with `--hidden` so it comes up
 * in the tray without opening its window.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HIDDEN_FLAG = '--hidden';
export const AUTOSTART_FILE_NAME = 'claude-code-gateway.desktop';

export function autostartDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'autostart');
}

/**
 * The command that starts this app again: an AppImage must be started through its image file ($APPIMAGE), not the
 * temporary mount the running binary lives in.
 */
export function autostartCommand(opts: { execPath: string; appImage?: string; args?: string[] }): string[] {
  return [opts.appImage || opts.execPath, ...(opts.args ?? []), HIDDEN_FLAG];
}

/** Quotes an Exec argument per the desktop entry spec. */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartEntry(opts: { name: string; command: string[]; comment?: string }): string {
  const exec = opts.command.map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${opts.name.replace(/[\r\n]/g, ' ')}`,
    ...(opts.comment ? [`Comment=${opts.comment.replace(/[\r\n]/g, ' ')}`] : []),
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    'NoDisplay=false',
    '',
  ].join('\n');
}

export function isAutostartEnabled(dir: string): boolean {
  return fs.existsSync(path.join(dir, AUTOSTART_FILE_NAME));
}

export function setAutostart(dir: string, enabled: boolean, entry: string): void {
  const file = path.join(dir, AUTOSTART_FILE_NAME);
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, entry, { mode: 0o644 });
}

/** Started by the login hook (or asked to start in the tray). */
export function startedHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}

export type LoginItemStrategy = 'electron' | 'xdg' | 'unsupported';

/**
 * How "Start at login" is done here: Electron's login items on macOS/Windows, an XDG autostart entry on Linux. An
 * unpackaged run would register the bare Electron binary (which starts no app), so it is not offered there.
 */
export function loginItemStrategy(platform: NodeJS.Platform, isPackaged: boolean): LoginItemStrategy {
  if (!isPackaged) return 'unsupported';
  if (platform === 'darwin' || platform === 'win32') return 'electron';
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') return 'xdg';
  return 'unsupported';
}
