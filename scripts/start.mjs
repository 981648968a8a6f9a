#!/usr/bin/env node
// `npm start`: builds when dist/ is missing or older than the sources, then launches the Electron app when this
// machine can (an Electron binary and, on Linux, a display); otherwise runs the headless entry and says why.
//   npm start                 Electron if possible, else headless
//   CCG_HEADLESS=1 npm start  always headless
//   npm start -- --hidden     Electron starts in the tray without opening its window
// ELECTRON_OVERRIDE_DIST_PATH points at an existing Electron build (as the electron package itself honours).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const passthrough = process.argv.slice(2);
const HEADLESS_ENTRY = path.join(root, 'dist/main/headless.js');
const LAUNCH_HELPERS = path.join(root, 'dist/main/shell/electron-binary.js');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!fs.existsSync(HEADLESS_ENTRY) || !fs.existsSync(LAUNCH_HELPERS)) return true;
  const built = fs.statSync(HEADLESS_ENTRY).mtimeMs;
  return ['main', 'preload', 'renderer'].some((d) => newestMtime(path.join(root, d)) > built);
}

if (needsBuild()) {
  console.log('[start] building…');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Runs a child in the foreground: signals go to it, its exit code becomes ours. */
function foreground(command, args, env = process.env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (sig) => () => child.kill(sig);
  const handlers = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => [sig, forward(sig)]);
  for (const [sig, h] of handlers) process.on(sig, h);
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: null, error: err }));
    child.on('exit', (code, signal) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve({ code: code ?? (signal ? 128 : 1), error: null });
    });
  });
}

function runHeadless(reason) {
  console.log(`[start] ${reason} — running headless`);
  return foreground(process.execPath, [HEADLESS_ENTRY, ...passthrough]);
}

const { findElectronBinary, launchPlan } = await import(pathToFileURL(LAUNCH_HELPERS).href);
let binary;
try {
  binary = findElectronBinary({ projectDir: root, allowDownload: true, downloadTimeoutMs: 90_000 });
} catch (err) {
  binary = { ok: false, reason: `Electron binary not available (${err instanceof Error ? err.message : err})` };
}
const plan = launchPlan({
  binary,
  env: process.env,
  platform: process.platform,
  uid: typeof process.getuid === 'function' ? process.getuid() : null,
  mainScript: root,
  extraArgs: passthrough,
});

let result;
if (plan.mode === 'headless') {
  result = await runHeadless(plan.reason);
} else {
  console.log(`[start] launching Electron (${plan.binary})`);
  const started = Date.now();
  result = await foreground(plan.binary, plan.args);
  // A binary that cannot run here (missing shared libraries, wrong architecture) fails at once: fall back.
  // (78 = invalid configuration, already reported; headless would fail the same way.)
  if (result.error || (result.code !== 0 && result.code !== 78 && Date.now() - started < 5_000)) {
    const why = result.error ? result.error.message : `exit code ${result.code}`;
    result = await runHeadless(`Electron failed to start (${why})`);
  }
}
process.exit(result.code ?? 1);
