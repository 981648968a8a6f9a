/**
 * Is there somewhere to show a tray icon? macOS and Windows always have one. On Linux, Electron shows its icon
 * through a StatusNotifier host (KDE, Cinnamon, XFCE, GNOME with the AppIndicator extension) or an XEmbed tray; a
 * stock GNOME has neither, and Electron does not say so — the icon silently never appears. Without a tray the app
 * becomes a normal window app (main/electron/main.ts), so the user is never left with no visible UI.
 */
import { execFile } from 'node:child_process';

export interface TrayHostFacts {
  platform: NodeJS.Platform;
  /** XDG_CURRENT_DESKTOP, CCG_TRAY ("on" | "off": the user's override). */
  env: { XDG_CURRENT_DESKTOP?: string | undefined; CCG_TRAY?: string | undefined };
  /** A StatusNotifier host is registered on the session bus; null = could not ask (no gdbus/dbus-send, no bus). */
  statusNotifierHost: boolean | null;
}

export interface TrayHostDecision {
  tray: boolean;
  /** Why, for the log and the one-time notice. */
  reason: string;
}

export function decideTrayHost(f: TrayHostFacts): TrayHostDecision {
  const override = f.env.CCG_TRAY?.trim().toLowerCase();
  if (override === 'off' || override === '0' || override === 'false') return { tray: false, reason: 'CCG_TRAY=off' };
  if (override === 'on' || override === '1' || override === 'true') return { tray: true, reason: 'CCG_TRAY=on' };
  if (f.platform !== 'linux') return { tray: true, reason: `${f.platform} always has a tray` };
  if (f.statusNotifierHost === true) return { tray: true, reason: 'a StatusNotifier host is registered' };
  const gnome = (f.env.XDG_CURRENT_DESKTOP ?? '').split(':').some((d) => d.trim().toLowerCase() === 'gnome');
  if (gnome) {
    return {
      tray: false,
      reason: f.statusNotifierHost === false
        ? 'GNOME without a StatusNotifier host (the AppIndicator extension is not enabled)'
        : 'GNOME, and the session bus could not be asked for a StatusNotifier host',
    };
  }
  // Other desktops may offer an XEmbed tray, which the bus does not show; CCG_TRAY=off is the way out if not.
  return { tray: true, reason: f.statusNotifierHost === false ? 'no StatusNotifier host; assuming an XEmbed tray' : 'tray assumed' };
}

/**
 * `gdbus call … Properties.Get … IsStatusNotifierHostRegistered` prints `(<true>,)`; `dbus-send --print-reply`
 * prints `variant       boolean true`. Anything else (no watcher: an error) means no.
 */
export function parseHostRegistered(output: string): boolean | null {
  if (/\(<\s*true\s*>,?\)/.test(output) || /boolean\s+true/.test(output)) return true;
  if (/\(<\s*false\s*>,?\)/.test(output) || /boolean\s+false/.test(output)) return false;
  return null;
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 2_000 }, (err, stdout, stderr) => {
      const missing = err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
      resolve({ ok: err === null, out: `${String(stdout)}${String(stderr)}`, missing });
    });
  });
}

/** Asks the session bus (gdbus, else dbus-send). false when the watcher is absent; null when nothing could be asked. */
export async function probeStatusNotifierHost(): Promise<boolean | null> {
  const gdbus = await run('gdbus', ['call', '--session', '--dest', 'org.kde.StatusNotifierWatcher', '--object-path', '/StatusNotifierWatcher', '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierWatcher', 'IsStatusNotifierHostRegistered']);
  if (!gdbus.missing) return gdbus.ok ? parseHostRegistered(gdbus.out) : /ServiceUnknown|not provided by any/.test(gdbus.out) ? false : null;
  const ds = await run('dbus-send', ['--session', '--print-reply', '--dest=org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher', 'org.freedesktop.DBus.Properties.Get', 'string:org.kde.StatusNotifierWatcher', 'string:IsStatusNotifierHostRegistered']);
  if (ds.missing) return null;
  return ds.ok ? parseHostRegistered(ds.out) : /ServiceUnknown|not provided by any/.test(ds.out) ? false : null;
}

/** Tray icon file per platform: macOS wants monochrome template images, Windows .ico, Linux PNG (@2x beside it). */
export function trayIconFile(name: string, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `${name}Template.png`;
  if (platform === 'win32') return `${name}.ico`;
  return `${name}.png`;
}

/**
 * What a left click on the tray icon does. macOS: the menu (menu-bar convention; Electron opens it by itself when a
 * context menu is set). Windows: the dashboard (right click opens the menu). Linux: StatusNotifier hosts open the
 * menu on click and send no click event; where one arrives (XEmbed), the dashboard.
 */
export function trayClickOpensDashboard(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin';
}
