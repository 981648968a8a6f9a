/**
 * How a tool step looks in OpenWebUI while it runs and once the answer is complete, in Chromium: a real streamed
 * answer (real Claude Code running a Bash command that waits until the test releases it, the openai SDK as the
 * client) is snapshotted mid-tool and at the end, and each snapshot is rendered the way OpenWebUI renders an
 * assistant message (tests/helpers/openwebui-markdown.ts, rebuilt from OpenWebUI's source). Screenshots go to
 * test-results/openwebui/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { openWebUiPage } from '../helpers/openwebui-markdown.ts';
import { chromiumMissing, launchChromium, type Browser } from '../renderer/chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);
if (missing) console.log(`# OpenWebUI rendering e2e skipped: ${missing}`);

const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'openwebui');
// The release file has an absolute path the command can read under any policy (a chat works in a folder of its own).
const RELEASE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-release-')), 'release-step');
const COMMAND = `for i in $(seq 300); do [ -f ${RELEASE} ] && break; sleep 0.1; done; echo released-$((40+2))`;

describe('a running tool step as OpenWebUI shows it (Chromium, real Claude Code)', { skip: missing ?? false, timeout: 180_000 }, () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let midTool = '';
  let final = '';

  before(async () => {
    gw = await startTestGateway({ script: bashThenAnswer(COMMAND) });
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'run the slow step' }] });
    for await (const c of s) {
      final += c.choices[0]?.delta?.content ?? '';
      // The first closed block is the step's start: the command is still waiting for the release.
      if (!midTool && final.includes('</details>')) {
        midTool = final;
        fs.writeFileSync(RELEASE, '');
      }
    }
    browser = await launchChromium({ viewport: { width: 900, height: 700 } });
    page = await browser.context.newPage();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    fs.rmSync(path.dirname(RELEASE), { recursive: true, force: true });
  });

  async function show(messages: Array<{ caption: string; content: string }>, shot: string): Promise<void> {
    await page.setContent(openWebUiPage(messages));
    await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  }

  test('mid-tool: the step shows as a titled row, no raw markup, and its input is one click away', async () => {
    assert.ok(midTool && !midTool.includes('released-42'), midTool);
    await show([{ caption: 'streaming — the Bash step is running', content: midTool }], 'mid-tool');
    const msg = page.locator('.msg').first();
    const visible = await msg.innerText();
    assert.ok(visible.includes("I'll run the command."), visible);
    assert.ok(!visible.includes('<details') && !visible.includes('<summary'), `raw markup shown:\n${visible}`);
    const titles = await msg.locator('.collapsible > .title').allInnerTexts();
    assert.equal(titles.length, 1);
    assert.ok(titles[0].startsWith(`Bash: ${COMMAND.slice(0, 79)}…`), titles[0]);
    await msg.locator('.collapsible > .title').first().click();
    assert.equal(await msg.locator('.collapsible.open pre').first().innerText(), COMMAND);
    await page.screenshot({ path: path.join(SHOTS, 'mid-tool-expanded.png'), fullPage: true });
  });

  test('final: text, the step, its result and the answer read in order; the result opens to the output', async () => {
    await show([{ caption: 'complete answer (the non-stream body is the same text)', content: final }], 'final');
    const msg = page.locator('.msg').first();
    const visible = await msg.innerText();
    assert.ok(!visible.includes('<details') && !visible.includes('<summary'), visible);
    const titles = await msg.locator('.collapsible > .title').allInnerTexts();
    assert.deepEqual(titles.map((t) => t.replace(/\s*⌄$/, '').replace(/^Bash: .*?(…)?( — result)?$/, 'Bash$2')), ['Bash', 'Bash — result']);
    assert.ok(visible.indexOf("I'll run the command.") < visible.indexOf('The command printed released-42. Done.'));
    await msg.locator('.collapsible > .title').nth(1).click();
    assert.equal(await msg.locator('.collapsible.open pre').first().innerText(), 'released-42');
    await page.screenshot({ path: path.join(SHOTS, 'final-result-expanded.png'), fullPage: true });
  });

  test('the rejected form — an open <details> until the result arrives — shows raw markup mid-tool', async () => {
    // What "open the block at tool start, close it at tool end" would have streamed by now.
    const open = midTool.replace(/<\/details>\n\n$/, '');
    await show([{ caption: 'rejected: an unclosed <details> while the step runs', content: open }], 'rejected-open-details');
    const visible = await page.locator('.msg').first().innerText();
    assert.ok(visible.includes('<details>') && visible.includes('<summary>'), visible);
    assert.equal(await page.locator('.collapsible').count(), 0);
  });
});
