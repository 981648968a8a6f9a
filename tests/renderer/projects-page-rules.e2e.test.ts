/**
 * "Always allow in this project" from the approval card, seen on the Projects page in Chromium (real gateway, real
 * Claude Code, scripted model): a dashboard project gets the rule in its own policy (after the configured default),
 * a config-file project and the chat workspaces show it as an approval grant; each can be removed there.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);
if (missing) console.log(`# projects-page rules e2e skipped: ${missing}`);

const CMD = 'rm -rf build/ && echo cleaned-build';
const RULE = `Bash(${CMD})`;

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('Projects page: allow rules and "always allowed" grants (Chromium)', { skip: missing ?? undefined, timeout: 240_000 }, () => {
  let dash: TestDashboard;
  let browser: Browser;
  let page: Page;
  const dirs: string[] = [];
  const tmp = (prefix: string): string => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    dirs.push(d);
    return d;
  };
  let web = '';

  before(async () => {
    const outDir = tmp('ccg-renderer-rules-');
    buildRenderer(outDir);
    const docs = tmp('ccg-e2e-docs-');
    web = tmp('ccg-e2e-web-');
    dash = await startTestDashboard({
      script: bashThenAnswer(CMD),
      control: { serveDashboard: true, dashboardDir: outDir },
      config: { CLAUDE_ALLOWED_TOOLS: 'Read,Grep', PROJECTS: JSON.stringify([{ name: 'docs', folder: docs, policy: { mode: 'full' } }]) },
    });
    dash.services.projects.add({ name: 'web', folder: web, policy: { mode: 'full' } });
    browser = await launchChromium({ viewport: { width: 1280, height: 1000 } });
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${dash.baseUrl}/#token=${dash.token}`);
    await page.waitForFunction(() => sessionStorage.getItem('ccg.adminToken') !== null);
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A run of `model` whose Bash call is answered "Always allow" on the card, which names the project. */
  async function alwaysAllow(model: string, where: string, button: string): Promise<string> {
    const res = fetch(`${dash.v1}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openwebui-chat-id': `chat-${model}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'clean the build folder' }] }),
    });
    const card = page.getByTestId('approval-card');
    await card.waitFor();
    assert.match(await card.innerText(), new RegExp(`OpenWebUI wants to run Bash in ${where}`));
    await card.getByRole('button', { name: button }).click();
    await card.waitFor({ state: 'detached' });
    const r = await res;
    assert.equal(r.status, 200);
    const body = (await r.json()) as { id: string; choices: Array<{ message: { content: string } }> };
    assert.match(body.choices[0].message.content, /The command printed cleaned-build\. Done\./);
    return body.id;
  }

  test('grants from the card show per project and in chat workspaces; each is removed from the page', async () => {
    await page.goto(`${dash.baseUrl}/#/projects`);
    await page.locator('tr[data-project="web"]').waitFor();
    // Before any grant an app project's empty list is the configured default.
    assert.match(await page.locator('tr[data-project-rules="web"]').innerText(), /the configured default/);

    const webRun = await alwaysAllow('sonnet@web', 'web', 'Always allow in this project');
    await alwaysAllow('sonnet@docs', 'docs', 'Always allow in this project');
    await alwaysAllow('sonnet', 'chat workspace', 'Always allow in chat workspaces');
    assert.deepEqual(dash.services.projects.get('web')?.policy.allow, ['Read', 'Grep', RULE]);

    await page.reload();
    const webRules = page.locator('tr[data-project-rules="web"]');
    await webRules.locator(`[data-rule="${RULE}"]`).waitFor();
    assert.deepEqual(await webRules.locator('[data-testid="policy-allow"] [data-rule]').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))), ['Read', 'Grep', RULE]);
    const docsRules = page.locator('tr[data-project-rules="docs"]');
    assert.match(await docsRules.getByTestId('granted-rules').innerText(), /Always allowed from approvals:[\s\S]*rm -rf build\//);
    assert.equal(await docsRules.getByTestId('policy-allow').getByRole('button').count(), 0, 'a config-file policy is changed in the file');
    const chatRules = page.locator('[data-project-rules="(chat workspaces)"]');
    assert.equal(await chatRules.locator(`[data-rule="${RULE}"]`).count(), 1);
    await shot(page, 'projects-page-rules');

    // Remove each: the app project's policy, the rule file's grants.
    await webRules.getByRole('button', { name: `Remove rule ${RULE}` }).click();
    await webRules.locator(`[data-rule="${RULE}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(dash.services.projects.get('web')?.policy.allow, ['Read', 'Grep']);
    await docsRules.getByRole('button', { name: `Remove rule ${RULE}` }).click();
    await docsRules.getByTestId('granted-rules').waitFor({ state: 'detached' });
    await chatRules.getByRole('button', { name: `Remove rule ${RULE}` }).click();
    await chatRules.getByTestId('granted-rules').waitFor({ state: 'detached' });
    const stored = JSON.parse(fs.readFileSync(path.join(dash.dataDir, 'approval-rules.json'), 'utf8')) as { projects: Record<string, string[]> };
    assert.deepEqual(stored.projects, {});
    await shot(page, 'projects-page-rules-removed');

    // The transcript's approval line names the project the rule was written to.
    await page.goto(`${dash.baseUrl}/#/transcripts/${webRun}`);
    const line = page.getByTestId('approval-line');
    await line.waitFor();
    await waitUntil(async () => (await line.getAttribute('data-outcome')) === 'allow_project', { what: 'the decision in the transcript' });
    // The line fills in as the snapshot and the live events meet (seen under load: the decision before its project).
    await waitUntil(async () => /Approval: always allowed in web/.test(await line.innerText()), { what: 'the approval line naming the project', ms: 15_000 }).catch(() => undefined);
    assert.match(await line.innerText(), /Approval: always allowed in web/);
  });
});
