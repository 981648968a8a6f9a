/**
 * End to end, local runtime: the real Claude Code binary, the OAuth-protected MCP fixture server, our callback
 * listener, and a plain HTTP client playing the browser (consent page → Approve/Deny → follow the redirect, which
 * lands on OUR listener).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { ProcessTracker } from '../../main/claude/orphans.ts';
import { sdkControlSessionFactory } from '../../main/oauth/control-session.ts';
import { OAuthCallbackListener } from '../../main/oauth/listener.ts';
import type { LoginEvent } from '../../main/contract/mcp-api.ts';
import { McpLoginDriver } from '../../main/oauth/login-driver.ts';
import type { McpServers } from '../../main/oauth/mcp-servers.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { addFixtureServer } from '../fixtures/oauth-setup.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';

const SECRET = 'the-secret-is-7431';

type BrowserVisit = Awaited<ReturnType<OAuthMcpServer['signIn']>>;

describe('MCP login driver (real Claude Code, local runtime)', { timeout: 420_000 }, () => {
  let api: ScriptedAnthropic;
  let fx: OAuthMcpServer;
  let home: string;
  let listener: OAuthCallbackListener;
  let servers: McpServers;
  let env: Record<string, string | undefined>;
  const claudePath = resolveClaudeBinary();

  before(async () => {
    assert.ok(claudePath, 'bundled Claude Code binary present');
    api = await startScriptedAnthropic(() => ({ blocks: [{ type: 'text', text: 'unused' }] }));
    fx = await startOAuthMcpServer({ secret: SECRET, name: 'Secret Keeper' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-oauth-'));
    env = { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-test', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    listener = new OAuthCallbackListener({ host: '127.0.0.1', port: 0 });
    assert.equal((await listener.start()).status, 'listening');
    servers = await addFixtureServer(fx, ['keeper', 'keeper_deny'], { env, cwd: home });
  });

  after(async () => {
    await listener?.stop();
    await fx?.close();
    await api?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  const driverWith = (opts: { timeoutMs?: number; browser?: (url: string) => void; tracker?: ProcessTracker }): McpLoginDriver =>
    new McpLoginDriver({
      runtime: 'local',
      sessions: sdkControlSessionFactory({ claudePath, env, cwd: home, ...(opts.tracker ? { tracker: opts.tracker } : {}) }),
      listener,
      callbackPort: 0,
      timeoutMs: opts.timeoutMs,
      openUrl: opts.browser,
    });

  test('lists the added servers as needing auth', async () => {
    const list = await servers.list();
    const keeper = list.find((s) => s.name === 'keeper');
    assert.ok(keeper, JSON.stringify(list));
    assert.equal(keeper.transport, 'http');
    assert.equal(keeper.url, fx.mcpUrl);
    assert.equal(keeper.status, 'needs-auth');
    assert.equal(keeper.scope, 'user');
  });

  test('Approve: started → waiting_for_browser → code_received → tokens_stored → connected, through OUR listener', async () => {
    let visit: Promise<BrowserVisit> | null = null;
    const driver = driverWith({ browser: (url) => { visit = fx.signIn(url, 'approve'); } });
    const events: LoginEvent[] = [];
    driver.on('event', (e) => events.push(e));
    let changed = 0;
    servers.watchLogins(driver);
    servers.on('changed', () => changed++);
    const before = listener.health().completed;

    const snap = await driver.start('keeper').result;
    assert.deepEqual(events.map((e) => e.step), ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected'], snap.reason ?? '');
    const waiting = events[1];
    assert.ok(waiting.step === 'waiting_for_browser');
    assert.equal(waiting.via, 'gateway-listener');
    assert.equal(waiting.redirectUri, listener.redirectUri());
    const connected = events[4];
    assert.ok(connected.step === 'connected');
    assert.ok(connected.tools.includes('get_secret'), connected.tools.join(','));

    // The provider was told to redirect to our listener, and the browser's redirect went through it.
    assert.equal(fx.stats.redirectUris.at(-1), `http://localhost:${listener.port}/callback`);
    assert.ok(visit, 'the authorization URL was opened');
    const v = await (visit as Promise<BrowserVisit>);
    assert.ok(v.redirect.startsWith(`http://localhost:${listener.port}/callback?code=`), v.redirect);
    assert.equal(v.status, 200);
    assert.match(v.html, /Signed in to keeper/);
    assert.equal(listener.health().completed, before + 1);
    assert.equal(fx.stats.codeExchanges, 1);
    assert.ok(changed >= 1, 'servers announced a change');

    const keeper = (await servers.list()).find((s) => s.name === 'keeper');
    assert.equal(keeper?.status, 'connected');
    assert.ok(keeper?.oauth?.hasTokens);
    assert.ok((keeper?.oauth?.expiresAt ?? 0) > Date.now(), 'token expiry read from the credentials file');
    assert.equal(keeper?.oauth?.hasRefreshToken, true);
    assert.deepEqual(driver.get(snap.loginId)?.step, 'connected');
  });

  test("Deny: failed with the provider's reason, the server stays needs-auth", async () => {
    let visit: Promise<BrowserVisit> | null = null;
    const driver = driverWith({ browser: (url) => { visit = fx.signIn(url, 'deny'); } });
    const snap = await driver.start('keeper_deny').result;
    assert.equal(snap.step, 'failed');
    assert.match(snap.reason ?? '', /access_denied/);
    assert.match(snap.reason ?? '', /denied access/);
    assert.ok(!snap.events.some((e) => e.step === 'tokens_stored'));
    const v = await (visit as unknown as Promise<BrowserVisit>);
    assert.equal(v.status, 400);
    assert.match(v.html, /refused by the provider/);
    assert.match(v.html, /keeper_deny/);
    const row = (await servers.list()).find((s) => s.name === 'keeper_deny');
    assert.equal(row?.status, 'needs-auth');
  });

  test('timeout: failed, the pending state is withdrawn, a late callback is refused and not relayed', async () => {
    let authUrl = '';
    // The login's Claude process is listed for crash recovery while it waits, and no longer once the login ended.
    const tracker = new ProcessTracker(path.join(home, 'run-claude'));
    let listedWhileWaiting: string[] = [];
    const driver = driverWith({ timeoutMs: 1500, tracker, browser: (url) => { authUrl = url; listedWhileWaiting = fs.readdirSync(tracker.dir); } });
    const failedBefore = listener.health().failed;
    const snap = await driver.start('keeper_deny').result;
    assert.equal(listedWhileWaiting.length, 1, 'the waiting session is listed');
    assert.deepEqual(fs.readdirSync(tracker.dir), [], 'and forgotten once it exited');
    assert.equal(snap.step, 'failed');
    assert.match(snap.reason ?? '', /timed out/);
    assert.equal(listener.health().pendingLogins.length, 0);
    // The user approves too late: the redirect reaches our listener, which refuses it.
    const v = await fx.signIn(authUrl, 'approve');
    assert.equal(v.status, 400);
    assert.match(v.html, /no longer waiting|expired/i);
    assert.equal(listener.health().failed, failedBefore + 1);
      });

  test('unknown server → failed with Claude Code\'s reason', async () => {
    const driver = driverWith({});
    const snap = await driver.start('no_such_server').result;
    assert.equal(snap.step, 'failed');
    assert.match(snap.reason ?? '', /not found/i);
  });

  test('expired access token → Claude Code refreshes it by itself; log out → needs auth again', async () => {
    fx.expireAccessTokens();
    const refreshesBefore = fx.stats.refreshes;
    // Claude Code only learns of the expiry from a 401: expire the stored copy too, as time would.
    const credFile = path.join(home, '.claude', '.credentials.json');
    const creds = JSON.parse(fs.readFileSync(credFile, 'utf8')) as { mcpOAuth: Record<string, { serverName: string; expiresAt?: number }> };
    for (const entry of Object.values(creds.mcpOAuth)) if (entry.serverName === 'keeper') entry.expiresAt = Date.now() - 1000;
    fs.writeFileSync(credFile, JSON.stringify(creds), { mode: 0o600 });
    const row = (await servers.list()).find((s) => s.name === 'keeper');
    assert.equal(row?.status, 'connected', row?.statusDetail ?? '');
    assert.ok(fx.stats.refreshes > refreshesBefore, 'a refresh-token grant was used');
    assert.ok((row?.oauth?.expiresAt ?? 0) > Date.now(), 'fresh expiry stored');

    const out = await servers.logout('keeper');
    assert.ok(out.ok, JSON.stringify(out));
    const after = (await servers.list()).find((s) => s.name === 'keeper');
    assert.equal(after?.status, 'needs-auth');
    assert.equal(after?.oauth?.hasTokens ?? false, false);
  });
});
