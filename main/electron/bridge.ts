/** The main-process side of the preload bridge (main/contract/bridge.ts): each handler checks its caller first. */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { BRIDGE_CHANNELS, type AppInfo, type ControlState, type SetPortResult } from '../contract/bridge.ts';
import { ipcSenderAllowed } from '../shell/window-rules.ts';
import { log } from '../log.ts';
import { openExternal } from './open-external.ts';

export interface BridgeDeps {
  /** 'ready' (URL + token) only once our own server listens; see ControlState. */
  control: () => ControlState;
  setGatewayPort: (port: number) => SetPortResult;
  relaunch: () => void;
  /** Whether a folder is a project's or a chat workspace: the only folders openFolder opens. */
  openableFolder: (folder: string) => boolean;
}

export function registerBridge(deps: BridgeDeps): void {
  // Only the app's own page (its private scheme), never a page on the gateway's port or anywhere else.
  const allowed = (e: IpcMainInvokeEvent): boolean => {
    const ok = ipcSenderAllowed(e.senderFrame?.url);
    if (!ok) log.warn(`bridge call refused from ${e.senderFrame?.url ?? 'a destroyed frame'}`);
    return ok;
  };
  ipcMain.handle(BRIDGE_CHANNELS.control, (e): ControlState => {
    if (!allowed(e)) throw new Error('not allowed');
    return deps.control();
  });
  ipcMain.handle(BRIDGE_CHANNELS.openExternal, async (e, url: unknown): Promise<boolean> => {
    if (!allowed(e) || typeof url !== 'string') return false;
    return openExternal(url);
  });
  ipcMain.handle(BRIDGE_CHANNELS.appInfo, (e): AppInfo => {
    if (!allowed(e)) throw new Error('not allowed');
    return { version: app.getVersion(), platform: process.platform, electron: process.versions.electron ?? '' };
  });
  ipcMain.handle(BRIDGE_CHANNELS.setGatewayPort, (e, port: unknown): SetPortResult => {
    if (!allowed(e)) throw new Error('not allowed');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, message: 'A port is a whole number from 1 to 65535.' };
    return deps.setGatewayPort(port);
  });
  ipcMain.handle(BRIDGE_CHANNELS.relaunch, (e): void => {
    if (!allowed(e)) throw new Error('not allowed');
    deps.relaunch();
  });
  ipcMain.handle(BRIDGE_CHANNELS.pickFolder, async (e): Promise<string | null> => {
    if (!allowed(e)) throw new Error('not allowed');
    const win = BrowserWindow.fromWebContents(e.sender);
    const opts = { title: 'Project folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  // shell.openPath, never openExternal (see open-external.ts), and only for folders the app itself placed runs in.
  ipcMain.handle(BRIDGE_CHANNELS.openFolder, async (e, folder: unknown): Promise<boolean> => {
    if (!allowed(e) || typeof folder !== 'string' || !path.isAbsolute(folder)) return false;
    const normal = path.normalize(folder);
    if (!deps.openableFolder(normal)) {
      log.warn(`bridge: refused to open ${normal} (not a project or chat workspace folder)`);
      return false;
    }
    return (await shell.openPath(normal)) === '';
  });
}
