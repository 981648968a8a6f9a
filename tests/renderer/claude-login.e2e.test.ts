/**
 * The subscription sign-in panel in Chromium, against the real gateway and the real `claude auth login` (fresh
 * HOME): the button → the steps live → the sign-in link (a normal link in a browser tab) → a code Claude Code calls
 * incomplete → a whole code, which Claude Code takes to the token exchange and fails there (Anthropic's servers are
 * not reachable from these machines) → Cancel of a second login leaves no process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { isAlive } from '../../main/claude/process-tree.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

const CODE = 'PanelSignInCode0123456789abcdef#PanelSignInState0123456789';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('Claude subscription sign-in panel in Chromium (real claude auth login)', { skip: missing ?? false }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const panel = () => page.getByTestId('subscription-sign-in');
  const atStep = (step: string) => page.locator(`[data-testid="subscription-sign-in"][data-step="${step}"]`).waitFor();

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    d = await startTestDashboard({
      script: plainAnswer('unused'),
      control: { serveDashboard: true, dashboardDir: outDir },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined, BROWSER: undefined },
    });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    page = await browser.context.newPage();
    await page.goto(`${d.baseUrl}/#token=${d.token}`);
    await page.waitForFunction(() => sessionStorage.getItem('ccg.adminToken') !== null);
  });
  after(async () => {
    await browser?.close();
    await d?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('signed out: the panel offers the subscription sign-in', async () => {
    await page.getByRole('link', { name: 'Claude account' }).click();
    await page.locator('[data-testid="claude-auth-state"][data-state="signed_out"]').waitFor();
    await atStep('idle');
    assert.match(await panel().innerText(), /claude auth login/);
    assert.match(await page.getByTestId('claude-auth-fix').innerText(), /sign in with your Claude subscription/);
    await shot(page, '45-claude-login-idle');
  });

  test('Sign in: the steps live and the link, as a normal link in a browser tab', async () => {
    await page.getByRole('button', { name: 'Sign in with your Claude subscription' }).click();
    await atStep('waiting_for_browser');
    const login = d.services.claudeAccount.login?.snapshot();
    assert.ok(login?.url);
    const link = page.getByTestId('sign-in-link');
    assert.equal(await link.getAttribute('href'), login.url);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await page.getByTestId('sign-in-url').innerText(), login.url);
    if (login.codeUrl) {
      assert.match(login.codeUrl, /^https:\/\/claude\.ai\/oauth\/authorize\?/);
      assert.equal(await page.getByTestId('code-link').getAttribute('href'), login.codeUrl);
    } else assert.match(login.url, /^https:\/\/claude\.ai\/oauth\/authorize\?/);
    const states = await page.getByTestId('sign-in-steps').locator('li').evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-step')}:${li.getAttribute('data-state')}`));
    assert.deepEqual(states, ['started:done', 'waiting_for_browser:active', 'code_received:todo', 'signed_in:todo']);
    await shot(page, '46-claude-login-waiting');
  });

  test("a code Claude Code cannot use: its words shown, and it waits for another", async () => {
    await page.getByTestId('sign-in-code').fill('incomplete');
    await page.getByRole('button', { name: 'Submit code' }).click();
    await page.getByTestId('sign-in-notice').waitFor();
    assert.match(await page.getByTestId('sign-in-notice').innerText(), /doesn't look like the full code/);
    await atStep('waiting_for_browser');
    await shot(page, '47-claude-login-code-refused');
  });

  test('a whole code goes to Claude Code: code received, then the exchange fails with its reason; the page keeps no copy', async () => {
    await page.getByTestId('sign-in-code').fill(CODE);
    await page.getByRole('button', { name: 'Submit code' }).click();
    await atStep('failed');
    const text = await panel().innerText();
    assert.match(text, /Code received/);
    assert.match(text, /Couldn't log in: /);
    assert.ok(!(await page.content()).includes('PanelSignInCode'), 'the page holds no copy of the code');
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    await page.locator('[data-testid="claude-auth-state"][data-state="signed_out"]').waitFor();
    await shot(page, '48-claude-login-failed');
  });

  test('Cancel: the login ends as cancelled and its process is gone', async () => {
    await page.getByRole('button', { name: 'Try again' }).click();
    await atStep('waiting_for_browser');
    const proc = d.services.claudeAccount.login?.currentProcess();
    assert.ok(proc?.pid && isAlive(proc.pid));
    await page.getByRole('button', { name: 'Cancel' }).click();
    await atStep('failed');
    assert.match(await panel().innerText(), /cancelled/);
    assert.equal(isAlive(proc.pid), false);
    await shot(page, '49-claude-login-cancelled');
  });
});
