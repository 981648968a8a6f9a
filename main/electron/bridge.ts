/** The main-process side of the preload bridge (main/contract/bridge.ts): three handlers, each checking its caller. */
import { app, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { BRIDGE_CHANNELS, type AppInfo, type ControlEndpoint } from '../contract/bridge.ts';
import { ipcSenderAllowed, isSafeExternalUrl, originOf } from '../shell/window-rules.ts';
import { log } from '../log.ts';

export function registerBridge(deps: { controlUrl: () => string; adminToken: () => string }): void {
  const allowed = (e: IpcMainInvokeEvent) => {
    const ok = ipcSenderAllowed(e.senderFrame?.url, originOf(deps.controlUrl()) ?? 'null');
    if (!ok) log.warn(`bridge call refused from ${e.senderFrame?.url ?? 'a destroyed frame'}`);
    return ok;
  };
  ipcMain.handle(BRIDGE_CHANNELS.control, (e): ControlEndpoint => {
    if (!allowed(e)) throw new Error('not allowed');
    return { url: deps.controlUrl(), token: deps.adminToken() };
  });
  ipcMain.handle(BRIDGE_CHANNELS.openExternal, async (e, url: unknown): Promise<boolean> => {
    if (!allowed(e) || typeof url !== 'string' || !isSafeExternalUrl(url)) return false;
    await shell.openExternal(url);
    return true;
  });
  ipcMain.handle(BRIDGE_CHANNELS.appInfo, (e): AppInfo => {
    if (!allowed(e)) throw new Error('not allowed');
    return { version: app.getVersion(), platform: process.platform, electron: process.versions.electron ?? '' };
  });
}
