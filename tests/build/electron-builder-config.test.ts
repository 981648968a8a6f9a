/**
 * electron-builder.yml checked by electron-builder's own loader and schema validator (the same code `electron-builder`
 * runs before packaging), plus what the schema cannot know: every icon it names exists at the sizes each platform
 * needs, the tray icons the shell asks for exist, and the entry points it packages are the ones the build produces.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Configuration } from 'electron-builder';
import type { TrayIconName } from '../../main/shell/tray-model.ts';

const root = process.cwd();
// app-builder-lib as electron-builder itself resolves it (same version as the CLI).
const requireFromBuilder = createRequire(createRequire(path.join(root, 'package.json')).resolve('electron-builder/package.json'));
const { getConfig, validateConfiguration } = requireFromBuilder('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: Configuration | null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
};
const builderUtil = requireFromBuilder('builder-util') as {
  DebugLogger: new (enabled?: boolean) => { isEnabled: boolean; add(key: string, value: unknown): void };
  log: { stream: NodeJS.WritableStream };
};
const { DebugLogger } = builderUtil;
// electron-builder logs straight to process.stdout, which node:test uses as its channel to the runner: keep it quiet.
builderUtil.log.stream = new Writable({ write: (_chunk, _enc, done) => done() });

const load = () => getConfig(root, path.join(root, 'electron-builder.yml'), null);

/** Width/height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { w: number; h: number } {
  assert.equal(buf.subarray(1, 4).toString('ascii'), 'PNG', 'is a PNG');
  return { w: buf.readUInt32BE(16), h: buf.readUInt32BE(20) };
}

test('electron-builder accepts the configuration', async () => {
  const config = await load();
  await validateConfiguration(config, new DebugLogger(false));
  assert.equal(config.appId, 'dev.claude-code-gateway.app');
  assert.equal(config.productName, 'Claude Code Gateway');
});

test('the validator really validates: a misplaced option is rejected', async () => {
  const config = await load();
  const broken = { ...config, linux: { ...config.linux, title: 'not a linux option' } } as Configuration;
  await assert.rejects(validateConfiguration(broken, new DebugLogger(false)), /configuration\.linux/);
});

test('targets: Linux AppImage + deb with a tray-capable entry, macOS dmg tray-only, Windows nsis', async () => {
  const c = await load();
  assert.deepEqual(c.linux?.target, ['AppImage', 'deb']);
  assert.equal(c.mac?.target, 'dmg');
  assert.equal(c.win?.target, 'nsis');
  assert.equal(c.mac?.extendInfo?.LSUIElement, true);
  const depends = c.deb?.depends ?? [];
  assert.ok(depends.some((d) => /appindicator3/.test(d)), 'deb pulls an AppIndicator library so the tray shows on GNOME');
  const entry = (c.linux?.desktop as { entry?: Record<string, string> } | undefined)?.entry ?? {};
  assert.equal(entry.StartupWMClass, 'claude-code-gateway');
  assert.equal(c.extraMetadata?.desktopName, `${entry.StartupWMClass}.desktop`);
  assert.equal(c.linux?.executableName, 'claude-code-gateway');
  assert.equal(c.nsis?.oneClick, false);
  assert.equal(c.publish, null);
});

test('packaged entry points are the ones the build emits', async () => {
  const c = await load();
  assert.equal(c.extraMetadata?.main, 'dist/main/electron/main.js');
  // getConfig normalises `files` to [{ filter: [...] }]
  const files = (c.files as Array<string | { filter?: string | string[] }>).flatMap((f) => (typeof f === 'string' ? [f] : [f.filter ?? []].flat()));
  for (const needed of ['package.json', 'dist/main/**/*', 'dist/preload/**/*', 'dist/renderer/**/*', 'build/tray/*.png', 'build/icons/png/256x256.png']) {
    assert.ok(files.includes(needed), `files include ${needed}`);
  }
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.electron.json'), 'utf8')) as { include: string[] };
  assert.ok(tsconfig.include.some((p) => p.startsWith('main/electron')), 'tsconfig.electron.json compiles main/electron');
  assert.ok(fs.existsSync(path.join(root, 'main/electron/main.ts')));
  assert.ok(fs.existsSync(path.join(root, 'preload/index.cts')));
  const unpack = c.asarUnpack as string[];
  assert.deepEqual(unpack, ['node_modules/@anthropic-ai/claude-agent-sdk*/**'], 'the native claude binary is unpacked from app.asar, and no glob names a package that is not a dependency');
});

