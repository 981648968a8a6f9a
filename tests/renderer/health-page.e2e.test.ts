/**
 * The Health page in Chromium: people facts instead of JSON, the raw details behind a disclosure, and the Claude
 * account card going from "Not signed in" (with the fix) to the sign-in sentence once a key is saved.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

const KEY = 'sk-ant-api03-HealthPageTestKey0123456789abcdefgXYZ4';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('health page in Chromium: facts, raw details, Claude account', { skip: missing ?? false }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const card = (name: string) => page.locator(`[data-component="${name}"]`);

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    d = await startTestDashboard({
      script: plainAnswer('hi'),
      control: { serveDashboard: true, dashboardDir: outDir },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined },
    });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    page = await browser.context.newPage();
    await page.goto(`${d.baseUrl}/#token=${d.token}`);
    // The app moves the token into sessionStorage once it runs; navigating before that would lose it.
    await page.waitForFunction(() => sessionStorage.getItem('ccg.adminToken') !== null);
  });
  after(async () => {
    await browser?.close();
    await d?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('signed out: the Claude account card says so with the fix; facts are sentences, the JSON is folded away', async () => {
    await page.goto(`${d.baseUrl}/#/health`);
    await card('claude-auth').waitFor();
    const text = await card('claude-auth').innerText();
    // `stopped` would mean `claude auth status` could not be read (it timed out or answered no JSON): the card's
    // reason says which, so a failure here names the cause instead of a bare status.
    assert.equal(await card('claude-auth').getAttribute('data-status'), 'error', text);
    assert.match(text, /^Claude account/);
    assert.match(text, /Not signed in\. Fix: Open the dashboard → Claude account/);
    assert.match(text, /Method\s+none/);

    const claude = card('claude');
    assert.match(await claude.locator('[data-fact="Warm start"] dd').innerText(), /^off$/);
    assert.match(await claude.locator('[data-fact="Runs"] dd').innerText(), /on this machine/);
    assert.match(await claude.locator('[data-fact="Credential"] dd').innerText(), /none found/);
    for (const name of ['gateway', 'claude', 'transcripts', 'claude-auth', 'oauth-listener']) {
      assert.ok(!(await card(name).locator('.kv').innerText()).includes('{'), `${name} shows JSON in its facts`);
      assert.equal(await card(name).locator('details.raw-details').getAttribute('open'), null, `${name}: raw details start folded`);
    }
    assert.equal(await claude.locator('details.raw-details pre').isVisible(), false);
    await claude.locator('details.raw-details summary').click();
    assert.match(await claude.locator('details.raw-details pre').innerText(), /"spares"/);
    await shot(page, '30-health-signed-out');
  });

  test('a key saved through the control API: the card turns ok with the sign-in sentence and the hint', async () => {
    const res = await d.call('/api/claude-auth/credential', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'api_key', value: KEY }) });
    assert.equal(res.status, 200);
    await page.goto(`${d.baseUrl}/#/health`);
    await page.locator('[data-component="claude-auth"][data-status="ok"]').waitFor();
    const text = await card('claude-auth').innerText();
    assert.match(text, /Signed in with an API key \(ANTHROPIC_API_KEY saved in the app\)/);
    assert.match(await card('claude-auth').locator('[data-fact="Saved in the app"] dd').innerText(), /^sk-ant-api03-…XYZ4 \(API key, not encrypted, file permissions only\)$/);
    assert.match(await card('claude').locator('[data-fact="Credential"] dd').innerText(), /API key \(ANTHROPIC_API_KEY saved in the app\)/);
    assert.ok(!(await page.content()).includes('HealthPageTestKey'));
    await shot(page, '31-health-signed-in');
  });
});
