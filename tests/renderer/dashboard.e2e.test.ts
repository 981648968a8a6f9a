import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { buildRenderer, chromiumMissing, DOCS_IMAGES_DIR, launchChromium, SCREENSHOT_DIR, type Browser } from './chromium.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

/** Resolvable gates let the test look at a run while it is in a given state. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const finalGate = gate();
const cancelGate = gate();

/** "agentic": text + Bash, then (after the test opens the gate) the final answer. "cancel me": hangs. "please fail": API error. */
/** "gallery": one call of each file tool, then a Task whose sub-agent runs Bash (Claude Code runs them all for real). */
const GALLERY = [
  { type: 'tool_use' as const, name: 'Write', input: { file_path: 'notes.txt', content: 'alpha\nbeta\ngamma\n' } },
  { type: 'tool_use' as const, name: 'Read', input: { file_path: 'notes.txt' } },
  { type: 'tool_use' as const, name: 'Edit', input: { file_path: 'notes.txt', old_string: 'beta', new_string: 'BETA\nbeta2' } },
  { type: 'tool_use' as const, name: 'Grep', input: { pattern: 'BETA', path: '.' } },
  { type: 'tool_use' as const, name: 'Glob', input: { pattern: '*.txt' } },
  { type: 'tool_use' as const, name: 'Task', input: { description: 'look around', prompt: 'SUBAGENT-TASK: list files', subagent_type: 'general-purpose' } },
];

