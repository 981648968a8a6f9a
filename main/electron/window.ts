/**
 * The dashboard window. It loads the app's own files from its private scheme (never the gateway's port, which
 * another program may hold); the rules for what it may load and open are the pure functions of
 * main/shell/window-rules.ts, applied here to Electron's events.
 */
import { BrowserWindow, session } from 'electron';
import { APP_START_URL } from '../shell/app-protocol.ts';
import { PRODUCT_NAME } from '../shell/tray-model.ts';
import { closeDecision, navigationDecision, permissionAllowed, secureWebPreferences, windowOpenDecision } from '../shell/window-rules.ts';
import { log } from '../log.ts';
import { openExternal } from './open-external.ts';

export interface DashboardWindowDeps {
  quitting: () => boolean;
  keepRunningInTray: () => boolean;
  trayAvailable: () => boolean;
  activeRuns: () => number;
  /** Quit now / ask first (requests are running) — both go through the app's one quit sequence. */
  requestQuit: (opts: { confirm: boolean }) => void;
  icon: string;
  preload: string;
}

export class DashboardWindow {
  private win: BrowserWindow | null = null;

  constructor(private readonly deps: DashboardWindowDeps) {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((wc, permission, callback) => callback(permissionAllowed(permission, wc.getURL())));
    ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin));
  }

  get window(): BrowserWindow | null {
    return this.win;
  }

  /** Shows the window; `page` opens a dashboard route (e.g. 'claude' for the account page). */
  show(page?: string): void {
    const win = this.win;
    if (!win) {
      this.create(page); // shown on ready-to-show, without a blank flash
      return;
    }
    if (page) void win.loadURL(`${APP_START_URL}#/${page}`).catch(() => undefined);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  private create(page?: string): BrowserWindow {
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
      webPreferences: secureWebPreferences(this.deps.preload),
    });
    win.removeMenu();
    const wc = win.webContents;
    wc.setWindowOpenHandler(({ url }) => {
      if (windowOpenDecision(url) === 'external') void openExternal(url);
      return { action: 'deny' };
    });
    const guard = (event: { preventDefault(): void }, url: string): void => {
      const decision = navigationDecision(url);
      if (decision === 'allow') return;
      event.preventDefault();
      if (decision === 'external') void openExternal(url);
      else log.warn(`blocked navigation to ${url.slice(0, 200)}`);
    };
    wc.on('will-navigate', (e) => guard(e, e.url));
    wc.on('will-redirect', (e) => guard(e, e.url));
    wc.on('will-attach-webview', (e) => e.preventDefault());
    win.on('close', (e) => {
      const decision = closeDecision({
        quitting: this.deps.quitting(),
        keepRunningInTray: this.deps.keepRunningInTray(),
        trayAvailable: this.deps.trayAvailable(),
        activeRuns: this.deps.activeRuns(),
      });
      if (decision === 'close') return;
      e.preventDefault();
      if (decision === 'hide') win.hide();
      else this.deps.requestQuit({ confirm: decision === 'confirm-quit' });
    });
    win.on('closed', () => {
      this.win = null;
    });
    win.once('ready-to-show', () => {
      win.show();
      win.focus();
    });
    this.win = win;
    // no token in the URL: the page asks the preload bridge, which answers only once our own server listens
    void win.loadURL(page ? `${APP_START_URL}#/${page}` : APP_START_URL).catch((err: unknown) => log.error(`dashboard page failed to load: ${err instanceof Error ? err.message : String(err)}`));
    return win;
  }

  destroy(): void {
    this.win?.destroy();
    this.win = null;
  }
}
