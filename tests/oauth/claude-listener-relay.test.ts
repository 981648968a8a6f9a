/**
 * The paths where Claude Code's OWN callback listener waits (a server with a pre-registered client id, or a login
 * started outside the app), against the real Claude Code binary:
 * - the driver's fallback in the local runtime: Claude Code's listener on a pinned free port ≠ ours, completes;
 * - a login started outside the app, registered with POST /oauth/register as a docker target: the callback that
 *   reaches our listener is relayed by the container relay's GET script (here the "container" is this machine's
 *   shell, the real docker run belongs to the docker runtime's tests) to Claude Code's listener, which completes it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { pickFreePort } from '../../main/oauth/callback-port.ts';
import { sdkControlSessionFactory } from '../../main/oauth/control-session.ts';
import { dockerRelayFactory, type ContainerExec } from '../../main/oauth/docker-relay.ts';
import { OAuthCallbackListener } from '../../main/oauth/listener.ts';
import { McpLoginDriver } from '../../main/oauth/login-driver.ts';
import type { McpServers } from '../../main/oauth/mcp-servers.ts';
import { localRelayFactory } from '../../main/oauth/relay.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { addFixtureServer } from '../fixtures/oauth-setup.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { waitUntil } from '../helpers/wait.ts';

const ADMIN = 'relay-admin-token';

/** Stands in for `docker exec <container>`: runs argv in this machine's shell. */
const hostExec: ContainerExec = (argv, opts) =>
  new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: opts.timeoutMs, signal: opts.signal }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

describe("Claude Code's own callback listener (real binary)", { timeout: 420_000 }, () => {
  let api: ScriptedAnthropic;
  let fx: OAuthMcpServer;
  let home: string;
  let env: Record<string, string | undefined>;
  let listener: OAuthCallbackListener;
  let servers: McpServers;
  const claudePath = resolveClaudeBinary() as string;

  before(async () => {
    api = await startScriptedAnthropic(() => ({ blocks: [{ type: 'text', text: 'unused' }] }));
    fx = await startOAuthMcpServer({ secret: 'pinned-secret', preRegisteredClients: [{ clientId: 'pre-registered-app', redirectUris: ['http://localhost:8888/callback'] }] });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-oauth-pinned-'));
    env = { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-test', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    listener = new OAuthCallbackListener({ host: '127.0.0.1', port: 0, checkAdminToken: (t) => t === ADMIN, relayFactory: dockerRelayFactory(hostExec, localRelayFactory) });
    await listener.start();
    servers = await addFixtureServer(fx, ['pinned', 'outside'], { env, cwd: home, clientId: 'pre-registered-app' });
  });

  after(async () => {
    await listener?.stop();
    await fx?.close();
    await api?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('pre-registered client id, local runtime: Claude Code listens on a pinned port ≠ ours and the login completes', async () => {
    const driver = new McpLoginDriver({
      runtime: 'local',
      sessions: sdkControlSessionFactory({ claudePath, env, cwd: home }),
      listener,
      callbackPort: 0,
      pollMs: 300,
      openUrl: async (authUrl) => {
        const redirect = await fx.consent(authUrl);
        await fetch(redirect); // straight to Claude Code's own listener
      },
    });
    const snap = await driver.start('pinned').result;
    assert.equal(snap.step, 'connected', snap.reason ?? '');
    const waiting = snap.events.find((e) => e.step === 'waiting_for_browser');
    assert.ok(waiting && waiting.step === 'waiting_for_browser');
    assert.equal(waiting.via, 'claude-listener');
    const port = Number(new URL(waiting.redirectUri ?? '').port);
    assert.ok(port > 0 && port !== listener.port, `Claude Code's port ${port} differs from ours ${listener.port}`);
    assert.equal(fx.stats.redirectUris.at(-1), `http://localhost:${port}/callback`);
  });

  test('login started outside the app, registered as a docker target: our listener relays it into "the container", once', async () => {
    const claudePort = await pickFreePort('127.0.0.1', [listener.port ?? 0]);
    const session = await sdkControlSessionFactory({ claudePath, env, cwd: home })({ MCP_OAUTH_CALLBACK_PORT: String(claudePort) });
    try {
      const auth = await session.authenticate('outside', null);
      assert.equal(auth.redirectScheme, 'localhost');
      assert.equal(auth.callbackPort, claudePort);
      assert.ok(auth.state && auth.authUrl);

      const reg = await fetch(`http://127.0.0.1:${listener.port}/oauth/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: auth.state, serverName: 'outside', target: { runtime: 'docker', callbackPort: claudePort } }),
      });
      assert.equal(reg.status, 201);
      assert.equal(((await reg.json()) as { relay: string }).relay, `container 127.0.0.1:${claudePort}`);

      // In the docker runtime the browser's localhost:8888 IS our listener: send the redirect there.
      const redirect = new URL(await fx.consent(auth.authUrl));
      assert.equal(redirect.port, String(claudePort));
      const ours = `http://localhost:${listener.port}/callback${redirect.search}`;
      const exchangesBefore = fx.stats.codeExchanges;
      const page = await fetch(ours);
      const html = await page.text();
      assert.equal(page.status, 200, html);
      assert.match(html, /Signed in to outside/);

      let status = '';
      await waitUntil(async () => {
        status = (await session.status()).find((s) => s.name === 'outside')?.status ?? '';
        return status === 'connected';
      }, { what: () => `the server connected (last: ${status})`, ms: 10_000, everyMs: 250 });
      assert.equal(fx.stats.codeExchanges, exchangesBefore + 1);

      const replay = await fetch(ours);
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already used/);
    } finally {
      await session.close();
    }
  });
});
