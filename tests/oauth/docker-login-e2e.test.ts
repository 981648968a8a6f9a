/**
 * Docker runtime, end to end against the real engine with the real claude binary INSIDE the container: the MCP
 * server is added and logged in through /api/mcp as the dashboard does it, the provider's redirect reaches OUR host
 * callback listener, which hands it into the container (over the control session's `docker exec -i` stdio), the
 * tokens land in the container's Claude config, and an OpenAI request through the gateway then calls the
 * OAuth-protected tool from Claude Code in the container. The container is started by the product's own compose
 * manager, so its Claude Code also uses our listener's port for the logins it starts itself.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type ListenerHealth, type LoginSnapshot, type McpActionResult, type McpServersResponse } from '../../main/contract/mcp-api.ts';
import { MCP_ROUTES } from '../../main/contract/mcp-routes.ts';
import { routeUrl } from '../../main/contract/route.ts';
import { loadOrCreateAdminToken } from '../../main/control/admin-token.ts';
import { pickFreePort } from '../../main/oauth/callback-port.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { dockerCli, dockerGatewayConfig, dockerSkip, forceRemoveProject, makeWorkspace, uniqueProject } from '../fixtures/docker-env.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { callSecretTool, secretTool } from '../fixtures/oauth-setup.ts';
import { startScriptedAnthropic, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from '../helpers/gateway.ts';
import { waitFor, waitUntil } from '../helpers/wait.ts';

const skip = dockerSkip();

const SERVER = 'vault';
const SECRET = 'harbor-lynx-2718';
/** The image's user home (scripts/docker/test-image.mjs, docker/Dockerfile); no CLAUDE_CONFIG_DIR enters the container. */
const CONTAINER_HOME = '/home/claude';

/** Claude processes left in the container (the health probe and PID 1's banner carry `--version`). */
function claudeProcesses(containerId: string): string[] {
  const ps = dockerCli(['exec', containerId, 'ps', '-o', 'pid,args']);
  assert.equal(ps.status, 0, ps.stderr);
  return ps.stdout.split('\n').slice(1).filter((l) => /claude/.test(l) && !/--version|ps -o/.test(l)).map((l) => l.trim());
}

