/**
 * MCP sign-in from the dashboard, end to end in Chromium (local runtime): the page adds the OAuth-protected fixture
 * server, "Log in" shows the authorization link, the browser follows it to the provider's consent page; Deny leaves
 * the server at "needs auth" with the provider's reason in the step view; Approve sends the redirect to the gateway's
 * OAuth callback listener (port 0 in tests: the bound one is the redirect URI Claude Code registered), and the page
 * turns the server "connected" live. Then an OpenAI request whose scripted model calls mcp__vault__get_secret returns
 * the secret. Screenshots of the MCP and Docker pages go to test-results/dashboard/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { callSecretTool } from '../fixtures/oauth-setup.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);
if (missing) console.log(`# mcp-login e2e skipped: ${missing}`);

const SERVER = 'vault';
const SECRET = 'amber-heron-2718';

const script = callSecretTool(SERVER);

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('MCP sign-in from the dashboard (Chromium, real Claude Code, OAuth fixture)', { skip: missing ?? false, timeout: 240_000 }, () => {
  let fx: OAuthMcpServer;
  let dash: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-mcp-'));
    buildRenderer(outDir);
    fx = await startOAuthMcpServer({ secret: SECRET, name: 'Vault' });
    dash = await startTestDashboard({ script, control: { serveDashboard: true, dashboardDir: outDir } });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    await fx?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  const row = (): ReturnType<Page['locator']> => page.locator(`tr[data-server="${SERVER}"]`);

  /** Log in → the page shows the authorization link → the browser opens it (new tab) → the consent page. */
  async function startLogin(): Promise<Page> {
    await row().getByRole('button', { name: /^Log in/ }).click();
    const link = page.getByTestId('auth-link');
    await link.waitFor();
    const href = (await link.getAttribute('href')) ?? '';
    assert.ok(href.startsWith(`${fx.origin}/authorize?`), href);
    // The redirect URI Claude Code registered is the gateway listener's bound port (OAUTH_CALLBACK_PORT=0 here).
    const redirect = new URL(href).searchParams.get('redirect_uri') ?? '';
    assert.equal(redirect, dash.services.oauth?.listener.redirectUri());
    const [consent] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
    await consent.locator('#approve').waitFor();
    return consent;
  }

  test('add the server in the page; it needs auth', async () => {
    await page.goto(`${dash.baseUrl}/#token=${dash.token}`);
    await page.getByRole('link', { name: 'MCP servers' }).click();
    await page.waitForURL(/#\/mcp$/);
    await page.getByTestId('listener').filter({ hasText: 'listening' }).waitFor();
    const form = page.getByTestId('add-server');
    await form.locator('input[name="name"]').fill(SERVER);
    await form.locator('input[name="url"]').fill(fx.mcpUrl);
    await form.getByRole('button', { name: 'Add' }).click();
    await row().waitFor();
    await page.locator(`tr[data-server="${SERVER}"][data-status="needs-auth"]`).waitFor();
    assert.match(await row().innerText(), /needs auth/);
    assert.match(await row().innerText(), new RegExp(fx.mcpUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('Deny on the consent page → the step view shows the provider\'s reason; the server still needs auth', async () => {
    const consent = await startLogin();
    await consent.locator('#deny').click();
    await consent.getByText('Sign-in refused by the provider').first().waitFor();
    await consent.close();
    const steps = page.getByTestId(`login-${SERVER}`);
    await page.locator(`[data-testid="login-${SERVER}"][data-step="failed"]`).waitFor();
    assert.match(await steps.innerText(), /access_denied/);
    assert.match(await steps.innerText(), /The user denied access/);
    assert.equal(fx.stats.denials, 1);
    await page.locator(`tr[data-server="${SERVER}"][data-status="needs-auth"]`).waitFor();
    await shot(page, 'mcp-denied');
  });

  test('Approve → the redirect reaches the gateway listener → steps complete and the server turns connected live', async () => {
    const consent = await startLogin();
    await shot(page, 'mcp-waiting-for-browser');
    await consent.locator('#approve').click();
    await consent.getByText(/signed in|connected|success/i).first().waitFor();
    await consent.close();
    await page.locator(`[data-testid="login-${SERVER}"][data-step="connected"]`).waitFor({ timeout: 90_000 });
    const done = await page.locator(`[data-testid="login-${SERVER}"] li[data-state="done"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
    assert.deepEqual(done, ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected']);
    // Live: the row turns connected without a reload.
    await page.locator(`tr[data-server="${SERVER}"][data-status="connected"]`).waitFor({ timeout: 60_000 });
    assert.match(await row().innerText(), /connected/);
    assert.doesNotMatch(await row().innerText(), /no tokens/);
    await shot(page, 'mcp-connected');
  });

  test('an OpenAI request through the gateway calls the MCP tool and returns the secret', async () => {
    const client = new OpenAI({ baseURL: dash.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const calls = fx.stats.toolCalls;
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'What is the secret?' }] });
    assert.ok((r.choices[0].message.content ?? '').includes(`The secret is: ${SECRET}`), r.choices[0].message.content ?? '');
    assert.equal(fx.stats.toolCalls, calls + 1);
  });

  test('the Docker page, with the local runtime, says how to use the container instead of offering controls', async () => {
    await page.getByRole('link', { name: 'Docker' }).click();
    await page.waitForURL(/#\/docker$/);
    await page.locator('.docker-page .page-head [data-status]').waitFor();
    await page.getByTestId('runtime-note').waitFor();
    // The local runtime builds no compose project: the page says how to switch, and offers no container controls.
    const text = await page.locator('.docker-page').innerText();
    assert.match(text, /CLAUDE_RUNTIME=local/);
    assert.equal(await page.getByRole('button', { name: 'Up' }).count(), 0);
    assert.equal(await page.getByTestId('docker-logs').count(), 0);
    await shot(page, 'docker-page');
  });
});
