// Which Claude Code binary an installer ships. The Agent SDK brings Claude Code as an optional dependency per
// platform/arch, and npm installs only the one of the machine that ran `npm install`: a dmg packed on Linux would
// otherwise ship the Linux binary (and a Mac would never run a request). Pure functions, used by after-pack.mjs.
import fs from 'node:fs';
import path from 'node:path';

/** electron-builder's Arch enum → Node's arch names. */
export const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

const PLATFORMS = ['darwin', 'linux', 'win32'];

/** The SDK platform package that carries Claude Code for this target ('mas' builds are macOS). */
export function claudePackageFor(platform, arch) {
  const os = platform === 'mas' ? 'darwin' : platform;
  if (!PLATFORMS.includes(os)) throw new Error(`unsupported target platform ${platform}`);
  return `@anthropic-ai/claude-agent-sdk-${os}-${arch}`;
}

export function claudeExecutableName(platform) {
  return platform === 'win32' ? 'claude.exe' : 'claude';
}

/**
 * Checks a packed app's unpacked node_modules (`resources/app.asar.unpacked/node_modules`) for the target's Claude
 * binary. Returns the foreign platform packages to delete (they would ship dead weight that cannot run there), or
 * throws with the command that fixes a missing binary.
 */
export function planClaudeBinary({ platform, arch, unpackedModules }) {
  if (arch === 'universal') throw new Error('Claude Code Gateway has no universal macOS build: pack x64 and arm64 separately (--x64 / --arm64)');
  const wanted = claudePackageFor(platform, arch);
  const exe = claudeExecutableName(platform === 'mas' ? 'darwin' : platform);
  const binary = path.join(unpackedModules, ...wanted.split('/'), exe);
  if (!fs.existsSync(binary)) {
    const [, os, cpu] = /-(darwin|linux|win32)-(\w+)$/.exec(wanted) ?? [];
    throw new Error(
      `The ${platform}-${arch} installer needs Claude Code for ${platform}-${arch} (${wanted}), which is not installed here ` +
        `(npm installs only this machine's platform package). Build on a ${platform} ${arch} machine, or install it first: ` +
        `npm install --no-save --force --os=${os} --cpu=${cpu} ${wanted}`,
    );
  }
  const scope = path.join(unpackedModules, '@anthropic-ai');
  const foreign = fs.existsSync(scope)
    ? fs.readdirSync(scope).filter((d) => d.startsWith('claude-agent-sdk-') && `@anthropic-ai/${d}` !== wanted).map((d) => path.join(scope, d))
    : [];
  return { binary, foreign };
}
