/**
 * What the Electron main process exposes to an end-to-end test (Playwright's electronApp.evaluate) when started with
 * CCG_E2E=1: the tray's current model and a way to click its items. Never installed otherwise.
 */
import type { TrayAction, TrayModel } from './tray-model.ts';

export const TEST_HOOKS_GLOBAL = '__ccgShell' as const;

export interface ShellTestHooks {
  trayModel(): TrayModel | null;
  dispatch(action: TrayAction): Promise<void>;
  gatewayUrl(): string;
  controlUrl(): string;
}

export type TestHooksHost = { [TEST_HOOKS_GLOBAL]?: ShellTestHooks };
