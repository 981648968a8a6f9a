/**
 * /health is open to anyone who can reach the port (monitors, OpenWebUI's checks): without the admin token it says
 * whether the gateway is up and each component's state, never who is signed in, where files are, or which versions
 * run besides the app's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const EMAIL = 'ada.lovelace@example.com';
let gw: TestGateway;

before(async () => {
  gw = await startTestGateway({ script: plainAnswer('ok') });
  // a component that knows the account (as claude-auth does once Claude Code reports a claude.ai login) and a path
  gw.services.registerHealth('account-probe', () => ({ name: 'account-probe', status: 'ok', reason: `Signed in as ${EMAIL}`, since: new Date().toISOString(), details: { email: EMAIL, file: path.join(gw.dataDir, 'x.json') } }));
});
after(async () => gw.close());

describe('/health without and with the admin token', () => {
  it('without the token: status and component states only — no email, no path, no Claude Code version', async () => {
    const res = await fetch(`${gw.baseUrl}/health`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(EMAIL), text);
    assert.ok(!text.includes(gw.dataDir), 'no path of this machine');
    assert.ok(!text.includes(gw.services.claudeVersion ?? '<none>'), 'no Claude Code version');
    const body = JSON.parse(text) as { status: string; components: Array<{ name: string; status: string }> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.components.find((c) => c.name === 'account-probe'), { name: 'account-probe', status: 'ok' });
  });

  it('a wrong token is the same as none; the admin token gets the full body', async () => {
    const wrong = await (await fetch(`${gw.baseUrl}/health`, { headers: { authorization: 'Bearer not-the-token' } })).text();
    assert.ok(!wrong.includes(EMAIL));
    const token = fs.readFileSync(path.join(gw.dataDir, 'admin-token'), 'utf8').trim();
    const full = await (await fetch(`${gw.baseUrl}/health`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.ok(full.includes(EMAIL), 'the full body with the token, as before');
  });
});
