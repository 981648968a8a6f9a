/** "Start at login", per platform (strategy chosen by main/shell/autostart.ts). */
import { app } from 'electron';
import {
  HIDDEN_FLAG,
  autostartCommand,
  autostartDir,
  autostartEntry,
  isAutostartEnabled,
  loginItemStrategy,
  setAutostart,
  startedHidden,
} from '../shell/autostart.ts';
import { PRODUCT_NAME } from '../shell/tray-model.ts';

const strategy = () => loginItemStrategy(process.platform, app.isPackaged);

export function startAtLoginSupported(): boolean {
  return strategy() !== 'unsupported';
}

export function startAtLogin(): boolean {
  switch (strategy()) {
    case 'electron':
      return app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin;
    case 'xdg':
      return isAutostartEnabled(autostartDir());
    case 'unsupported':
      return false;
  }
}

export function setStartAtLogin(enabled: boolean): void {
  switch (strategy()) {
    case 'electron':
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
      return;
    case 'xdg': {
      const command = autostartCommand({ execPath: process.execPath, ...(process.env.APPIMAGE ? { appImage: process.env.APPIMAGE } : {}) });
      setAutostart(autostartDir(), enabled, autostartEntry({ name: PRODUCT_NAME, command, comment: 'Start Claude Code Gateway in the tray' }));
      return;
    }
    case 'unsupported':
      return;
  }
}

/** Started by the login hook: come up in the tray only. */
export function launchedHidden(): boolean {
  if (startedHidden(process.argv)) return true;
  return process.platform === 'darwin' && app.isPackaged && app.getLoginItemSettings().wasOpenedAtLogin;
}
