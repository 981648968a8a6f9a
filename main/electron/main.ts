/**
 * Electron entry: everything is in desktop.ts (importable by tests with a stand-in `electron`). Started with the file
 * guard's flag, the binary is Claude Code's PreToolUse hook instead (policy/file-guard.ts) and never starts the app.
 */
import { app, dialog } from 'electron';
import { log } from '../log.ts';
import { FILE_GUARD_FLAG, runFileGuard } from '../policy/file-guard.ts';
import { PRODUCT_NAME } from '../shell/tray-model.ts';

const guardAt = process.argv.indexOf(FILE_GUARD_FLAG);
if (guardAt >= 0) {
  runFileGuard(process.argv.slice(guardAt + 1));
} else {
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}`));
  void import('./desktop.ts')
    .then(({ startDesktop }) => startDesktop())
    .catch((err: unknown) => {
      log.error(`fatal: ${err instanceof Error ? err.stack : String(err)}`);
      dialog.showErrorBox(PRODUCT_NAME, err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}
