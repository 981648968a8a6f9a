// electron-builder afterPack hook: the installer ships Claude Code for its own target platform/arch, and only that.
import fs from 'node:fs';
import path from 'node:path';
import { ARCH_NAMES, planClaudeBinary } from './claude-binary.mjs';

/** @param {{ appOutDir: string, electronPlatformName: string, arch: number }} context */
export default async function afterPack(context) {
  const platform = context.electronPlatformName;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const resources = platform === 'darwin' || platform === 'mas'
    ? path.join(context.appOutDir, fs.readdirSync(context.appOutDir).find((n) => n.endsWith('.app')) ?? '', 'Contents', 'Resources')
    : path.join(context.appOutDir, 'resources');
  const { binary, foreign } = planClaudeBinary({ platform, arch, unpackedModules: path.join(resources, 'app.asar.unpacked', 'node_modules') });
  for (const dir of foreign) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`  • Claude Code for ${platform}-${arch}: ${path.relative(context.appOutDir, binary)}${foreign.length ? ` (removed ${foreign.length} foreign platform package(s))` : ''}`);
}
