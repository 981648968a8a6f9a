import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  displayAvailable,
  downloadFailureReason,
  electronSwitches,
  findElectronBinary,
  launchPlan,
  platformExecutable,
} from '../../main/shell/electron-binary.ts';

const root = process.cwd();

/** A throwaway project whose node_modules/electron looks like an installed package, optionally with a binary. */
function fakeProject(opts: { pathTxt?: string; binary?: boolean }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-electron-'));
  const pkg = path.join(dir, 'node_modules', 'electron');
  fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '0.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(pkg, 'index.js'), "throw new Error('fetch failed')\n");
  if (opts.pathTxt) fs.writeFileSync(path.join(pkg, 'path.txt'), opts.pathTxt);
  if (opts.binary) fs.writeFileSync(path.join(pkg, 'dist', opts.pathTxt ?? 'electron'), '#!/bin/sh\n', { mode: 0o755 });
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('finds an installed binary through path.txt', (t) => {
  const p = fakeProject({ pathTxt: 'electron', binary: true });
  t.after(p.cleanup);
  const r = findElectronBinary({ projectDir: p.dir, env: {}, platform: 'linux' });
  assert.deepEqual(r, { ok: true, path: path.join(p.dir, 'node_modules/electron/dist/electron'), source: 'installed' });
});

test('no binary, no download asked: says so without running the package resolver', (t) => {
  const p = fakeProject({});
  t.after(p.cleanup);
  assert.deepEqual(findElectronBinary({ projectDir: p.dir, env: {}, platform: 'linux' }), { ok: false, reason: 'Electron binary not installed' });
});

test('the package resolver failing to download becomes one readable reason', (t) => {
  const p = fakeProject({});
  t.after(p.cleanup);
  const r = findElectronBinary({ projectDir: p.dir, env: {}, platform: 'linux', allowDownload: true });
  assert.deepEqual(r, { ok: false, reason: 'Electron binary not available (download refused)' });
});

test('ELECTRON_OVERRIDE_DIST_PATH wins, and must hold the binary', (t) => {
  const p = fakeProject({ pathTxt: 'electron', binary: true });
  const over = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-override-'));
  t.after(() => { p.cleanup(); fs.rmSync(over, { recursive: true, force: true }); });
  const missing = findElectronBinary({ projectDir: p.dir, env: { ELECTRON_OVERRIDE_DIST_PATH: over }, platform: 'linux' });
  assert.equal(missing.ok, false);
  assert.match(!missing.ok ? missing.reason : '', /ELECTRON_OVERRIDE_DIST_PATH/);
  fs.writeFileSync(path.join(over, 'electron'), '');
  assert.deepEqual(findElectronBinary({ projectDir: p.dir, env: { ELECTRON_OVERRIDE_DIST_PATH: over }, platform: 'linux' }), {
    ok: true, path: path.join(over, 'electron'), source: 'override',
  });
});

test('in this repo: either a real binary is found or the reason is given (never a throw)', () => {
  const r = findElectronBinary({ projectDir: root, env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' } });
  if (r.ok) assert.ok(fs.statSync(r.path).isFile());
  else assert.match(r.reason, /Electron binary not (installed|available)/);
});

test('platform executables and failure reasons', () => {
  assert.equal(platformExecutable('linux'), 'electron');
  assert.equal(platformExecutable('win32'), 'electron.exe');
  assert.equal(platformExecutable('darwin'), 'Electron.app/Contents/MacOS/Electron');
  assert.equal(downloadFailureReason('TypeError: fetch failed'), 'Electron binary not available (download refused)');
  assert.equal(downloadFailureReason('', new Error('spawnSync node ETIMEDOUT')), 'Electron binary not available (download timed out)');
  assert.equal(downloadFailureReason('checksum mismatch'), 'Electron binary not available (download failed)');
});

test('display: Linux needs DISPLAY or WAYLAND_DISPLAY; macOS/Windows always have one', () => {
  assert.deepEqual(displayAvailable({}, 'linux'), { ok: false, reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' });
  assert.deepEqual(displayAvailable({ DISPLAY: ':99' }, 'linux'), { ok: true });
  assert.deepEqual(displayAvailable({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), { ok: true });
  assert.deepEqual(displayAvailable({}, 'darwin'), { ok: true });
});

test('launch plan: Electron when binary and display exist, otherwise headless with the reason', () => {
  const bin = { ok: true as const, path: '/x/electron', source: 'installed' as const };
  assert.deepEqual(launchPlan({ binary: bin, env: { DISPLAY: ':0' }, platform: 'linux', uid: 1000, mainScript: 'dist/main/electron/main.js' }), {
    mode: 'electron', binary: '/x/electron', args: ['dist/main/electron/main.js'],
  });
  assert.deepEqual(launchPlan({ binary: bin, env: { DISPLAY: ':0' }, platform: 'linux', uid: 0, mainScript: 'm.js', extraArgs: ['--hidden'] }), {
    mode: 'electron', binary: '/x/electron', args: ['--no-sandbox', 'm.js', '--hidden'],
  });
  assert.deepEqual(launchPlan({ binary: { ok: false, reason: 'Electron binary not available (download refused)' }, env: { DISPLAY: ':0' }, platform: 'linux', uid: 0, mainScript: 'm.js' }), {
    mode: 'headless', reason: 'Electron binary not available (download refused)',
  });
  assert.equal(launchPlan({ binary: bin, env: {}, platform: 'linux', uid: 0, mainScript: 'm.js' }).mode, 'headless');
  assert.deepEqual(launchPlan({ binary: bin, env: { DISPLAY: ':0', CCG_HEADLESS: '1' }, platform: 'linux', uid: 0, mainScript: 'm.js' }), { mode: 'headless', reason: 'CCG_HEADLESS is set' });
  assert.deepEqual(electronSwitches({ platform: 'darwin', uid: 0 }), []);
});