test('docker/ ships beside app.asar (the docker CLI cannot read inside it), with the compose file the runtime opens', async () => {
  const c = await load();
  const extra = (c.extraResources ?? []) as Array<string | { from?: string; to?: string }>;
  assert.ok(extra.some((e) => typeof e !== 'string' && e.from === 'docker' && e.to === 'docker'), 'extraResources: docker → resources/docker');
  assert.ok(fs.existsSync(path.join(root, 'docker', 'compose.yaml')) && fs.existsSync(path.join(root, 'docker', 'Dockerfile')));
});

test('the after-pack hook that ships only the target\'s Claude binary is wired, and signing/notarization read the environment', async () => {
  const c = await load();
  assert.equal(c.afterPack, './build/hooks/after-pack.mjs');
  assert.ok(fs.existsSync(path.join(root, 'build/hooks/after-pack.mjs')));
  assert.equal(c.mac?.hardenedRuntime, true);
  assert.equal(c.mac?.notarize, true);
  assert.ok(fs.existsSync(path.join(root, String(c.mac?.entitlements))));
  // no credential is stored in the config: CSC_LINK / APPLE_* come from the environment
  const raw = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
  assert.doesNotMatch(raw, /^\s*(cscLink|cscKeyPassword|appleId|password|certificatePassword)\s*:/m);
});

test('runtime dependencies hold only what the app runs: test fixtures\' libraries are devDependencies', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.ok(!('@modelcontextprotocol/sdk' in pkg.dependencies), '@modelcontextprotocol/sdk is only used by tests/fixtures');
  assert.ok('@modelcontextprotocol/sdk' in pkg.devDependencies);
  for (const dep of Object.keys(pkg.dependencies)) {
    const used = spawnSync('grep', ['-rlq', '--include=*.ts', `from '${dep}`, 'main', 'preload'], { cwd: root });
    assert.equal(used.status, 0, `${dep} is imported by the app (main/ or preload/)`);
  }
});

test('icons: Linux set 16..1024, Windows .ico, macOS .icns, all real images of the right size', async () => {
  const c = await load();
  const linuxDir = path.join(root, String(c.linux?.icon));
  for (const s of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
    assert.deepEqual(pngSize(fs.readFileSync(path.join(linuxDir, `${s}x${s}.png`))), { w: s, h: s });
  }
  const ico = fs.readFileSync(path.join(root, String(c.win?.icon)));
  assert.equal(ico.readUInt16LE(2), 1, 'ICO type');
  const count = ico.readUInt16LE(4);
  const sizes = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
  assert.deepEqual(sizes, [16, 24, 32, 48, 64, 128, 256]);
  for (let i = 0; i < count; i++) {
    const len = ico.readUInt32LE(6 + 16 * i + 8);
    const off = ico.readUInt32LE(6 + 16 * i + 12);
    assert.equal(pngSize(ico.subarray(off, off + len)).w, sizes[i]);
  }
  const icns = fs.readFileSync(path.join(root, String(c.mac?.icon)));
  assert.equal(icns.subarray(0, 4).toString('ascii'), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  const types = new Map<string, number>();
  for (let off = 8; off < icns.length; off += icns.readUInt32BE(off + 4)) {
    types.set(icns.subarray(off, off + 4).toString('ascii'), pngSize(icns.subarray(off + 8, off + icns.readUInt32BE(off + 4))).w);
  }
  assert.equal(types.get('ic10'), 1024);
  assert.equal(types.get('ic07'), 128);
  assert.equal(types.get('icp4'), 16);
});

test('tray icons exist for every state the tray model can name, at 1x and 2x', () => {
  const names: TrayIconName[] = [];
  for (const s of ['running', 'starting', 'stopped', 'error'] as const) names.push(`tray-${s}`, `tray-${s}-badge`);
  for (const name of names) {
    assert.deepEqual(pngSize(fs.readFileSync(path.join(root, 'build/tray', `${name}.png`))), { w: 16, h: 16 });
    assert.deepEqual(pngSize(fs.readFileSync(path.join(root, 'build/tray', `${name}@2x.png`))), { w: 32, h: 32 });
  }
  // the states look different: no two icons are the same bytes
  const bytes = new Set(names.map((n) => fs.readFileSync(path.join(root, 'build/tray', `${n}.png`)).toString('base64')));
  assert.equal(bytes.size, names.length);
});

test('committed PNG/ICO/ICNS files are what the SVG sources render to', (t) => {
  try {
    createRequire(path.join(root, 'package.json')).resolve('@resvg/resvg-js');
  } catch {
    t.skip('@resvg/resvg-js is not installed');
    return;
  }
  const r = spawnSync(process.execPath, ['scripts/render-icons.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /icon files up to date/);
});
