/** The installer's Claude Code binary is the target's: checked by the after-pack hook's pure planner. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ARCH_NAMES, claudePackageFor, planClaudeBinary } from '../../build/hooks/claude-binary.mjs';
import afterPack from '../../build/hooks/after-pack.mjs';

function fakeModules(...pkgs: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-unpacked-'));
  for (const p of pkgs) {
    const d = path.join(dir, '@anthropic-ai', p);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, p.includes('win32') ? 'claude.exe' : 'claude'), '#!/bin/sh\n', { mode: 0o755 });
  }
  return dir;
}

describe('Claude binary per installer target', () => {
  it('names the SDK platform package per target (mas is macOS; electron-builder arch numbers map to Node names)', () => {
    assert.equal(claudePackageFor('darwin', 'arm64'), '@anthropic-ai/claude-agent-sdk-darwin-arm64');
    assert.equal(claudePackageFor('mas', 'x64'), '@anthropic-ai/claude-agent-sdk-darwin-x64');
    assert.equal(claudePackageFor('win32', 'x64'), '@anthropic-ai/claude-agent-sdk-win32-x64');
    assert.equal(ARCH_NAMES[1], 'x64');
    assert.equal(ARCH_NAMES[3], 'arm64');
  });

  it('a dmg packed on Linux fails with the fixing command instead of shipping the Linux binary', () => {
    const mods = fakeModules('claude-agent-sdk-linux-x64');
    try {
      assert.throws(() => planClaudeBinary({ platform: 'darwin', arch: 'arm64', unpackedModules: mods }), /darwin-arm64.*npm install --no-save --force --os=darwin --cpu=arm64 @anthropic-ai\/claude-agent-sdk-darwin-arm64/s);
      assert.throws(() => planClaudeBinary({ platform: 'darwin', arch: 'universal', unpackedModules: mods }), /no universal/);
    } finally {
      fs.rmSync(mods, { recursive: true, force: true });
    }
  });

  it('with the target binary present, every other platform package is marked for removal', () => {
    const mods = fakeModules('claude-agent-sdk-linux-x64', 'claude-agent-sdk-win32-x64', 'claude-agent-sdk-linux-x64-musl');
    try {
      const plan = planClaudeBinary({ platform: 'win32', arch: 'x64', unpackedModules: mods });
      assert.ok(plan.binary.endsWith(path.join('claude-agent-sdk-win32-x64', 'claude.exe')));
      assert.deepEqual(plan.foreign.map((f) => path.basename(f)).sort(), ['claude-agent-sdk-linux-x64', 'claude-agent-sdk-linux-x64-musl']);
    } finally {
      fs.rmSync(mods, { recursive: true, force: true });
    }
  });

  it('the hook removes foreign packages from a packed Linux app and keeps the target binary', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-appout-'));
    try {
      const mods = path.join(out, 'resources', 'app.asar.unpacked', 'node_modules');
      for (const p of ['claude-agent-sdk-linux-x64', 'claude-agent-sdk-darwin-arm64']) {
        fs.mkdirSync(path.join(mods, '@anthropic-ai', p), { recursive: true });
        fs.writeFileSync(path.join(mods, '@anthropic-ai', p, 'claude'), '');
      }
      const log = console.log;
      console.log = () => undefined;
      try {
        await afterPack({ appOutDir: out, electronPlatformName: 'linux', arch: 1 });
      } finally {
        console.log = log;
      }
      assert.ok(fs.existsSync(path.join(mods, '@anthropic-ai', 'claude-agent-sdk-linux-x64', 'claude')));
      assert.ok(!fs.existsSync(path.join(mods, '@anthropic-ai', 'claude-agent-sdk-darwin-arm64')));
      await assert.rejects(afterPack({ appOutDir: out, electronPlatformName: 'linux', arch: 3 }), /linux-arm64/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
