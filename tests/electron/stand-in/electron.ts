/**
 * A stand-in for the `electron` module in tests: records every call the main process makes and lets a test play the
 * events Electron would send (ready, second-instance, window close, IPC from a given frame, tray clicks). It checks
 * our wiring, not Electron. Only what main/electron/ uses is here; `standIn` is the test's handle on it.
 */
import { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => unknown;

export interface Call {
  what: string;
  args: unknown[];
  /** Whether app.whenReady() had resolved when the call was made. */
  afterReady: boolean;
}

class Recorder {
  calls: Call[] = [];
  ready = false;
  record(what: string, ...args: unknown[]): void {
    this.calls.push({ what, args, afterReady: this.ready });
  }
  named(what: string): Call[] {
    return this.calls.filter((c) => c.what === what);
  }
}

const rec = new Recorder();
let resolveReady: () => void = () => undefined;
let readyPromise = new Promise<void>((r) => (resolveReady = r));

class App extends EventEmitter {
  isPackaged = false;
  singleInstance = true;
  exitCode: number | null = null;
  private paths = new Map<string, string>();
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    rec.record(`app.on:${String(event)}`);
    return super.on(event, listener);
  }
  whenReady(): Promise<void> {
    return readyPromise;
  }
  isReady(): boolean {
    return rec.ready;
  }
  setName(name: string): void {
    rec.record('app.setName', name);
  }
  setAppUserModelId(id: string): void {
    rec.record('app.setAppUserModelId', id);
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }
  getPath(name: string): string {
    return this.paths.get(name) ?? `/tmp/${name}`;
  }
  requestSingleInstanceLock(): boolean {
    rec.record('app.requestSingleInstanceLock');
    return this.singleInstance;
  }
  exit(code = 0): void {
    rec.record('app.exit', code);
    this.exitCode = code;
  }
  quit(): void {
    rec.record('app.quit');
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', e);
  }
  relaunch(): void {
    rec.record('app.relaunch');
  }
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
  setLoginItemSettings(s: unknown): void {
    rec.record('app.setLoginItemSettings', s);
  }
}

export const app = new App();

class WebContents extends EventEmitter {
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  url = '';
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  getURL(): string {
    return this.url;
  }
}

export class BrowserWindow extends EventEmitter {
  static all: BrowserWindow[] = [];
  static fromWebContents(wc: unknown): BrowserWindow | null {
    return BrowserWindow.all.find((w) => w.webContents === wc) ?? null;
  }
  readonly webContents = new WebContents();
  visible = false;
  destroyed = false;
  loaded: string[] = [];
  constructor(readonly options: Record<string, unknown>) {
    super();
    rec.record('BrowserWindow.new', options);
    BrowserWindow.all.push(this);
  }
  removeMenu(): void {}
  async loadURL(url: string): Promise<void> {
    rec.record('BrowserWindow.loadURL', url);
    this.loaded.push(url);
    this.webContents.url = url;
    setImmediate(() => this.emit('ready-to-show'));
  }
  show(): void {
    this.visible = true;
    rec.record('BrowserWindow.show');
  }
  hide(): void {
    this.visible = false;
    rec.record('BrowserWindow.hide');
  }
  focus(): void {}
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  destroy(): void {
    this.destroyed = true;
    this.emit('closed');
  }
  /** Plays the user's click on the close button; true when the app let the window close. */
  userClose(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    return !prevented;
  }
}

export class Tray extends EventEmitter {
  static all: Tray[] = [];
  image: unknown;
  tooltip = '';
  menu: { template: unknown[] } | null = null;
  menuBuilds = 0;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    rec.record('Tray.new', image);
    Tray.all.push(this);
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(menu: { template: unknown[] }): void {
    this.menu = menu;
    this.menuBuilds++;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export const Menu = {
  buildFromTemplate(template: unknown[]): { template: unknown[] } {
    return { template };
  },
};

export const nativeImage = {
  createFromPath(p: string): { path: string } {
    return { path: p };
  },
};

export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle(channel: string, h: Handler): void {
    rec.record('ipcMain.handle', channel);
    this.handlers.set(channel, h);
  },
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    rec.record('shell.openExternal', url);
  },
  async openPath(p: string): Promise<string> {
    rec.record('shell.openPath', p);
    return '';
  },
};

