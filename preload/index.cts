/**
 * Preload for the dashboard window (sandboxed: plain CommonJS, only `require('electron')` available, so nothing but
 * types may be imported from the contract). Exposes exactly the GatewayBridge of main/contract/bridge.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { AppInfo, BRIDGE_CHANNELS, BRIDGE_GLOBAL, ControlState, GatewayBridge, SetPortResult } from '../main/contract/bridge.ts';

// Duplicated from the contract (a sandboxed preload cannot load it); the type annotations fail the build on drift.
const CHANNELS: typeof BRIDGE_CHANNELS = {
  control: 'ccg:control',
  openExternal: 'ccg:open-external',
  appInfo: 'ccg:app-info',
  setGatewayPort: 'ccg:set-gateway-port',
  relaunch: 'ccg:relaunch',
  pickFolder: 'ccg:pick-folder',
  openFolder: 'ccg:open-folder',
};
const GLOBAL: typeof BRIDGE_GLOBAL = 'ccg';

const bridge: GatewayBridge = {
  getControl: () => ipcRenderer.invoke(CHANNELS.control) as Promise<ControlState>,
  openExternal: (url: string) => ipcRenderer.invoke(CHANNELS.openExternal, String(url)) as Promise<boolean>,
  getAppInfo: () => ipcRenderer.invoke(CHANNELS.appInfo) as Promise<AppInfo>,
  setGatewayPort: (port: number) => ipcRenderer.invoke(CHANNELS.setGatewayPort, Number(port)) as Promise<SetPortResult>,
  relaunch: () => ipcRenderer.invoke(CHANNELS.relaunch) as Promise<void>,
  pickFolder: () => ipcRenderer.invoke(CHANNELS.pickFolder) as Promise<string | null>,
  openFolder: (folder: string) => ipcRenderer.invoke(CHANNELS.openFolder, String(folder)) as Promise<boolean>,
};

contextBridge.exposeInMainWorld(GLOBAL, Object.freeze(bridge));