const script: Script = async (_req, info) => {
  const said = info.userTexts.join('\n');
  if (said.includes('SUBAGENT-TASK')) {
    if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `Sub-agent saw ${toolResultText(info.lastToolResults[0]).trim()}.` }] };
    return { blocks: [{ type: 'text', text: 'Sub-agent checking.' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo from-subagent' } }] };
  }
  if (said.includes('gallery')) {
    const n = info.assistantTurns;
    return n < GALLERY.length ? { blocks: [{ type: 'text', text: `Gallery step ${n + 1}.` }, GALLERY[n]] } : { blocks: [{ type: 'text', text: 'Gallery done.' }] };
  }
  if (said.includes('please fail')) return { httpError: 400, errorType: 'invalid_request_error', message: 'scripted refusal for the dashboard test' };
  if (said.includes('cancel me')) {
    await cancelGate.wait;
    return { blocks: [{ type: 'text', text: 'too late' }] };
  }
  if (info.lastToolResults.length) {
    await finalGate.wait;
    const out = toolResultText(info.lastToolResults[0]).split('\n')[0];
    return { chunkDelayMs: 20, blocks: [{ type: 'text', text: `The command printed ${out}. Final answer: 7.`, chunks: 6 }] };
  }
  return { chunkDelayMs: 10, blocks: [{ type: 'thinking', thinking: 'The user wants the number; run it.' }, { type: 'text', text: "I'll run the command." }, { type: 'tool_use', name: 'Bash', input: { command: 'echo fib-$((3+4))', description: 'compute fib' } }] };
};

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

async function rowStatus(page: Page, id: string): Promise<string | null> {
  return page.locator(`tr[data-request-id="${id}"]`).getAttribute('data-status');
}

describe('dashboard in Chromium (headless server, scripted model)', { skip: missing ?? false }, () => {
  let gw: TestDashboard;
  let browser: Browser;
  let page: Page;
  let client: OpenAI;
  let outDir: string;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-renderer-'));
    buildRenderer(outDir);
    gw = await startTestDashboard({ script, control: { serveDashboard: true, dashboardDir: outDir }, config: { CLAUDE_ALLOWED_TOOLS: 'Bash,Read,Write,Edit,Glob,Grep,Task', LOG_LEVEL: 'info' } });
    gw.services.registerHealth('docker', () => ({ name: 'docker', status: 'stopped', reason: 'CLAUDE_RUNTIME is local: no container needed', since: new Date().toISOString() }));
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Claude Code cold starts take seconds on a loaded 2-core machine: wait generously, assert exactly.
    page.setDefaultTimeout(60_000);
  });

  after(async () => {
    finalGate.open();
    cancelGate.open();
    await browser?.close();
    await gw?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('without a token: the token screen; the printed URL opens the dashboard and the token leaves the address bar', async () => {
    await page.goto(`${gw.baseUrl}/`);
    await page.getByTestId('token-gate').waitFor();
    await page.goto(`${gw.baseUrl}/#token=${gw.token}`);
    await page.getByText(`No requests yet — point OpenWebUI at ${gw.v1}`).waitFor();
    assert.ok(!page.url().includes(gw.token), `token stripped from ${page.url()}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ccg.adminToken')), gw.token);
    await shot(page, '01-empty');
  });

  let agenticId = '';
  let agentic: Promise<unknown>;

  test('an agentic request appears live in the list and streams into the detail view', async () => {
    agentic = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'agentic: compute fib with bash' }] });
    const row = page.locator('tr[data-request-id]').first();
    await row.waitFor({ timeout: 90_000 });
    agenticId = (await row.getAttribute('data-request-id')) ?? '';
    assert.ok(agenticId);
    assert.equal(await rowStatus(page, agenticId), 'running');
    await page.locator(`tr[data-request-id="${agenticId}"] td[data-col="tools"]`).filter({ hasText: '1' }).waitFor({ timeout: 90_000 });
    await shot(page, '02-list-running');

    await row.locator('a.preview').click();
    await page.waitForURL(/#\/transcripts\//);
    const bash = page.locator('[data-tool="Bash"]');
    await bash.waitFor();
    await page.getByText("I'll run the command.").waitFor();
    assert.match(await bash.innerText(), /\$ echo fib-\$\(\(3\+4\)\)/);
    // Claude Code really ran the tool: its result is paired with the call while the run is still going.
    await page.locator('[data-tool="Bash"][data-state="done"]').waitFor({ timeout: 90_000 });
    assert.match(await bash.locator('.tool-output').innerText(), /fib-7/);
    assert.equal(await page.locator('.detail .badge').first().getAttribute('data-status'), 'running');
    await page.locator('[data-kind="thinking"]').waitFor();
    assert.equal(await page.locator('.thinking-text').count(), 0, 'thinking starts collapsed');
    await shot(page, '03-detail-running');
    // The README's picture of the dashboard: this live transcript, taken by this run so it never goes stale.
    fs.mkdirSync(DOCS_IMAGES_DIR, { recursive: true });
    await page.screenshot({ path: path.join(DOCS_IMAGES_DIR, 'dashboard.png'), fullPage: false });
  });

  test('reload while running: the stream resumes without duplicates, then the final answer arrives live', async () => {
    await page.reload();
    await page.locator('[data-tool="Bash"][data-state="done"]').waitFor();
    await page.getByText("I'll run the command.").waitFor();
    finalGate.open();
    await page.getByText('The command printed fib-7. Final answer: 7.').waitFor({ timeout: 90_000 });
    await page.locator('.detail .badge[data-status="done"]').first().waitFor({ timeout: 90_000 });
    assert.equal(await page.locator('[data-tool="Bash"]').count(), 1, 'one Bash call');
    assert.equal(await page.getByText("I'll run the command.").count(), 1, 'text shown once');
    assert.equal(await page.getByText('The command printed fib-7. Final answer: 7.').count(), 1, 'answer shown once');
    assert.equal(await page.locator('[data-kind="prompt"]').count(), 1);
    const tokens = await page.getByTestId('detail-tokens').innerText();
    assert.match(tokens, /^\d[\d.k]* \/ \d[\d.k]*$/, `tokens shown: ${tokens}`);
    const res = (await agentic) as { choices: Array<{ message: { content: string } }> };
    assert.match(res.choices[0].message.content, /Final answer: 7/);
    // Every stored event is accounted for: one row per text block / tool call, none twice.
    const stored = gw.services.store.events(agenticId) ?? [];
    assert.equal(stored.filter((e) => e.type === 'tool_use').length, 1);
    await page.locator('[data-kind="thinking"] button').click();
    await page.locator('.thinking-text').waitFor();
    await shot(page, '04-detail-done');
    await page.goto(`${gw.baseUrl}/#/`);
    await page.locator(`tr[data-request-id="${agenticId}"][data-status="done"]`).waitFor();
    assert.match(await page.locator(`tr[data-request-id="${agenticId}"] td[data-col="tokens"]`).innerText(), /\d+ \/ \d+/);
  });

  test('a failed and a cancelled request show their states', async () => {
    await page.goto(`${gw.baseUrl}/#/`);
    await client.chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: 'please fail now' }] }).catch(() => undefined);
    const failed = page.locator('tr[data-status="error"]');
    await failed.waitFor({ timeout: 90_000 });
    assert.match(await failed.innerText(), /please fail now/);

    const ac = new AbortController();
    const cancelled = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'cancel me please' }] }, { signal: ac.signal }).catch((e: unknown) => e);
    const running = page.locator('tr[data-status="running"]').filter({ hasText: 'cancel me please' });
    await running.waitFor({ timeout: 90_000 });
    const cancelId = (await running.getAttribute('data-request-id')) ?? '';
    ac.abort();
    await cancelled;
    await page.locator(`tr[data-request-id="${cancelId}"][data-status="cancelled"]`).waitFor({ timeout: 90_000 });
    await shot(page, '05-list-states');

    const failedId = (await failed.getAttribute('data-request-id')) ?? '';
    await page.goto(`${gw.baseUrl}/#/transcripts/${failedId}`);
    await page.locator('.ev-error').first().waitFor();
    assert.match(await page.locator('.ev-error').first().innerText(), /scripted refusal|Claude Code|error/i);
    await page.locator('[data-kind="end"] .badge[data-status="error"]').waitFor();
    await shot(page, '06-detail-error');

    // the list filters by status
    await page.goto(`${gw.baseUrl}/#/`);
    await page.getByLabel('Status').selectOption('cancelled');
    // The list re-renders once the filtered page arrives: wait for a list of cancelled rows only, then check it.
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr[data-request-id]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-status') === 'cancelled');
    }, undefined, { timeout: 30_000 }).catch(() => undefined);
    assert.deepEqual(await page.locator('tr[data-request-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))), ['cancelled']);
  });

  test('tool widgets: Write/Edit diffs, Read, Grep, Glob, and a Task with its sub-agent steps nested', async () => {
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'gallery of tools' }] });
    const id = gw.services.store.list({ q: 'gallery of tools' }).items[0].requestId;
    await page.goto(`${gw.baseUrl}/#/transcripts/${id}`);
    const write = page.locator('[data-tool="Write"]');
    await write.waitFor();
    assert.deepEqual(await write.locator('.diff-add').allInnerTexts(), ['+alpha', '+beta', '+gamma']);
    const edit = page.locator('[data-tool="Edit"]');
    assert.deepEqual(await edit.locator('.diff-del').allInnerTexts(), ['-beta']);
    assert.deepEqual(await edit.locator('.diff-add').allInnerTexts(), ['+BETA', '+beta2']);
    assert.match(await page.locator('[data-tool="Read"] .tool-output').innerText(), /alpha/);
    assert.match(await page.locator('[data-tool="Grep"] .tool-detail').innerText(), /\/BETA\//);
    assert.match(await page.locator('[data-tool="Grep"] .tool-output').innerText(), /notes\.txt/);
    assert.match(await page.locator('[data-tool="Glob"] .tool-output').innerText(), /notes\.txt/);
    await shot(page, '12-tools-top');
    await page.getByTestId('events-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const task = page.locator('[data-tool="Task"]');
    await task.waitFor();
    // The sub-agent's Bash call sits one level under the Task (parentToolUseId), its output paired with it.
    const nested = page.locator('.row.depth-1 [data-tool="Bash"]');
    await nested.waitFor();
    assert.match(await nested.locator('.tool-output').innerText(), /from-subagent/);
    await page.getByTestId('events-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await shot(page, '13-tools-task');
    await task.getByRole('button', { name: /Hide \d+ sub-agent step/ }).click();
    await nested.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.row.depth-1').count(), 0, 'collapsed: the steps are hidden');
  });

  test('stored transcript with MCP, TodoWrite, MultiEdit and a failing tool renders each with its widget', async () => {
    // Recorded straight into the store (no model needed): the same path every run's events take to the dashboard.
    const rec = gw.services.store.begin('widgets_1');
    rec.emit({ type: 'request', endpoint: '/v1/chat/completions', model: 'opus', stream: true, client: 'n8n', prompt: 'widgets', systemPrompt: 'be brief', imageCount: 0, runtime: 'local' });
    rec.emit({ type: 'tool_use', toolUseId: 'm1', name: 'mcp__github__search_issues', input: { query: 'is:open label:bug' }, parentToolUseId: null });
    rec.emit({ type: 'tool_result', toolUseId: 'm1', content: '[{"number":12,"title":"Crash on start"}]', isError: false, parentToolUseId: null });
    rec.emit({ type: 'tool_use', toolUseId: 't1', name: 'TodoWrite', input: { todos: [{ content: 'Reproduce', status: 'completed' }, { content: 'Fix', status: 'in_progress' }, { content: 'Test', status: 'pending' }] }, parentToolUseId: null });
    rec.emit({ type: 'tool_result', toolUseId: 't1', content: 'ok', isError: false, parentToolUseId: null });
    rec.emit({ type: 'tool_use', toolUseId: 'e1', name: 'MultiEdit', input: { file_path: '/w/a.ts', edits: [{ old_string: 'let a = 1;', new_string: 'const a = 1;' }, { old_string: 'foo()', new_string: 'bar()' }] }, parentToolUseId: null });
    rec.emit({ type: 'tool_result', toolUseId: 'e1', content: 'Applied 2 edits', isError: false, parentToolUseId: null });
    rec.emit({ type: 'tool_use', toolUseId: 'b1', name: 'Bash', input: { command: 'npm test' }, parentToolUseId: null });
    rec.emit({ type: 'tool_result', toolUseId: 'b1', content: 'Error: 3 tests failed', isError: true, parentToolUseId: null });
    rec.emit({ type: 'tool_use', toolUseId: 'w1', name: 'WebFetch', input: { url: 'https://example.com', prompt: 'summarise' }, parentToolUseId: null });
    rec.emit({ type: 'tool_result', toolUseId: 'w1', content: 'Example Domain', isError: false, parentToolUseId: null });
    rec.emit({ type: 'end', status: 'done', reason: null, durationMs: 1234 });
    await page.goto(`${gw.baseUrl}/#/transcripts/widgets_1`);
    const mcp = page.locator('[data-tool="mcp__github__search_issues"]');
    await mcp.waitFor();
    assert.match(await mcp.locator('.tool-name').innerText(), /github › search_issues/);
    assert.match(await mcp.innerText(), /MCP/);
    assert.equal(await page.locator('[data-tool="TodoWrite"] li').count(), 3);
    assert.deepEqual(await page.locator('[data-tool="MultiEdit"] .diff-del').allInnerTexts(), ['-let a = 1;', '-foo()']);
    const failed = page.locator('[data-tool="Bash"][data-state="error"]');
    assert.match(await failed.locator('.tool-output.is-error').innerText(), /3 tests failed/);
    assert.match(await page.locator('[data-tool="WebFetch"] .tool-detail').innerText(), /example\.com/);
    await shot(page, '14-widgets');
  });

  test('health page: one card per component, Claude Code version, traffic chart', async () => {
    await page.goto(`${gw.baseUrl}/#/health`);
    for (const name of ['gateway', 'claude', 'transcripts', 'oauth-listener', 'docker']) await page.locator(`[data-component="${name}"]`).waitFor();
    assert.match(await page.locator('[data-component="oauth-listener"]').innerText(), /^OAuth callback listener/);
    assert.equal(await page.locator('[data-component="gateway"]').getAttribute('data-status'), 'ok');
    assert.equal(await page.locator('[data-component="docker"]').getAttribute('data-status'), 'stopped');
    assert.match(await page.locator('[data-component="docker"]').innerText(), /no container needed/);
    assert.match(await page.getByTestId('claude-version').innerText(), /version \d+\.\d+\.\d+/);
    assert.ok((await page.locator('.chart rect.bar, .chart rect.bar-err').count()) >= 1);
    await shot(page, '07-health');
  });

  test('logs page: the app log live — a new request\'s line arrives, level and text filters', async () => {
    await page.goto(`${gw.baseUrl}/#/logs`);
    const view = page.getByTestId('app-log');
    await view.locator('.ln', { hasText: `request ${agenticId}` }).waitFor();
    assert.equal(await page.getByTestId('log-file').textContent(), gw.services.logFile);
    await page.getByTestId('app-log-state').filter({ hasText: 'live · following' }).waitFor();

    const live = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'live log: compute fib' }] });
    const line = view.locator('.ln', { hasText: `request ${live.id}` });
    await line.waitFor();
    assert.match((await line.textContent()) ?? '', /outcome=done/);
    assert.equal(await line.getAttribute('class'), 'ln lvl-info');
    await shot(page, '15-logs');

    await page.getByTestId('log-filter').fill(live.id);
    await view.locator('.ln', { hasText: `request ${agenticId}` }).waitFor({ state: 'detached' });
    assert.equal(await view.locator('.ln').count(), 1);
    await page.getByTestId('log-filter').fill('');
    await page.getByTestId('log-level').selectOption('warn');
    await line.waitFor({ state: 'detached' });
    await page.getByTestId('log-level').selectOption('all');
    await line.waitFor();
  });

  test('settings: a copyable base URL, API key shown once, its scope set and changed', async () => {
    const projectDir = path.join(gw.dataDir, 'e2e-project');
    fs.mkdirSync(projectDir, { recursive: true });
    assert.equal((await gw.call('/api/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'e2e', folder: projectDir }) })).status, 201);
    await page.goto(`${gw.baseUrl}/#/settings`);
    const base = page.getByTestId('base-url');
    await base.waitFor();
    assert.equal(await base.locator('input').inputValue(), gw.v1);
    await base.getByRole('button', { name: 'Copy' }).click();
    await base.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), gw.v1);
    await page.getByLabel('Key name').fill('openwebui');
    // limited to the project: its models only
    const newScope = page.getByTestId('new-key-scope');
    await newScope.getByLabel('Every project and chat').uncheck();
    await newScope.getByLabel('Project e2e').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-key').locator('input').inputValue();
    assert.match(secret, /^sk-ccg-/);
    assert.equal(gw.services.apiKeys().includes(secret), true);
    assert.deepEqual(gw.services.keyGrants().find((k) => k.secret === secret)?.scope, { projects: ['e2e'], chats: false });
    const row = page.getByTestId('api-keys').locator('tr[data-key-id]').filter({ hasText: 'openwebui' });
    await row.getByText('only @e2e').waitFor();
    // widened again from the row: every project and chat
    await row.getByRole('button', { name: 'Change scope' }).click();
    await row.getByTestId('edit-scope').getByLabel('Every project and chat').check();
    await row.getByRole('button', { name: 'Save scope' }).click();
    await row.getByText('every project and chat').waitFor();
    assert.equal(gw.services.keyGrants().find((k) => k.secret === secret)?.scope, null);
    await page.locator('[data-testid="settings-form"]').waitFor();
    await shot(page, '08-settings');
    await page.reload();
    await page.getByTestId('api-keys').locator('tr[data-key-id]').first().waitFor();
    assert.equal(await page.getByTestId('new-key').count(), 0, 'the secret is not shown again');
    assert.ok(!(await page.content()).includes(secret));
  });

  test('dark theme follows the system', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${gw.baseUrl}/#/transcripts/${agenticId}`);
    await page.locator('[data-tool="Bash"]').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(17, 19, 24)');
    await shot(page, '09-detail-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('control API unreachable: an error state that retries', async () => {
    await page.goto(`${gw.baseUrl}/#/`);
    await page.locator('tr[data-request-id]').first().waitFor();
    await gw.services.stop({ graceMs: 0 });
    await page.getByTestId('connection-lost').waitFor({ timeout: 20_000 });
    await shot(page, '10-connection-lost');
    // A fresh load cannot come from the dead server: the same bundle served from another loopback port (as a dev
    // server would) opens on the unreachable control API and keeps retrying.
    const statics = http.createServer((req, res) => {
      const file = path.join(outDir, (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').split('?')[0]);
      if (!file.startsWith(outDir) || !fs.existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => statics.listen(0, '127.0.0.1', r));
    try {
      const port = (statics.address() as AddressInfo).port;
      await page.goto(`http://127.0.0.1:${port}/#token=${gw.token}&api=${encodeURIComponent(gw.baseUrl)}`);
      await page.getByTestId('unreachable').waitFor();
      assert.match(await page.getByTestId('unreachable').innerText(), /Retrying in \d+ s/);
      await shot(page, '11-unreachable');
    } finally {
      statics.closeAllConnections();
      await new Promise<void>((r) => statics.close(() => r()));
    }
  });
});