export const dialog = {
  showErrorBox(title: string, content: string): void {
    rec.record('dialog.showErrorBox', title, content);
  },
  nextResponse: 0,
  async showMessageBox(opts: unknown): Promise<{ response: number }> {
    rec.record('dialog.showMessageBox', opts);
    return { response: this.nextResponse };
  },
  /** What the next folder picker returns (null: cancelled). */
  nextFolder: null as string | null,
  async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    rec.record('dialog.showOpenDialog', args.at(-1));
    return this.nextFolder === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [this.nextFolder] };
  },
};

export const clipboard = {
  text: '',
  writeText(t: string): void {
    this.text = t;
  },
};

export class Notification extends EventEmitter {
  /** Every notification shown since the last reset, so a test can click one. */
  static shown: Notification[] = [];
  closed = false;
  static isSupported(): boolean {
    return true;
  }
  constructor(readonly opts: { title: string; body: string }) {
    super();
  }
  show(): void {
    rec.record('Notification.show', this.opts.body);
    Notification.shown.push(this);
  }
  close(): void {
    this.closed = true;
  }
  /** What a click on the OS notification does. */
  click(): void {
    this.emit('click');
  }
}

export const session = {
  defaultSession: {
    permissionRequest: null as null | ((wc: { getURL(): string }, permission: string, cb: (ok: boolean) => void) => void),
    permissionCheck: null as null | ((wc: unknown, permission: string, origin: string) => boolean),
    setPermissionRequestHandler(h: (wc: { getURL(): string }, permission: string, cb: (ok: boolean) => void) => void): void {
      this.permissionRequest = h;
    },
    setPermissionCheckHandler(h: (wc: unknown, permission: string, origin: string) => boolean): void {
      this.permissionCheck = h;
    },
    webRequest: { onHeadersReceived(): void {} },
  },
};

export const protocol = {
  handlers: new Map<string, (req: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: unknown): void {
    rec.record('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme: string, h: (req: Request) => Promise<Response>): void {
    rec.record('protocol.handle', scheme);
    this.handlers.set(scheme, h);
  },
};

/** A keychain-backed store in the real thing; here a reversible scramble, so a test can tell it was used. */
export const safeStorage = {
  available: true,
  isEncryptionAvailable(): boolean {
    return this.available;
  },
  getSelectedStorageBackend(): string {
    return 'gnome_libsecret';
  },
  encryptString(plain: string): Buffer {
    return Buffer.from(`stand-in-sealed:${Buffer.from(plain, 'utf8').toString('base64')}`, 'utf8');
  },
  decryptString(data: Buffer): string {
    const text = data.toString('utf8');
    if (!text.startsWith('stand-in-sealed:')) throw new Error('not sealed by this box');
    return Buffer.from(text.slice('stand-in-sealed:'.length), 'base64').toString('utf8');
  },
};

/** The test's handle: recorded calls, and the events only Electron could send. */
export const standIn = {
  rec,
  /** Electron finished starting: app.whenReady() resolves. */
  ready(): void {
    rec.ready = true;
    resolveReady();
  },
  /** Calls an IPC handler as the frame at `senderUrl` would (the preload's invoke). */
  async invoke(channel: string, senderUrl: string, ...args: unknown[]): Promise<unknown> {
    const h = ipcMain.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: { url: senderUrl } }, ...args);
  },
  /** A fresh Electron for the next scenario (same module instance). */
  reset(): void {
    rec.calls = [];
    rec.ready = false;
    readyPromise = new Promise<void>((r) => (resolveReady = r));
    app.removeAllListeners();
    app.exitCode = null;
    app.singleInstance = true;
    BrowserWindow.all = [];
    Tray.all = [];
    Notification.shown = [];
    ipcMain.handlers.clear();
    protocol.handlers.clear();
    dialog.nextResponse = 0;
  },
};

export default { app, BrowserWindow, Tray, Menu, nativeImage, ipcMain, shell, dialog, clipboard, Notification, session, protocol, safeStorage };
