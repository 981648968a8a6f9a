/**
 * Claude Code opens its sign-in page by running `$BROWSER <url>`. During a sign-in the app drives, BROWSER is a tiny
 * script that only writes that URL into a private folder: nothing opens behind the app's back, and the app opens
 * the page through its own safe opener. The URL it gets this way is the one whose page sends the browser back to
 * Claude Code's listener on 127.0.0.1 — no code to copy (the printed link always ends on a page showing a code).
 *
 * POSIX only (a `sh` script); on Windows there is no recorder and the printed link is used.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSignInUrl } from './login-output.ts';

const SCRIPT = `#!/bin/sh
# Claude Code Gateway: a sign-in page Claude Code wants opened is handed to the app, which opens it itself.
d=$(dirname "$0")
printf '%s\\n' "$1" > "$d/url.part" && mv "$d/url.part" "$d/url"
`;

export interface BrowserRecorder {
  /** What goes into the login process's environment. */
  readonly env: { BROWSER: string };
  /** The URL once recorded (https sign-in pages only; anything else is ignored). */
  onUrl(cb: (url: string) => void): void;
  /** Stops watching and removes the folder. */
  close(): void;
}

export function createBrowserRecorder(): BrowserRecorder | null {
  if (process.platform === 'win32') return null;
  // mkdtemp makes the folder 0700: no other user can plant a URL in it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-browser-'));
  const script = path.join(dir, 'open-url');
  fs.writeFileSync(script, SCRIPT, { mode: 0o700 });
  const file = path.join(dir, 'url');
  const listeners: Array<(url: string) => void> = [];
  let seen: string | null = null;
  const check = (): void => {
    if (seen !== null) return;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch {
      return; // not written yet
    }
    if (!isSignInUrl(text)) return;
    seen = text;
    for (const cb of listeners) cb(text);
  };
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(dir, () => check());
    watcher.on('error', () => undefined);
  } catch {
    watcher = null; // no watching here: the printed link is used
  }
  return {
    env: { BROWSER: script },
    onUrl(cb) {
      listeners.push(cb);
      if (seen !== null) cb(seen);
      else check();
    },
    close() {
      watcher?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
