/**
 * Can this machine launch the Electron app, and if not, why? Used by `npm start` (scripts/start.mjs) to choose between
 * Electron and headless mode, and by the Electron end-to-end test to decide whether it can run.
 *
 * The `electron` npm package downloads its binary lazily the first time its path is asked for (`require('electron')`),
 * and on a machine without that download the call throws. So the binary is first looked for where the package would
 * have put it (or where ELECTRON_OVERRIDE_DIST_PATH points) without touching the network; only when asked, the package's
 * own resolver is run in a child process so its download attempt and its noise stay contained.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronBinary = { ok: true; path: string; source: 'override' | 'installed' | 'downloaded' } | { ok: false; reason: string };

/** Executable path inside an Electron dist folder, per platform (what the package writes to its path.txt). */
export function platformExecutable(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

function electronPackageDir(fromDir: string): string | null {
  try {
    const req = createRequire(path.join(fromDir, 'noop.js'));
    return path.dirname(req.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

export interface FindOptions {
  /** Where to resolve the `electron` package from (the project root). */
  projectDir: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Run the package's own resolver (which may download the binary) when none is installed. */
  allowDownload?: boolean;
  downloadTimeoutMs?: number;
}

/** Looks for an Electron binary; never throws. */
export function findElectronBinary(opts: FindOptions): ElectronBinary {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const pkgDir = electronPackageDir(opts.projectDir);
  const pathTxt = pkgDir ? readText(path.join(pkgDir, 'path.txt')) : null;
  const exe = pathTxt ?? platformExecutable(platform);

  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const p = path.join(override, exe);
    return isFile(p) ? { ok: true, path: p, source: 'override' } : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary (${p} missing)` };
  }
  if (!pkgDir) return { ok: false, reason: 'the electron package is not installed' };
  if (pathTxt) {
    const p = path.join(pkgDir, 'dist', pathTxt);
    if (isFile(p)) return { ok: true, path: p, source: 'installed' };
  }
  if (!opts.allowDownload) return { ok: false, reason: 'Electron binary not installed' };

  // The package's own resolver: downloads when it can. Its output is captured, only the gist is reported.
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write('\\n@@' + require('electron'))"], {
    cwd: opts.projectDir,
    env,
    encoding: 'utf8',
    timeout: opts.downloadTimeoutMs ?? 120_000,
  });
  const marker = r.stdout?.lastIndexOf('\n@@') ?? -1;
  if (r.status === 0 && marker >= 0) {
    const p = r.stdout.slice(marker + 3).trim();
    if (isFile(p)) return { ok: true, path: p, source: 'downloaded' };
  }
  return { ok: false, reason: downloadFailureReason(`${r.stdout ?? ''}\n${r.stderr ?? ''}`, r.error) };
}

/** Turns the download's stack traces into one phrase a person can act on. */
export function downloadFailureReason(output: string, error?: Error): string {
  if (error && /ETIMEDOUT|timed out/i.test(error.message)) return 'Electron binary not available (download timed out)';
  if (/fetch failed|ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|403|getaddrinfo|network/i.test(output)) return 'Electron binary not available (download refused)';
  return 'Electron binary not available (download failed)';
}

/** A display Electron can open windows and a tray on. Only Linux (and other X11/Wayland unixes) can lack one. */
export function displayAvailable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): { ok: true } | { ok: false; reason: string } {
  if (platform === 'darwin' || platform === 'win32') return { ok: true };
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { ok: true };
  return { ok: false, reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
}

/**
 * Command-line switches Electron needs here. Chromium refuses to start as root unless its sandbox is off; the
 * renderer's own `sandbox: true` (no Node in preload, no Node in pages) is unaffected by this switch.
 */
export function electronSwitches(opts: { platform: NodeJS.Platform; uid: number | null }): string[] {
  return opts.platform === 'linux' && opts.uid === 0 ? ['--no-sandbox'] : [];
}

export type LaunchPlan = { mode: 'electron'; binary: string; args: string[] } | { mode: 'headless'; reason: string };

/** `npm start`'s decision. */
export function launchPlan(opts: {
  binary: ElectronBinary;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  uid: number | null;
  mainScript: string;
  extraArgs?: string[];
}): LaunchPlan {
  if (opts.env.CCG_HEADLESS === '1' || opts.env.CCG_HEADLESS === 'true') return { mode: 'headless', reason: 'CCG_HEADLESS is set' };
  if (!opts.binary.ok) return { mode: 'headless', reason: opts.binary.reason };
  const display = displayAvailable(opts.env, opts.platform);
  if (!display.ok) return { mode: 'headless', reason: display.reason };
  return { mode: 'electron', binary: opts.binary.path, args: [...electronSwitches(opts), opts.mainScript, ...(opts.extraArgs ?? [])] };
}

function readText(p: string): string | null {
  try {
    return fs.readFileSync(p, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
