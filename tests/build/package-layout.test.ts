/**
 * Packaging for real, up to the point this machine allows: electron-builder packs the app (`--linux dir`) exactly as
 * `npm run dist` would, except that a stand-in replaces the Electron runtime it cannot download here. Then the packed
 * app is checked: the entry point and preload are inside app.asar, every relative import of the packed Electron code
 * resolves inside it, the tray icons are there, and the native Claude Code binary sits unpacked and executable.
 * Built in a throwaway project directory so it never touches dist/ or out/ of the checkout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = process.cwd();
const requireFromBuilder = createRequire(createRequire(path.join(root, 'package.json')).resolve('electron-builder/package.json'));
const asar = requireFromBuilder('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, filename: string): Buffer;
};
const builderCli = requireFromBuilder.resolve('electron-builder/cli.js');

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
}

test('electron-builder packs a complete app (linux dir, stand-in Electron runtime)', { timeout: 300_000 }, (t) => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-package-'));
  t.after(() => fs.rmSync(project, { recursive: true, force: true }));

  // the project as `npm run dist` sees it: package.json + lock, the config, build resources, node_modules, dist/
  for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) fs.copyFileSync(path.join(root, f), path.join(project, f));
  fs.cpSync(path.join(root, 'build'), path.join(project, 'build'), { recursive: true });
  // node_modules as hard links (instant, no copy; `npm ls` must see a real tree, a symlinked one reads as foreign).
  // Files are shared with the checkout, so nothing may be rebuilt in them: npmRebuild=false below.
  const linked = spawnSync('cp', ['-al', fs.realpathSync(path.join(root, 'node_modules')), path.join(project, 'node_modules')]);
  if (linked.status !== 0) {
    // another filesystem: a symlink, and electron-builder's own directory-walking collector instead of `npm ls`
    fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ ...pkg, packageManager: 'traversal@1.0.0' }));
    fs.rmSync(path.join(project, 'package-lock.json'));
  }
  // tsconfig.electron.json covers the Electron entry, the preload and every service they import
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.electron.json'), '--outDir', path.join(project, 'dist')], root);

  const runtime = path.join(project, 'electron-runtime');
  fs.mkdirSync(runtime);
  fs.writeFileSync(path.join(runtime, 'electron'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(runtime, 'LICENSE'), 'stand-in\n');
  run(process.execPath, [builderCli, '--config', 'electron-builder.yml', '--publish', 'never', '--linux', 'dir', `-c.electronDist=${runtime}`, '-c.npmRebuild=false', `-c.directories.output=${path.join(project, 'out')}`], project);

  const appDir = path.join(project, 'out', 'linux-unpacked');
  assert.ok(fs.statSync(path.join(appDir, 'claude-code-gateway')).mode & 0o100, 'executable named per linux.executableName');
  const archive = path.join(appDir, 'resources', 'app.asar');
  const files = new Set(asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/')));

  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string; desktopName: string };
  assert.equal(pkg.main, 'dist/main/electron/main.js');
  assert.equal(pkg.desktopName, 'claude-code-gateway.desktop');
  assert.ok(files.has(`/${pkg.main}`), 'entry point packed');
  assert.ok(files.has('/dist/preload/index.cjs'), 'preload packed');
  for (const s of ['running', 'starting', 'stopped', 'error']) {
    assert.ok(files.has(`/build/tray/tray-${s}.png`) && files.has(`/build/tray/tray-${s}-badge@2x.png`), `tray icons for ${s}`);
  }
  assert.ok(![...files].some((f) => f.endsWith('.map') || f.startsWith('/tests/') || f.startsWith('/main/')), 'no sources or source maps packed');

  // every relative import in the packed Electron code resolves inside the archive
  const electronFiles = [...files].filter((f) => f.startsWith('/dist/main/electron/') && f.endsWith('.js'));
  assert.ok(electronFiles.length >= 5);
  const seen = new Set<string>();
  const queue = [...electronFiles];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = asar.extractFile(archive, file.slice(1)).toString('utf8');
    for (const m of code.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.posix.resolve(path.posix.dirname(file), m[1]);
      assert.ok(files.has(target), `${file} imports ${m[1]} → ${target}, packed`);
      queue.push(target);
    }
  }
  assert.ok(seen.has('/dist/main/services.js'), 'the composition root is reachable from the Electron entry');

  // Claude Code must be spawnable: outside the archive, executable
  const claude = path.join(appDir, 'resources', 'app.asar.unpacked', 'node_modules', '@anthropic-ai', `claude-agent-sdk-${process.platform}-${process.arch}`, 'claude');
  if (fs.existsSync(path.join(root, 'node_modules', '@anthropic-ai', `claude-agent-sdk-${process.platform}-${process.arch}`))) {
    assert.ok(fs.statSync(claude).mode & 0o100, `${claude} unpacked and executable`);
  }
});