describe('docker runtime: in-app MCP OAuth login relayed into the container, then the tool through the gateway (real engine, real claude)', { skip, timeout: 300_000 }, () => {
  const project = uniqueProject('oauth');
  let fx: OAuthMcpServer;
  let api: ScriptedAnthropic;
  let workspace = '';
  let dataDir = '';
  let home = '';
  let services: Services;
  let adminToken = '';
  let callbackPort = 0;
  let containerId = '';

  async function control<T>(method: 'GET' | 'POST', p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${services.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  const containerFile = (file: string): { status: number; stdout: string } => dockerCli(['exec', containerId, 'cat', file]);

  before(async () => {
    fx = await startOAuthMcpServer({ secret: SECRET, name: 'Vault' });
    api = await startScriptedAnthropic(callSecretTool(SERVER));
    workspace = makeWorkspace();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-oauth-docker-'));
    home = path.join(dataDir, 'home');
    // A fixed port, as in production (8888): the redirect URI names it, and the container relay is pinned to it.
    callbackPort = await pickFreePort('127.0.0.1');
    // The product's own wiring: Services builds the compose manager, the docker runtime and the OAuth services from
    // this config; nothing is injected. Host network so the container reaches the fixtures on 127.0.0.1.
    const config = dockerGatewayConfig({ dataDir, project, workspace, oauthCallbackPort: callbackPort });
    services = await buildServices(config, { claudeEnv: { ...process.env, ...claudeTestEnv(api.url, home) }, consoleLog: false });
    await services.start();
    assert.equal(services.runtime.kind, 'docker');
    const compose = services.compose;
    assert.ok(compose, 'the docker runtime builds its compose manager');
    await compose.up({ timeoutMs: 120_000 });
    containerId = await compose.runningContainer();
    adminToken = loadOrCreateAdminToken(dataDir).token;
  });

  after(async () => {
    await services?.stop({ graceMs: 0 }).catch(() => {});
    await services?.compose?.down({ removeVolumes: true }).catch(() => {});
    forceRemoveProject(project);
    await fx?.close();
    await api?.close();
    for (const dir of [dataDir, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Claude Code in the container uses our listener\'s port for its own OAuth callbacks', () => {
    // A login a user starts in the container (`/mcp`) sends the browser to localhost:<this port>: our listener.
    const env = dockerCli(['exec', containerId, 'sh', '-c', 'echo "$MCP_OAUTH_CALLBACK_PORT"']);
    assert.equal(env.status, 0, env.stderr);
    assert.equal(env.stdout.trim(), String(callbackPort));
  });

  test('the server is added through /api/mcp into the container\'s Claude config and needs auth', async () => {
    const added = await control<McpActionResult>('POST', MCP_ROUTES.servers.path, { name: SERVER, url: fx.mcpUrl });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const cfg = containerFile(`${CONTAINER_HOME}/.claude.json`);
    assert.equal(cfg.status, 0, 'the container has a Claude config');
    assert.equal((JSON.parse(cfg.stdout) as { mcpServers?: Record<string, { url?: string }> }).mcpServers?.[SERVER]?.url, fx.mcpUrl);
    assert.ok(!fs.existsSync(path.join(home, '.claude.json')), 'nothing was written into the host Claude home');
    const list = await control<McpServersResponse>('GET', MCP_ROUTES.servers.path);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.servers.find((s) => s.name === SERVER)?.status, 'needs-auth', JSON.stringify(list.body.servers));
  });

  test('login: the redirect reaches our host listener, is relayed into the container, tokens stored there, connected', async () => {
    const started = await control<{ login: LoginSnapshot }>('POST', routeUrl(MCP_ROUTES.login.path, { name: SERVER }));
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const login = started.body.login;
    assert.equal(login.step, 'waiting_for_browser', login.reason ?? JSON.stringify(login.events));
    const waiting = login.events.find((e) => e.step === 'waiting_for_browser');
    assert.ok(waiting && waiting.step === 'waiting_for_browser');
    const ourRedirect = `http://localhost:${callbackPort}/callback`;
    assert.equal(waiting.redirectUri, ourRedirect);
    assert.equal(waiting.via, 'gateway-listener');

    // The "browser": the provider registered and redirects to our listener's port, never one inside the container.
    const redirect = await fx.consent(login.authUrl ?? '');
    assert.ok(redirect.startsWith(`${ourRedirect}?`), redirect);
    assert.equal(fx.stats.redirectUris.at(-1), ourRedirect);
    const exchanges = fx.stats.codeExchanges;
    const page = await fetch(redirect);
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.match(html, new RegExp(`Signed in to ${SERVER}`));
    assert.equal(fx.stats.codeExchanges, exchanges + 1, 'Claude Code in the container exchanged the code');

    const done = await waitFor(async () => {
      const r = await control<LoginSnapshot>('GET', routeUrl(MCP_ROUTES.loginById.path, { id: login.loginId }));
      return r.body.done ? r.body : null;
    }, { ms: 90_000, everyMs: 250, what: 'the login to finish' });
    assert.equal(done.step, 'connected', done.reason ?? '');
    assert.deepEqual(done.events.map((e) => e.step), ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected']);

    const health = (await (await fetch(`http://127.0.0.1:${callbackPort}/health`)).json()) as ListenerHealth;
    assert.equal(health.completed, 1, JSON.stringify(health));
    assert.equal(health.failed, 0);
    assert.deepEqual(health.pendingLogins, []);
    assert.match(health.relayTarget, /container/);

    // The tokens live in the container's Claude home, not on the host.
    const creds = containerFile(`${CONTAINER_HOME}/.claude/.credentials.json`);
    assert.equal(creds.status, 0, 'the container has a credentials file');
    const entries = Object.values((JSON.parse(creds.stdout) as { mcpOAuth?: Record<string, { serverName?: string; accessToken?: string; refreshToken?: string; redirectUri?: string }> }).mcpOAuth ?? {});
    const entry = entries.find((e) => e.serverName === SERVER);
    assert.ok(entry?.accessToken && entry.refreshToken, JSON.stringify(entries.map((e) => e.serverName)));
    assert.ok(!fs.existsSync(path.join(home, '.claude', '.credentials.json')), 'no tokens on the host');

    const list = await control<McpServersResponse>('GET', MCP_ROUTES.servers.path);
    const row = list.body.servers.find((s) => s.name === SERVER);
    assert.equal(row?.status, 'connected', JSON.stringify(row));
    assert.equal(row?.oauth?.hasTokens, true);
    // The login's control session (docker exec -i claude …) ended with the login.
    await waitUntil(() => claudeProcesses(containerId).length === 0, { ms: 20_000, everyMs: 250, what: () => `no claude left in the container (${claudeProcesses(containerId).join(' | ')})` });
  });

  test('an OpenAI request through the gateway calls the MCP tool from Claude Code in the container', async () => {
    const client = new OpenAI({ baseURL: `${services.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const calls = fx.stats.toolCalls;
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'What is the secret?' }] });
    const content = r.choices[0].message.content ?? '';
    assert.ok(content.includes(`The secret is: ${SECRET}`), content);
    assert.equal(fx.stats.toolCalls, calls + 1, 'the tool really ran on the MCP server');
    const main = api.mainRequests().at(-1);
    const offered = main?.tools?.map((t) => t.name) ?? [];
    assert.ok(offered.includes(secretTool(SERVER)) || offered.includes('ToolSearch'), offered.join(','));
    // Claude Code ran in the container: it reports the container's workspace, never the host's folder.
    const seen = JSON.stringify(main);
    assert.match(seen, /Primary working directory: \/workspace\b/);
    assert.ok(!seen.includes(workspace), 'the host workspace path never reached Claude Code');
  });

  test('after the access token expired, Claude Code in the container refreshes it and stores the new one there', async () => {
    const stored = (): string | undefined => {
      const creds = JSON.parse(containerFile(`${CONTAINER_HOME}/.claude/.credentials.json`).stdout) as { mcpOAuth?: Record<string, { serverName?: string; accessToken?: string }> };
      return Object.values(creds.mcpOAuth ?? {}).find((e) => e.serverName === SERVER)?.accessToken;
    };
    const oldToken = stored();
    fx.expireAccessTokens();
    const refreshes = fx.stats.refreshes;
    const client = new OpenAI({ baseURL: `${services.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'And the secret now?' }] });
    assert.ok((r.choices[0].message.content ?? '').includes(`The secret is: ${SECRET}`), r.choices[0].message.content ?? '');
    assert.ok(fx.stats.refreshes > refreshes, 'a refresh-token grant was used');
    const newToken = stored();
    assert.ok(newToken && newToken !== oldToken, 'the refreshed access token is in the container\'s credentials');
  });
});
