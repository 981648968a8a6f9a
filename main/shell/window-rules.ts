/**
 * What the dashboard window may do, as pure decisions. The window shows the app's own files on its private scheme
 * (main/shell/app-protocol.ts); everything else a click, a script or remote metadata tries to open goes to the system
 * browser — or nowhere.
 */
import { APP_HOST, APP_SCHEME } from './app-protocol.ts';

/** Schemes handed to the OS. Anything else (file:, javascript:, data:, mailto:, custom app schemes) is refused. */
const EXTERNAL_PROTOCOLS = new Set(['http:', 'https:']);

export type NavigationDecision = 'allow' | 'external' | 'deny';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function originOf(url: string): string | null {
  const u = parse(url);
  return u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.origin : null;
}

/**
 * True when `url` is one of the app's own pages (its private scheme and host). Compared by parts: Node's URL gives
 * non-special schemes an opaque 'null' origin, while Chromium (where the scheme is registered standard) does not.
 */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password && !u.port;
}

/** A URL the system browser may open: http(s) only, with a host, and no user:password@ smuggled into it. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u || !EXTERNAL_PROTOCOLS.has(u.protocol)) return false;
  if (u.username || u.password) return false;
  return u.hostname.length > 0;
}

/** `will-navigate` / `will-redirect`: stay inside the app, or hand the URL to the browser, or drop it. */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return 'allow';
  return isSafeExternalUrl(url) ? 'external' : 'deny';
}

/** `window.open` / target=_blank: the app never opens a second window of its own. */
export function windowOpenDecision(url: string): Exclude<NavigationDecision, 'allow'> {
  return isSafeExternalUrl(url) ? 'external' : 'deny';
}

/** IPC is answered only for frames showing the app's own page (not an iframe, not a page navigated elsewhere). */
export function ipcSenderAllowed(senderUrl: string | undefined): boolean {
  return senderUrl !== undefined && isAppUrl(senderUrl);
}

/** Permissions (camera, notifications, geolocation, …) the dashboard may get: none, except the clipboard write used by "copy" buttons. */
export function permissionAllowed(permission: string, requestingUrl: string): boolean {
  return isAppUrl(requestingUrl) && (permission === 'clipboard-sanitized-write' || permission === 'clipboard-write');
}

/** The webPreferences every app window gets. Kept here so a test pins them. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

export type CloseDecision = 'hide' | 'quit' | 'confirm-quit' | 'close';

/**
 * The window's close button: while the app is quitting the window really closes; otherwise it hides to the tray,
 * unless the user turned "keep running in tray" off or there is no tray (a stock GNOME desktop shows none: hiding
 * would strand the app with no way back). Then closing quits — after asking, when requests are still running.
 */
export function closeDecision(opts: { quitting: boolean; keepRunningInTray: boolean; trayAvailable: boolean; activeRuns: number }): CloseDecision {
  if (opts.quitting) return 'close';
  if (opts.keepRunningInTray && opts.trayAvailable) return 'hide';
  return opts.activeRuns > 0 ? 'confirm-quit' : 'quit';
}
