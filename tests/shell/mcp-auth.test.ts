/**
 * The tray's MCP sign-in view over the real OAuth services (createOAuthServices, the real Claude Code binary, an
 * OAuth-protected MCP server on loopback): a server needing auth badges the tray and is listed under "Log in to MCP
 * server", starting the login opens the provider page and shows it waiting for the browser, approving it clears the
 * badge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { OAuthServices } from '../../main/oauth/index.ts';
import { mcpAuthFromOAuth, mcpTrayServers, type TrayMcpAuth } from '../../main/shell/mcp-auth.ts';
import { findItem, trayModel, type ShellState } from '../../main/shell/tray-model.ts';
import type { OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { startOAuthServicesFixture, type OAuthServicesFixture } from '../fixtures/oauth-setup.ts';
import { waitUntil } from '../helpers/wait.ts';

const base: Omit<ShellState, 'mcpServers'> = {
  gateway: 'running', gatewayUrl: 'http://127.0.0.1:8000', oauthPort: 8888, activeRuns: 0, container: null,
  startAtLogin: false, startAtLoginSupported: false, keepRunningInTray: true, quitting: false,
};

const until = (cond: () => boolean, ms = 60_000): Promise<void> => waitUntil(cond, { ms, what: 'the condition', everyMs: 50 });

test('listed status and logins under way become tray entries', () => {
  assert.deepEqual(mcpTrayServers(
    [{ name: 'a', status: 'needs-auth' }, { name: 'b', status: 'connected' }, { name: 'c', status: 'disabled' }, { name: 'd', status: 'unknown' }],
    [{ serverName: 'b', done: false, step: 'waiting_for_browser' }, { serverName: 'e', done: false, step: 'started' }, { serverName: 'a', done: true, step: 'failed' }],
  ), [
    { name: 'a', status: 'needs-auth' },
    { name: 'b', status: 'login-pending' },
    { name: 'c', status: 'connected' },
    { name: 'd', status: 'pending' },
    { name: 'e', status: 'login-pending' },
  ]);
});

describe('tray MCP sign-in over the real OAuth services', { timeout: 300_000 }, () => {
  let setup: OAuthServicesFixture;
  let fx: OAuthMcpServer;
  let oauth: OAuthServices;
  let auth: TrayMcpAuth;
  const opened: string[] = [];

  before(async () => {
    setup = await startOAuthServicesFixture({ secret: 'tray-secret', name: 'Tray Vault' }, { openUrl: (url) => void opened.push(url) });
    ({ fx, oauth } = setup);
    const added = await oauth.servers.add({ name: 'vault', url: fx.mcpUrl, transport: 'http' });
    assert.ok(added.ok, JSON.stringify(added));
    auth = mcpAuthFromOAuth(oauth);
  });
  after(async () => {
    auth?.close();
    await setup?.close();
  });

  it('needs-auth → login waiting for the browser → approved → connected', async () => {
    await auth.refresh();
    assert.deepEqual(auth.servers(), [{ name: 'vault', status: 'needs-auth' }]);
    let model = trayModel({ ...base, mcpServers: auth.servers() });
    assert.equal(model.icon, 'tray-running-badge');
    const item = findItem(model.menu, 'mcp.login:vault');
    assert.ok(item && item.kind === 'item' && item.enabled);
    assert.deepEqual(item.action, { type: 'mcp.login', server: 'vault' });

    let changes = 0;
    const off = auth.onChange(() => changes++);
    await auth.login('vault');
    await until(() => opened.length === 1);
    assert.ok(opened[0].startsWith(`${fx.origin}/authorize?`), opened[0]);
    assert.deepEqual(auth.servers(), [{ name: 'vault', status: 'login-pending' }]);
    model = trayModel({ ...base, mcpServers: auth.servers() });
    const pending = findItem(model.menu, 'mcp.login:vault');
    assert.equal(pending?.kind === 'item' && pending.label, 'vault (waiting for browser…)');

    // the user approves in the browser; the provider redirects to our callback listener
    assert.equal((await fx.signIn(opened[0])).status, 200);

    await until(() => auth.servers().some((s) => s.name === 'vault' && s.status === 'connected'), 120_000);
    off();
    assert.ok(changes >= 2, 'the tray heard about the steps');
    model = trayModel({ ...base, mcpServers: auth.servers() });
    assert.equal(model.icon, 'tray-running');
    assert.equal(findItem(model.menu, 'mcp.login:vault'), undefined);
  });
});
