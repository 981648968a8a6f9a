/**
 * The policy on the Health page in Chromium: the sandbox card says in words what chat workspaces may reach and which
 * sandbox tools were found; with DEFAULT_POLICY=full it carries the "full: unconfined" warning badge.
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
const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';

describe('policy on the Health page (Chromium)', { skip: missing ?? false }, () => {
  let outDir: string;
  let browser: Browser;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    browser = await launchChromium({ viewport: { width: 1280, height: 1400 } });
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  async function sandboxCard(config: Record<string, unknown>, shotName: string): Promise<{ text: string; status: string | null; badge: boolean }> {
    const d: TestDashboard = await startTestDashboard({ script: plainAnswer('hi'), config, control: { serveDashboard: true, dashboardDir: outDir } });
    const page: Page = await browser.context.newPage();
    try {
      await page.goto(`${d.baseUrl}/#token=${d.token}`);
      await page.waitForFunction(() => sessionStorage.getItem('ccg.adminToken') !== null);
      await page.goto(`${d.baseUrl}/#/health`);
      const card = page.locator('[data-component="sandbox"]');
      await card.waitFor();
      await card.scrollIntoViewIfNeeded();
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await card.screenshot({ path: path.join(SCREENSHOT_DIR, `${shotName}.png`) });
      return { text: await card.innerText(), status: await card.getAttribute('data-status'), badge: await card.locator('[data-badge="full"]').isVisible() };
    } finally {
      await page.close();
      await d.close();
    }
  }

  test('sandboxed (auto, tools present): the policy and the tools in words, no warning badge', { skip: noSandbox }, async () => {
    const c = await sandboxCard({}, '60-health-sandbox-sandboxed');
    assert.equal(c.status, 'ok');
    assert.match(c.text, /^Command sandbox \(policy\)/);
    assert.match(c.text, /Chat workspaces\s+sandboxed \(commands in Claude Code's sandbox/);
    assert.match(c.text, /Setting\s+DEFAULT_POLICY=auto/);
    assert.match(c.text, /Sandbox tools\s+bwrap: \/\S+bwrap, socat: \/\S+socat/);
    assert.match(c.text, /Commands may reach\s+the model API only/);
    assert.equal(c.badge, false);
  });

  test('full: the warning badge and the reason', async () => {
    const c = await sandboxCard({ DEFAULT_POLICY: 'full' }, '61-health-sandbox-full');
    assert.equal(c.badge, true);
    assert.match(c.text, /full: unconfined/);
    assert.match(c.text, /Commands run unconfined with your rights \(DEFAULT_POLICY=full\)/);
    assert.match(c.text, /Chat workspaces\s+full \(unconfined/);
  });
});
