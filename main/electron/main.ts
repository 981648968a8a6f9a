/** Electron entry: everything is in desktop.ts (importable by tests with a stand-in `electron`). */
import { app, dialog } from 'electron';
import { log } from '../log.ts';
import { PRODUCT_NAME } from '../shell/tray-model.ts';
import { startDesktop } from './desktop.ts';

process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}`));
void startDesktop().catch((err: unknown) => {
  log.error(`fatal: ${err instanceof Error ? err.stack : String(err)}`);
  dialog.showErrorBox(PRODUCT_NAME, err instanceof Error ? err.message : String(err));
  app.exit(1);
});
