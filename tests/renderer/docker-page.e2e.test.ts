/**
 * The Docker page in Chromium against the real engine: Up with the runtime image missing builds it and the page shows
 * the build live (phase with the step, progress bar, output lines), then the running container; Rebuild installs
 * Claude Code again and the page shows that build too. The build starts FROM the local stand-in base
 * (tests/fixtures/docker-base), whose npm waits a few seconds so the page is seen mid-build. Screenshots go to
 * test-results/dashboard/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { dockerCli, dockerDir, dockerSkip, forceRemoveProject, makeWorkspace, testBaseImage, uniqueProject } from '../fixtures/docker-env.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { buildRenderer, chromiumMissing, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);
const skip = missing ?? dockerSkip();
if (skip) console.log(`# docker-page e2e skipped: ${skip}`);

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

describe('Docker page: build on Up and Rebuild, live (Chromium, real engine)', { skip, timeout: 300_000 }, () => {
  let dash: TestDashboard;
  let browser: Browser;
  let page: Page;
  let outDir = '';
  let ws = '';
  let project = '';
  let image = '';
  const envBefore = { ...process.env };
  const vars = ['CCG_HEALTH_INTERVAL', 'CCG_BASE_IMAGE', 'CCG_CLAUDE_CODE_REFRESH'];

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-docker-'));
    buildRenderer(outDir);
    project = uniqueProject('page');
    image = `ccg-test-built-${project}:latest`;
    ws = makeWorkspace();
    Object.assign(process.env, { CCG_HEALTH_INTERVAL: '1s', CCG_BASE_IMAGE: testBaseImage(5), CCG_CLAUDE_CODE_REFRESH: project });
    dash = await startTestDashboard({
      script: () => ({ blocks: [{ type: 'text', text: 'unused' }] }),
      control: { serveDashboard: true, dashboardDir: outDir },
      config: {
        CLAUDE_RUNTIME: 'docker',
        COMPOSE_FILE: [path.join(dockerDir, 'compose.yaml'), path.join(dockerDir, 'compose.hostnet.yaml')].join(path.delimiter),
        COMPOSE_PROJECT: project,
        DOCKER_IMAGE: image,
        CLAUDE_CWD: ws,
      },
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(120_000);
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    for (const k of vars) {
      if (envBefore[k] === undefined) delete process.env[k];
      else process.env[k] = envBefore[k];
    }
    if (project) forceRemoveProject(project);
    if (image) dockerCli(['image', 'rm', '-f', image]);
    for (const d of [outDir, ws]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const op = (): ReturnType<Page['locator']> => page.getByTestId('docker-operation');
  const output = (): ReturnType<Page['locator']> => page.getByTestId('docker-build-output');

  test('Up with the image missing: the page shows the build as it runs, then the healthy container', async () => {
    await page.goto(`${dash.baseUrl}/#token=${dash.token}`);
    await page.getByRole('link', { name: 'Docker' }).click();
    await page.waitForURL(/#\/docker$/);
    await page.locator('.docker-page [data-code="image-missing"]').waitFor();
    assert.match(await page.locator('.docker-page').innerText(), /Press Up to start it \(it builds the image first/);

    await page.locator('button[data-action="up"]').click();
    // Mid-build (the stand-in npm waits): the install step, its output, the step bar; the other actions wait.
    await output().filter({ hasText: 'npm stand-in: waiting' }).waitFor();
    assert.equal(await op().getAttribute('data-state'), 'running');
    assert.match(await page.getByTestId('docker-phase').innerText(), /building the runtime image .*: step \d+\/\d+ \(RUN npm install/);
    assert.ok(await page.locator('progress.build-progress').isVisible());
    assert.match(await output().innerText(), /(?:Step \d+\/\d+ :|#\d+ \[\d+\/\d+\]) RUN apt-get update/);
    assert.equal(await page.locator('button[data-action="rebuild"]').isDisabled(), true);
    assert.equal(await page.locator('.docker-page [data-code="image-missing"]').count(), 0, 'the missing image is being built: no alarm');
    await shot(page, 'docker-building');

    await page.locator('[data-testid="docker-operation"][data-state="done"]').waitFor();
    await page.locator('[data-service="claude"][data-state="running"]').waitFor();
    // Folded once done, still there to read.
    assert.equal(await page.locator('details.build-output').getAttribute('open'), null);
    assert.match((await output().textContent()) ?? '', /Successfully tagged|naming to/);
    assert.equal(await page.locator('.docker-page [data-code="image-missing"]').count(), 0);
    await shot(page, 'docker-page-built');
  });

  test('Rebuild (update Claude Code): a fresh install of the newest Claude Code, shown live, container running again', async () => {
    const rebuild = page.locator('button[data-action="rebuild"]');
    assert.match((await rebuild.getAttribute('title')) ?? '', /fresh Claude Code install/);
    await rebuild.click();
    await page.locator('[data-testid="docker-operation"][data-action="rebuild"]').waitFor();
    await output().filter({ hasText: 'npm stand-in: installing @anthropic-ai/claude-code@latest' }).waitFor();
    await page.locator('[data-testid="docker-operation"][data-action="rebuild"][data-state="done"]').waitFor();
    await page.locator('[data-service="claude"][data-state="running"]').waitFor();
    const text = (await output().textContent()) ?? '';
    assert.match(text, /Using cache|CACHED/);
    assert.doesNotMatch(text, /apt-get \(test stand-in\)/, 'only the Claude Code layer was rebuilt');
  });
});
