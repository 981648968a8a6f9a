/**
 * The Projects page in Chromium against a real gateway (real Claude Code, scripted model): a project from the config
 * file, add one (path field: a browser has no folder picker), a refused folder, edit its policy, the chat
 * workspaces with Pin, a transcript showing its project and folder, remove. Screenshots go to test-results/dashboard/.
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
if (missing) console.log(`# projects-page e2e skipped: ${missing}`);

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('Projects page (Chromium)', { skip: missing ?? undefined, timeout: 180_000 }, () => {
  let dash: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir = '';
  let configured = '';
  let webapp = '';

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-projects-'));
    buildRenderer(outDir);
    configured = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-e2e-docs-')));
    webapp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-e2e-webapp-')));
    dash = await startTestDashboard({
      script: plainAnswer('Done.'),
      control: { serveDashboard: true, dashboardDir: outDir },
      config: { PROJECTS: JSON.stringify([{ name: 'docs', folder: configured, policy: { mode: 'read-only' } }]) },
    });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    for (const d of [outDir, configured, webapp]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  test('add, refuse, edit, pin, see the folder in a transcript, remove', async () => {
    await page.goto(`${dash.baseUrl}/#token=${dash.token}`);
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.waitForURL(/#\/projects$/);
    const docs = page.locator('tr[data-project="docs"]');
    await docs.waitFor();
    assert.match(await docs.innerText(), /config file[\s\S]*read-only[\s\S]*sonnet@docs/);
    assert.equal(await docs.getByRole('button', { name: 'Remove' }).count(), 0, 'a config-file project is changed in the file');

    // A folder that does not exist: refused with the reason, nothing added.
    const form = page.getByTestId('add-project');
    await form.getByLabel('Name', { exact: true }).fill('webapp');
    await form.getByLabel('Folder', { exact: true }).fill(path.join(webapp, 'nope'));
    await form.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
    assert.equal(await page.locator('tr[data-project="webapp"]').count(), 0);

    await form.getByLabel('Folder', { exact: true }).fill(webapp);
    await form.getByLabel('Policy', { exact: true }).selectOption('sandboxed');
    // The folder's own Claude Code configuration is off unless asked for.
    assert.equal(await form.getByLabel("Trust the folder's Claude Code configuration").isChecked(), false);
    await form.getByLabel("Trust the folder's Claude Code configuration").check();
    await form.getByRole('button', { name: 'Add' }).click();
    const row = page.locator('tr[data-project="webapp"]');
    await row.waitFor();
    assert.match(await row.innerText(), /sandboxed[\s\S]*sonnet@webapp/);
    await row.getByTestId('trusts-folder-config').waitFor();
    assert.equal(dash.services.projects.list().find((p) => p.name === 'webapp')?.policy.trustFolderConfig, true);
    assert.ok((await row.getByTestId('folder-link').innerText()).includes(webapp));

    // Edit: full mode shows the warning badge.
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByTestId('edit-project');
    await edit.getByLabel('Policy', { exact: true }).selectOption('full');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-project="webapp"]').getByText('⚠ full').waitFor();

    // Runs: one in the project, one in a chat of its own.
    const ask = async (model: string, chat: string): Promise<string> => {
      const r = await fetch(`${dash.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-openwebui-chat-id': chat }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(r.status, 200);
      return ((await r.json()) as { id: string }).id;
    };
    const inProject = await ask('sonnet@webapp', 'chat-1');
    await ask('sonnet', 'chat-2');
    await page.reload();
    const wsTable = page.getByTestId('workspaces');
    await wsTable.waitFor();
    assert.equal(await wsTable.locator('tbody tr').count(), 1, 'one chat workspace (the project run has none)');
    await wsTable.getByRole('button', { name: 'Pin' }).click();
    await wsTable.getByRole('button', { name: 'Unpin' }).waitFor();
    assert.match(await wsTable.innerText(), /pinned/);
    assert.equal(dash.services.workspaces.list()[0].pinned, true);
    await shot(page, 'projects-page');

    // The transcript names its project and folder, with a copy button (a browser cannot open folders).
    await page.goto(`${dash.baseUrl}/#/transcripts/${inProject}`);
    const place = page.getByTestId('detail-place');
    await place.waitFor();
    assert.match(await place.innerText(), /Project webapp/);
    assert.ok((await place.innerText()).includes(webapp));
    assert.equal(await place.getByRole('button', { name: `Copy ${webapp}` }).count(), 1);
    await shot(page, 'projects-transcript-folder');

    // Remove (after the confirm dialog): the folder stays.
    await page.goto(`${dash.baseUrl}/#/projects`);
    await page.locator('tr[data-project="webapp"]').getByRole('button', { name: 'Remove' }).click();
    await page.locator('tr[data-project="webapp"]').waitFor({ state: 'detached' });
    assert.ok(fs.existsSync(webapp));
    assert.deepEqual(dash.services.projects.list().map((p) => p.name), ['docs']);
  });
});
