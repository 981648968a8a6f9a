/**
 * The shell's own preferences (not gateway config): they only change how the desktop app behaves, so they live in
 * DATA_DIR/shell.json beside the config instead of in the config schema. A missing or broken file means defaults.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../json-file.ts';

export const shellPrefsSchema = z.object({
  /** Closing the window hides it to the tray (true) or quits the app (false). */
  keepRunningInTray: z.boolean().default(true),
  /** Open the dashboard window when the app starts (not when started at login, which starts in the tray). */
  showWindowOnStart: z.boolean().default(true),
  /** The "no system tray: the app runs as a window" notice was shown (it is said once). */
  noTrayNoticeShown: z.boolean().default(false),
});

export type ShellPrefs = z.output<typeof shellPrefsSchema>;

export function prefsFile(dataDir: string): string {
  return path.join(dataDir, 'shell.json');
}

export function readPrefs(dataDir: string): ShellPrefs {
  try {
    const parsed = shellPrefsSchema.safeParse(JSON.parse(fs.readFileSync(prefsFile(dataDir), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or not JSON: defaults
  }
  return shellPrefsSchema.parse({});
}

/** Writes atomically (temp file + rename) so a crash never leaves half a file. */
export function writePrefs(dataDir: string, prefs: ShellPrefs): void {
  const file = prefsFile(dataDir);
  writeJsonAtomic(file, shellPrefsSchema.parse(prefs), { mode: 0o644 });
}
