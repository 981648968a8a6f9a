/**
 * The Claude account panel in Chromium, against the real Claude Code in a fresh HOME: signed out (with the fix) →
 * a token pasted in the wrong field is refused with the reason → the API key saved → signed in, the hint shown, the
 * input emptied, and a request reaches the model carrying the key → removed → signed out again.
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

const KEY = 'sk-ant-api03-PanelTestKey0123456789abcdefghijklmnPNL1';
const TOKEN_IN_WRONG_FIELD = 'sk-ant-oat01-PanelWrongField0123456789abcdefghij';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('Claude account panel in Chromium (real Claude Code, scripted model)', { skip: missing ?? false }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const state = () => page.getByTestId('claude-auth-state').getAttribute('data-state');

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    d = await startTestDashboard({
      script: plainAnswer('answered with the panel key'),
      control: { serveDashboard: true, dashboardDir: outDir },
      claudeEnv: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined },
    });
    d.api.setAuthCheck((a) => a.apiKey === KEY);
    browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
    page = await browser.context.newPage();
    await page.goto(`${d.baseUrl}/#token=${d.token}`);
    await page.waitForFunction(() => sessionStorage.getItem('ccg.adminToken') !== null);
  });
  after(async () => {
    await browser?.close();
    await d?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('first run: while Claude cannot answer, the dashboard opens on the setup view (account, then connect a client)', async () => {
    await page.getByTestId('setup').waitFor();
    assert.match(page.url(), /#\/setup$/);
    const text = await page.getByTestId('setup').innerText();
    assert.match(text, /1 · Claude account/);
    assert.match(text, /2 · Connect OpenWebUI or n8n/);
    assert.equal(await page.getByTestId('base-url').count(), 1, 'the copyable base URL is there');
    await shot(page, '39-first-run-setup');
  });

  test('signed out: the panel says so, with what to do; nothing saved', async () => {
    await page.getByRole('link', { name: 'Claude account' }).click();
    await page.locator('[data-testid="claude-auth-state"][data-state="signed_out"]').waitFor();
    assert.match(await page.getByTestId('claude-auth-status').innerText(), /^Not signed in/);
    assert.match(await page.getByTestId('claude-auth-fix').innerText(), /paste an API key or an OAuth token below/);
    assert.equal(await page.getByTestId('saved-credential').count(), 0);
    await shot(page, '40-claude-account-signed-out');
  });

  test('a token pasted as an API key: refused with the reason, the value kept out of the answer', async () => {
    await page.getByTestId('credential-input').fill(TOKEN_IN_WRONG_FIELD);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('credential-error').waitFor();
    assert.match(await page.getByTestId('credential-error').innerText(), /This is an OAuth token/);
    assert.ok(!(await page.getByTestId('credential-error').innerText()).includes('PanelWrongField'));
    assert.equal(await state(), 'signed_out');
    await shot(page, '41-claude-account-wrong-field');
  });

  test('the API key saved: signed in, hint and protection shown, the input emptied; a request carries the key', async () => {
    await page.getByTestId('credential-input').fill(KEY);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-testid="claude-auth-state"][data-state="signed_in"]').waitFor();
    assert.equal(await page.getByTestId('claude-auth-summary').innerText(), 'Signed in with an API key (ANTHROPIC_API_KEY saved in the app)');
    const saved = await page.getByTestId('saved-credential').innerText();
    assert.match(saved, /sk-ant-api03-…PNL1/);
    assert.match(saved, /not encrypted — protected by the file’s permissions only/);
    assert.equal(await page.getByTestId('credential-input').inputValue(), '');
    assert.ok(!(await page.content()).includes('PanelTestKey'), 'the page holds no copy of the key');
    const r = await fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 200);
    assert.ok(d.api.auths.length > 0 && d.api.auths.every((a) => a.apiKey === KEY));
    await shot(page, '42-claude-account-signed-in');
  });

  test('Remove: signed out again, and requests are refused before any run', async () => {
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.locator('[data-testid="claude-auth-state"][data-state="signed_out"]').waitFor();
    assert.equal(await page.getByTestId('saved-credential').count(), 0);
    const r = await fetch(`${d.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'claude_not_signed_in');
  });
});
