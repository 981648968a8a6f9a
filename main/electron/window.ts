/**
 * The dashboard window. It shows the dashboard served by the control API on loopback; the rules for what it may load
 * and open are the pure functions of main/shell/window-rules.ts, applied here to Electron's events.
 */
import { BrowserWindow, session, shell } from 'electron';
import {
  closeDecision,
  dashboardCsp,
  dashboardUrl,
  isAppUrl,
  navigationDecision,
  originOf,
  permissionAllowed,
  secureWebPreferences,
  windowOpenDecision,
} from '../shell/window-rules.ts';
import { PRODUCT_NAME } from '../shell/tray-model.ts';
import { log } from '../log.ts';
import { PRELOAD_PATH } from './paths.ts';

export interface DashboardWindowDeps {
  controlUrl: () => string;
  quitting: () => boolean;
  keepRunningInTray: () => boolean;
  requestQuit: () => void;
  icon: string;
}

/** Shown while the control API cannot be reached (gateway stopped or failed): static, no script. */
function offlinePage(reason: string): string {
  const esc = reason.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`
    + `<title>${PRODUCT_NAME}</title><style>body{font:15px system-ui,sans-serif;background:#14171e;color:#e6e6e6;display:grid;place-items:center;height:100vh;margin:0}`
    + `main{max-width:32em;text-align:center}h1{font-size:18px}p{color:#9aa4b2}</style></head><body><main><h1>The dashboard is not reachable</h1>`
    + `<p>${esc}</p><p>Start the gateway from the tray menu; this window reloads by itself.</p></main></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

export class DashboardWindow {
  private win: BrowserWindow | null = null;
  private offline = false;

  constructor(private readonly deps: DashboardWindowDeps) {
    this.installSessionRules();
  }

  private appOrigin(): string {
    return originOf(this.deps.controlUrl()) ?? 'null';
  }

  /** CSP and permissions apply to the whole default session, so every page the window could show is covered. */
  private installSessionRules(): void {
    const ses = session.defaultSession;
    ses.webRequest.onHeadersReceived((details, callback) => {
      if (!isAppUrl(details.url, this.appOrigin())) return callback({});
      // Added next to the server's own policy, not instead of it: browsers enforce every CSP header they get.
      const headers = { ...details.responseHeaders };
      const key = Object.keys(headers).find((k) => k.toLowerCase() === 'content-security-policy') ?? 'Content-Security-Policy';
      headers[key] = [...(headers[key] ?? []), dashboardCsp()];
      callback({ responseHeaders: headers });
    });
    ses.setPermissionRequestHandler((wc, permission, callback) => callback(permissionAllowed(permission, wc.getURL(), this.appOrigin())));
    ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, this.appOrigin()));
  }

  get window(): BrowserWindow | null {
    return this.win;
  }

  show(): void {
    const win = this.win;
    if (!win) {
      this.create(); // shown on ready-to-show, without a blank flash
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** Loads the dashboard again (after the gateway came back), or shows why it cannot. */
  async reload(): Promise<void> {
    const win = this.win;
    if (!win) return;
    try {
      // no token in the URL: the renderer gets it from the preload bridge (main/contract/bridge.ts)
      await win.loadURL(dashboardUrl(this.deps.controlUrl()));
      this.offline = false;
    } catch (err) {
      this.offline = true;
      const reason = err instanceof Error ? err.message : String(err);
      log.warn(`dashboard not reachable: ${reason}`);
      await win.loadURL(offlinePage(reason)).catch(() => undefined);
    }
  }

  get showingOfflinePage(): boolean {
    return this.offline;
  }

  private create(): BrowserWindow {
    const win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: PRODUCT_NAME,
      icon: this.deps.icon,
      backgroundColor: '#14171e',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(PRELOAD_PATH),
    });
    win.removeMenu();
    const wc = win.webContents;
    wc.setWindowOpenHandler(({ url }) => {
      if (windowOpenDecision(url) === 'external') void shell.openExternal(url);
      return { action: 'deny' };
    });
    const guard = (event: { preventDefault(): void }, url: string) => {
      const decision = navigationDecision(url, this.appOrigin());
      if (decision === 'allow') return;
      event.preventDefault();
      if (decision === 'external') void shell.openExternal(url);
      else log.warn(`blocked navigation to ${url.slice(0, 200)}`);
    };
    wc.on('will-navigate', (e) => guard(e, e.url));
    wc.on('will-redirect', (e) => guard(e, e.url));
    wc.on('will-attach-webview', (e) => e.preventDefault());
    win.on('close', (e) => {
      const decision = closeDecision({ quitting: this.deps.quitting(), keepRunningInTray: this.deps.keepRunningInTray(), trayAvailable: true });
      if (decision === 'close') return;
      e.preventDefault();
      if (decision === 'hide') win.hide();
      else this.deps.requestQuit();
    });
    win.on('closed', () => {
      this.win = null;
    });
    win.once('ready-to-show', () => {
      win.show();
      win.focus();
    });
    this.win = win;
    void this.reload();
    return win;
  }

  destroy(): void {
    this.win?.destroy();
    this.win = null;
  }
}
