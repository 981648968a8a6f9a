/**
 * What the dashboard window may do, as pure decisions. The window shows the dashboard served by the control API on
 * loopback; everything else a click or a script tries to open goes to the system browser — or nowhere.
 */

/** Schemes handed to the OS. Anything else (file:, javascript:, data:, custom app schemes) is refused outright. */
const EXTERNAL_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

export type NavigationDecision = 'allow' | 'external' | 'deny';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The dashboard page inside the control API's origin. The admin token may ride in the fragment (never sent to a
 * server), as in headless mode; the preload bridge hands it over too.
 */
export function dashboardUrl(controlUrl: string, token?: string): string {
  const base = `${controlUrl.replace(/\/+$/, '')}/`;
  return token ? `${base}#token=${encodeURIComponent(token)}` : base;
}

export function originOf(url: string): string | null {
  const u = parse(url);
  return u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.origin : null;
}

/** True when `url` is on the dashboard's own origin (same scheme, host and port). */
export function isAppUrl(url: string, appOrigin: string): boolean {
  const o = originOf(url);
  return o !== null && o === appOrigin;
}

/** A URL the system browser may open: http(s) or mailto, and no user:password@ smuggled into it. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u || !EXTERNAL_PROTOCOLS.has(u.protocol)) return false;
  if (u.username || u.password) return false;
  return u.protocol === 'mailto:' || u.hostname.length > 0;
}

/** `will-navigate` / `will-redirect`: stay inside the app, or hand the URL to the browser, or drop it. */
export function navigationDecision(url: string, appOrigin: string): NavigationDecision {
  if (isAppUrl(url, appOrigin)) return 'allow';
  return isSafeExternalUrl(url) ? 'external' : 'deny';
}

/** `window.open` / target=_blank: the app never opens a second window of its own. */
export function windowOpenDecision(url: string): Exclude<NavigationDecision, 'allow'> {
  return isSafeExternalUrl(url) ? 'external' : 'deny';
}

/** IPC is answered only for frames showing the dashboard itself (not an iframe or a page navigated elsewhere). */
export function ipcSenderAllowed(senderUrl: string | undefined, appOrigin: string): boolean {
  return senderUrl !== undefined && isAppUrl(senderUrl, appOrigin);
}

/**
 * The dashboard's Content-Security-Policy, enforced by the shell on top of whatever the server sends: scripts only
 * from the app origin (no inline, no eval), network only to the app origin, nothing framed, no plugins.
 * Inline style attributes stay allowed (React sets style props; they cannot run code).
 */
export function dashboardCsp(): string {
  return [
    `default-src 'self'`,
    `script-src 'self'`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data:`,
    `font-src 'self' data:`,
    `connect-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
    `frame-src 'none'`,
    `worker-src 'self'`,
  ].join('; ');
}

/** Permissions (camera, notifications, geolocation, …) the dashboard may get: none, except the clipboard write used by "copy" buttons. */
export function permissionAllowed(permission: string, requestingUrl: string, appOrigin: string): boolean {
  return isAppUrl(requestingUrl, appOrigin) && (permission === 'clipboard-sanitized-write' || permission === 'clipboard-write');
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

export type CloseDecision = 'hide' | 'quit' | 'close';

/**
 * The window's close button: while the app is quitting the window really closes; otherwise it hides to the tray,
 * unless the user turned "keep running in tray" off (then closing the window quits the app). Without a tray
 * (some Linux desktops have none) hiding would strand the app, so it quits.
 */
export function closeDecision(opts: { quitting: boolean; keepRunningInTray: boolean; trayAvailable: boolean }): CloseDecision {
  if (opts.quitting) return 'close';
  if (opts.keepRunningInTray && opts.trayAvailable) return 'hide';
  return 'quit';
}
