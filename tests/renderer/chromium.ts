import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (scripts/system/10-chromium.mjs installs it and exports CHROMIUM_PATH). */
export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p;
  return null;
}

/** Why browser tests cannot run here, or null. Under CI=true the caller must fail instead of skipping. */
export function chromiumMissing(): string | null {
  return chromiumPath() ? null : 'Chromium not installed (scripts/system/10-chromium.mjs installs it with apt-get)';
}

// Without the networking flags Chromium floods the closed network with update/sync/safe-browsing calls.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own --user-data-dir, removed on close) driven by playwright-core. */
export async function launchChromium(opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const exe = chromiumPath();
  if (!exe) throw new Error(chromiumMissing() ?? 'no chromium');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 820 },
    colorScheme: opts.colorScheme ?? 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Builds the renderer with Vite into `outDir` (tests never depend on a stale dist/). */
export function buildRenderer(outDir: string): void {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(root, 'renderer/vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`vite build failed: ${r.stderr || r.stdout}`);
}

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard');
/** Screenshots the docs show (README.md): tracked, rewritten by the test that takes them so they stay current. */
export const DOCS_IMAGES_DIR = path.resolve(import.meta.dirname, '..', '..', 'docs', 'images');
