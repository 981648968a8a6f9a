/**
 * The dashboard as the Electron window runs it: the page gets the control API only through the preload bridge. Here
 * Chromium loads the built renderer and a bridge with the preload's exact shape is injected before the page's own
 * scripts; the test plays the states the main process reports: starting → ready (the real control API answers), and
 * "port taken", where the page names the holder and saves another port through the bridge.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

/** Serves the built renderer on its own loopback origin (standing in for the app's private scheme). */
function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const rel = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir) || !fs.existsSync(file)) return void res.writeHead(404).end();
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

describe('dashboard behind the desktop bridge (Chromium)', { skip: missing ?? false }, () => {
  let outDir = '';
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Browser;
  let dash: TestDashboard;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-bridge-ui-'));
    buildRenderer(outDir);
    site = await serveStatic(outDir);
    dash = await startTestDashboard({ script: plainAnswer('hi') }); // loopback origins may call the control API
    browser = await launchChromium({ colorScheme: 'dark' });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await dash?.close();
    await site?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('waits while the server starts, then connects with what the bridge hands over', async () => {
    const page = await browser.context.newPage();
    // (init scripts as text: tsx's compiled functions carry helpers that do not exist in the page)
    await page.addInitScript(`(() => {
      let calls = 0;
      window.ccg = Object.freeze({
        // the first answers say "starting": the page must wait, not guess a URL
        getControl: async () => (++calls < 4 ? { state: 'starting' } : { state: 'ready', url: ${JSON.stringify(dash.baseUrl)}, token: ${JSON.stringify(dash.token)} }),
        openExternal: async () => true,
        getAppInfo: async () => ({ version: 'test', platform: 'linux', electron: '0' }),
        setGatewayPort: async () => ({ ok: false, message: 'unused' }),
        relaunch: async () => undefined,
      });
    })()`);
    await page.goto(`${site.url}/index.html`);
    await page.getByRole('link', { name: 'Health' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('[data-testid="token-gate"]').count(), 0, 'no token prompt: the bridge gave it');
    await page.close();
  });

  it('port taken: names the holder, saves another port through the bridge, offers a restart', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(`(() => {
      window.__calls = [];
      window.ccg = Object.freeze({
        getControl: async () => ({ state: 'unavailable', reason: 'Port 8000 is in use by pid 4242 (python3).', port: 8000, holder: 'pid 4242 (python3)' }),
        openExternal: async () => true,
        getAppInfo: async () => ({ version: 'test', platform: 'linux', electron: '0' }),
        setGatewayPort: async (port) => {
          window.__calls.push(['setGatewayPort', port]);
          return { ok: true, port, file: '/home/me/.local/share/claude-code-gateway/config.json', restartRequired: true };
        },
        relaunch: async () => { window.__calls.push(['relaunch']); },
      });
    })()`);
    await page.goto(`${site.url}/index.html`);
    const card = page.locator('[data-testid="server-unavailable"]');
    await card.waitFor({ timeout: 20_000 });
    assert.match(await card.innerText(), /Port 8000 is in use by pid 4242 \(python3\)/);
    const input = page.getByLabel('Gateway port');
    assert.equal(await input.inputValue(), '8001', 'suggests the next port');
    await input.fill('8123');
    await page.getByRole('button', { name: 'Save port' }).click();
    await page.getByText('Saved port 8123').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, '20-port-taken.png') });
    await page.getByRole('button', { name: 'Restart now' }).click();
    await page.waitForFunction('window.__calls.length === 2');
    assert.deepEqual(await page.evaluate('window.__calls'), [['setGatewayPort', 8123], ['relaunch']]);
    await page.close();
  });
});
