/**
 * The preload bridge: the only thing the dashboard renderer gets from Electron. It is deliberately tiny — where the
 * control API lives and its admin token, opening a link in the system browser, and who/where the app is. Everything
 * else the renderer does goes through the control API over HTTP, exactly as it does in a browser in headless mode.
 *
 * Shared by main/electron (handlers), preload (exposes it) and renderer (reads `window[BRIDGE_GLOBAL]`).
 * No Node or Electron types here: the renderer compiles this file too.
 */

/** Name under which preload exposes the bridge on `window`. */
export const BRIDGE_GLOBAL = 'ccg' as const;

/** IPC channel names (renderer → main, all `invoke`/`handle`). */
export const BRIDGE_CHANNELS = {
  control: 'ccg:control',
  openExternal: 'ccg:open-external',
  appInfo: 'ccg:app-info',
  setGatewayPort: 'ccg:set-gateway-port',
  relaunch: 'ccg:relaunch',
  pickFolder: 'ccg:pick-folder',
  openFolder: 'ccg:open-folder',
} as const;

export interface ControlEndpoint {
  /** Base URL of the control API, e.g. `http://127.0.0.1:43121` (no trailing slash). */
  url: string;
  /** Bearer token the control API requires (`Authorization: Bearer <token>`). */
  token: string;
}

/**
 * Where the control API stands. The URL and token are handed over only once this process's own server listens, with
 * the port it really bound: before that there is nothing of ours to talk to, and a port held by another program
 * must never receive the token.
 */
export type ControlState =
  | ({ state: 'ready' } & ControlEndpoint)
  | { state: 'starting' }
  | {
      state: 'unavailable';
      /** For people: "Port 8000 is in use by pid 4242 (python3)." */
      reason: string;
      /** The port that could not be bound, when that is the problem (the page then offers another one). */
      port: number | null;
      /** Who holds it, when the OS says ("pid 4242 (python3)"). */
      holder: string | null;
    };

export type SetPortResult = { ok: true; port: number; file: string; restartRequired: true } | { ok: false; message: string };

export interface AppInfo {
  /** The app's own version (package.json). */
  version: string;
  /** `process.platform` of the main process: 'linux' | 'darwin' | 'win32' | … */
  platform: string;
  /** Electron's version, so a bug report can name it. */
  electron: string;
}

export interface GatewayBridge {
  getControl(): Promise<ControlState>;
  /** Opens an http(s) URL in the system browser; resolves false when the URL was refused. */
  openExternal(url: string): Promise<boolean>;
  getAppInfo(): Promise<AppInfo>;
  /** Saves GATEWAY_PORT in the config file (applied on restart): the way out when the port is taken. */
  setGatewayPort(port: number): Promise<SetPortResult>;
  /** Restarts the app (after a saved port change). */
  relaunch(): Promise<void>;
  /** The system's folder picker (adding a project); null when cancelled. */
  pickFolder(): Promise<string | null>;
  /** Opens a project's folder or a chat workspace in the file manager; false for any other path. */
  openFolder(folder: string): Promise<boolean>;
}

/** What the renderer can read off `window` (absent in a plain browser, i.e. headless mode). */
export type BridgeHost = { readonly [BRIDGE_GLOBAL]?: GatewayBridge };
