/**
 * The desktop app end to end with Playwright's Electron driver: it launches, its window shows the dashboard from the
 * control API with the preload bridge in place, and the tray follows the gateway through stop and start; Quit ends
 * the process cleanly. Needs an Electron binary (none can be downloaded on the build machines): without one it prints
 * `skipped: no Electron binary` and skips. On Linux without a display it starts Xvfb when installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { BridgeHost } from '../../main/contract/bridge.ts';
import { displayAvailable, electronSwitches, findElectronBinary } from '../../main/shell/electron-binary.ts';
import { waitForValue } from '../helpers/wait.ts';

const root = process.cwd();

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** A private X server on a free display number; stopped by PID. */
async function startXvfb(): Promise<{ display: string; proc: ChildProcess } | null> {
  const xvfb = which('Xvfb');
  if (!xvfb) return null;
  for (let n = 90 + Math.floor(Math.random() * 400); n < 600; n += 7) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const proc = spawn(xvfb, [`:${n}`, '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && proc.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, proc };
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
  }
  return null;
}

function ensureBuilt(): void {
  if (fs.existsSync(path.join(root, 'dist/main/electron/main.js')) && fs.existsSync(path.join(root, 'dist/preload/index.cjs'))) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  assert.equal(r.status, 0, 'build succeeded');
}

test('Electron app: dashboard window, tray follows stop/start, clean quit', { timeout: 180_000 }, async (t) => {
  const binary = findElectronBinary({ projectDir: root });
  if (!binary.ok) {
    console.log('skipped: no Electron binary');
    t.skip('skipped: no Electron binary');
    return;
  }
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  // npm test's system part (scripts/system/30-xvfb.mjs) runs a private X server for this
  if (!displayAvailable(env, process.platform).ok && env.CCG_TEST_DISPLAY) env.DISPLAY = env.CCG_TEST_DISPLAY;
  if (!displayAvailable(env, process.platform).ok) {
    const x = await startXvfb();
    if (!x) {
      console.log('skipped: no display (install xvfb)');
      t.skip('skipped: no display');
      return;
    }
    t.after(() => { x.proc.kill('SIGTERM'); });
    env.DISPLAY = x.display;
  }
  ensureBuilt();
  // loaded only when the test really runs (the skip stays instant)
  const { _electron: electron } = await import('playwright-core');
  const { claudeTestEnv } = await import('../helpers/gateway.ts');
  const { startScriptedAnthropic } = await import('../fixtures/scripted-anthropic.ts');
  const { plainAnswer } = await import('../fixtures/scripts.ts');

  fs.mkdirSync(path.join(root, 'test-results', 'electron'), { recursive: true });
  const api = await startScriptedAnthropic(plainAnswer('hello from the tray test'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-electron-e2e-'));
  t.after(async () => {
    await api.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  Object.assign(env, claudeTestEnv(api.url, path.join(dataDir, 'home')), {
    DATA_DIR: dataDir,
    GATEWAY_PORT: '0',
    OAUTH_CALLBACK_PORT: '0',
    CLAUDE_ALLOWED_TOOLS: 'Bash',
    LOG_LEVEL: 'warn',
    CCG_SKIP_LOGIN_ENV: '1',
  });

  const app = await electron.launch({
    executablePath: binary.path,
    args: [...electronSwitches({ platform: process.platform, uid: process.getuid?.() ?? null }), root],
    cwd: root,
    env,
    timeout: 60_000,
  });
  let exited = false;
  app.process().once('exit', () => { exited = true; });
  t.after(async () => { if (!exited) await app.close().catch(() => undefined); });

  // the window shows the app's own page (its private scheme, never the gateway's port), with the bridge in place
  const page = await app.firstWindow({ timeout: 60_000 });
  await page.waitForURL((u) => u.protocol === 'ccg-app:' && u.host === 'dashboard', { timeout: 30_000 });
  const bridged = await waitForValue(
    () => page.evaluate(async () => {
      const b = (window as unknown as BridgeHost).ccg;
      if (!b) return null;
      return { control: await b.getControl(), info: await b.getAppInfo(), keys: Object.keys(b).sort() };
    }),
    (v) => v === null || v.control.state !== 'starting',
    { what: 'the bridge to leave starting', ms: 30_000, everyMs: 100 },
  );
  assert.ok(bridged, 'window.ccg is exposed by the preload');
  assert.ok(bridged.control.state === 'ready', `the bridge hands over the control API once it listens: ${JSON.stringify(bridged.control)}`);
  const { url: controlUrl, token } = bridged.control;
  assert.match(controlUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(bridged.keys, ['getAppInfo', 'getControl', 'openExternal', 'relaunch', 'setGatewayPort']);
  assert.equal(bridged.info.platform, process.platform);
  const nodeVisible = await page.evaluate(() => typeof (globalThis as { require?: unknown }).require !== 'undefined' || typeof (globalThis as { process?: unknown }).process !== 'undefined');
  assert.equal(nodeVisible, false, 'no Node in the renderer');
  await page.getByText('Transcripts').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(root, 'test-results', 'electron', 'window.png') });

  // the gateway stops and starts from the control API the window uses; the listener (and the window) stay up
  const headers = { authorization: `Bearer ${token}` };
  assert.equal((await fetch(`${controlUrl}/api/gateway/stop`, { method: 'POST', headers })).status, 200);
  assert.equal((await fetch(`${controlUrl}/v1/models`)).status, 503);
  assert.equal((await fetch(`${controlUrl}/api/gateway/start`, { method: 'POST', headers })).status, 200);
  assert.equal((await fetch(`${controlUrl}/health`)).status, 200);

  // Quit: the quit sequence runs and the process ends by itself with code 0
  const exitCode = new Promise<number | null>((resolve) => app.process().once('exit', (code) => resolve(code)));
  await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined);
  assert.equal(await exitCode, 0);
});
