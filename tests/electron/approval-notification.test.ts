/**
 * Live approvals in the desktop app, against the stand-in `electron` module: a tool call outside the allow-list
 * shows an OS notification ("OpenWebUI wants to run `…` in a chat workspace"); clicking it opens the dashboard on
 * that approval; once decided the notification is closed. Real services and the real Claude Code binary against the
 * scripted model: only Electron is played by the test.
 */
import './stand-in/register.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BRIDGE_CHANNELS, type ControlState } from '../../main/contract/bridge.ts';
import type { ApprovalListResponse } from '../../main/contract/approvals.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';
import { buildRenderer } from '../renderer/chromium.ts';

const electron = await import('./stand-in/electron.ts');
const { standIn, BrowserWindow, Notification, app } = electron;
const { startDesktop } = await import('../../main/electron/desktop.ts');

const APP_PAGE = 'ccg-app://dashboard/index.html';
const RISKY = 'rm -rf build/ && echo cleaned';
const savedEnv = { ...process.env };

describe('desktop: a pending approval becomes a notification that opens it', () => {
  let api: ScriptedAnthropic;
  let dataDir: string;
  before(async () => {
    if (!fs.existsSync(path.join('dist', 'renderer', 'index.html'))) buildRenderer(path.resolve('dist', 'renderer'));
    api = await startScriptedAnthropic(bashThenAnswer(RISKY));
    standIn.reset();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-desktop-appr-'));
    Object.assign(process.env, claudeTestEnv(api.url, path.join(dataDir, 'home')), {
      DATA_DIR: dataDir, GATEWAY_PORT: '0', OAUTH_CALLBACK_PORT: '0', CLAUDE_SPARE_PROCESSES: '0', LOG_LEVEL: 'error',
      CCG_TRAY: 'on', CCG_SKIP_LOGIN_ENV: '1', CLAUDE_ALLOWED_TOOLS: 'Read',
    });
    delete process.env.CONFIG_FILE;
  });
  after(async () => {
    if (app.exitCode === null) {
      app.quit();
      await waitUntil(() => app.exitCode !== null, { what: 'the quit sequence', ms: 30_000 });
    }
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await api.close();
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('notifies with client, command and place; a click shows the window on that approval; deciding closes it', async () => {
    const started = startDesktop();
    standIn.ready();
    await started;
    const control = (await standIn.invoke(BRIDGE_CHANNELS.control, APP_PAGE)) as ControlState;
    assert.ok(control.state === 'ready');
    const auth = { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' };

    const answer = fetch(`${control.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-openwebui-chat-id': 'desk-1' },
      body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'clean up' }] }),
    }).then((r) => r.json() as Promise<{ choices: Array<{ message: { content: string } }> }>);
    await waitUntil(() => Notification.shown.some((n) => n.opts.title === 'Approval needed'), { what: 'the approval notification', ms: 30_000 });
    const note = Notification.shown.find((n) => n.opts.title === 'Approval needed')!;
    assert.equal(note.opts.body, 'OpenWebUI wants to run `rm -rf build/ && echo cleaned` in a chat workspace');
    const { pending } = (await (await fetch(`${control.url}/api/approvals`, { headers: auth })).json()) as ApprovalListResponse;
    assert.equal(pending.length, 1);

    const win = BrowserWindow.all[0];
    win.hide();
    note.click();
    await waitUntil(() => win.loaded.includes(`${APP_PAGE}#/approvals/${pending[0].id}`), { what: 'the window opened on the approval' });
    assert.equal(win.visible, true);

    assert.equal(note.closed, false);
    const res = await fetch(`${control.url}/api/approvals/${pending[0].id}`, { method: 'POST', headers: auth, body: JSON.stringify({ decision: 'allow_once' }) });
    assert.equal(res.status, 200);
    assert.match((await answer).choices[0].message.content, /The command printed cleaned\. Done\./);
    assert.equal(note.closed, true, 'a decided approval\'s notification goes away');
  });
});
