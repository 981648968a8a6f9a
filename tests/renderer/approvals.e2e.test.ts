/**
 * The approval card in Chromium: a tool call outside the allow-list shows up live on whatever page is open, with the
 * tool, its input, project, client and conversation; Deny with a message reaches Claude; the transcript detail
 * shows how each call was decided; Allow once lets the run go on.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { toolResultText } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

const RISKY = 'rm -rf build/ && echo cleaned-build';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A chat completion from "OpenWebUI" (its chat id header), answered in one body. */
function ask(d: TestDashboard, chatId: string): Promise<string> {
  return fetch(`${d.v1}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-openwebui-chat-id': chatId },
    body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'clean the build folder' }] }),
  }).then(async (r) => ((await r.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content);
}

describe('approval card in Chromium', { skip: missing ?? false }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir: string;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    d = await startTestDashboard({ script: bashThenAnswer(RISKY), config: { CLAUDE_ALLOWED_TOOLS: 'Read' }, control: { serveDashboard: true, dashboardDir: outDir } });
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

  test('the card appears live on any page; Deny with a message reaches Claude as the tool result', async () => {
    await page.goto(`${d.baseUrl}/#/health`);
    const answer = ask(d, 'chat-e2e-deny');
    const card = page.locator('[data-testid="approval-card"]');
    await card.waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    assert.match(text, /OpenWebUI wants to run Bash in chat workspace/);
    assert.match(text, /rm -rf build\/ && echo cleaned-build/);
    assert.match(text, /conversation chat-e2e-deny/);
    assert.equal(await page.locator('[data-testid="approvals-count"]').innerText(), '1');
    await shot(page, 'approval-card-health-page');
    await card.getByRole('button', { name: 'Deny…' }).click();
    await card.getByLabel('Message for Claude').fill('Keep build/, run the tests instead.');
    await shot(page, 'approval-card-deny-message');
    await card.getByRole('button', { name: 'Deny with message' }).click();
    await card.waitFor({ state: 'detached' });
    const content = await answer;
    assert.match(content, /The command printed Keep build\/, run the tests instead\./);
    const results = d.api.mainRequests().at(-1)!.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result')));
    assert.equal(toolResultText(results.at(-1)!), 'Keep build/, run the tests instead.');
  });

  test('Allow once from the approvals page a notification opens; the transcript detail shows the decision', async () => {
    const answer = ask(d, 'chat-e2e-allow');
    await waitUntil(() => d.services.approvals.list().length === 1, { what: 'a pending approval', ms: 30_000 });
    const { id, requestId } = d.services.approvals.list()[0];
    await page.goto(`${d.baseUrl}/#/approvals/${id}`);
    const card = page.locator(`[data-approval-id="${id}"]`);
    await card.waitFor();
    assert.match((await card.getAttribute('class')) ?? '', /focused/);
    assert.equal(await page.locator('[data-testid="approval-dock"]').count(), 0, 'the approvals page lists them itself');
    await shot(page, 'approvals-page');
    await card.getByRole('button', { name: 'Allow once' }).click();
    assert.match(await answer, /The command printed cleaned-build\. Done\./);
    await page.locator('text=Nothing is waiting.').waitFor();

    await page.goto(`${d.baseUrl}/#/transcripts/${requestId}`);
    const line = page.locator('[data-testid="approval-line"]');
    await line.waitFor();
    assert.equal(await line.getAttribute('data-outcome'), 'allow_once');
    assert.match(await line.innerText(), /Approval: allowed once/);
    await shot(page, 'approval-transcript-detail');
  });
});
