import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import type { Page } from 'playwright-core';
import { clientToolLoop } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

/** A run suspended on the caller's own function, seen and ended from the dashboard (real Claude Code, Chromium). */
describe('dashboard: a run waiting for the caller', { skip: missing ?? false }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    d = await startTestDashboard({ script: clientToolLoop({ tool: 'get_weather', calls: [{ city: 'Turin' }], bashFirst: 'echo pre-$((4+4))' }), control: { serveDashboard: true, dashboardDir: outDir } });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);
  });

  after(async () => {
    await browser?.close();
    await d?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('the detail view says it waits for the caller, with the wait time; End run ends it (interrupted, process gone)', async () => {
    const client = new OpenAI({ baseURL: d.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Weather in Turin?' }], tools: [weatherTool] });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const pid = d.services.runtime.livePids()[0];
    assert.ok(pid);

    await page.goto(`${d.baseUrl}/#token=${d.token}`);
    // Open it from the list once the app has taken the token (it rewrites the address to #/ when it does).
    await page.locator(`tr[data-request-id="${first.id}"] a.preview`).click();
    await page.waitForURL(/#\/transcripts\//);
    const banner = page.getByTestId('waiting-for-caller');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Waiting for the caller — result of get_weather · for \d/);
    // The wait time counts up while the page is open.
    const firstReading = await page.getByTestId('waiting-for').innerText();
    await page.waitForFunction((before) => document.querySelector('[data-testid="waiting-for"]')?.textContent !== before, firstReading);
    const tool = page.locator('[data-tool="mcp__client_tools__get_weather"]');
    assert.equal(await tool.getAttribute('data-state'), 'waiting');
    assert.match(await tool.innerText(), /waiting for the caller/);
    assert.equal(await page.locator('.detail .badge').first().getAttribute('data-status'), 'running');
    await shot(page, 'waiting-run-01-waiting');

    await page.getByTestId('end-waiting-run').click();
    await page.locator('.detail .badge[data-status="interrupted"]').first().waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.getByText(/ended from the dashboard/).first().waitFor();
    assert.equal(await tool.getAttribute('data-state'), 'unanswered', 'the call no longer shows as waiting');
    assert.match(await tool.innerText(), /no result: the run ended before the caller answered/);
    await shot(page, 'waiting-run-02-ended');

    assert.equal(d.services.store.summary(first.id)?.status, 'interrupted');
    assert.equal(d.services.executor.suspended.size, 0);
    await waitUntil(() => !d.services.runtime.livePids().includes(pid), { what: 'the suspended run’s Claude process to be gone' });
  });
});
