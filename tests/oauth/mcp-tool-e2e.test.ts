/**
 * After an in-app login, an OpenAI chat request through the gateway whose scripted model calls
 * `mcp__<server>__get_secret` gets the secret from the OAuth-protected MCP server into the answer — and keeps
 * working after the access token expired (Claude Code refreshes it).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { resolveClaudeBinary } from '../../main/claude/binary.ts';
import { sdkControlSessionFactory } from '../../main/oauth/control-session.ts';
import { OAuthCallbackListener } from '../../main/oauth/listener.ts';
import { McpLoginDriver } from '../../main/oauth/login-driver.ts';
import { startOAuthMcpServer, type OAuthMcpServer } from '../fixtures/oauth-mcp-server.ts';
import { addFixtureServer, callSecretTool, secretTool } from '../fixtures/oauth-setup.ts';
import { claudeTestEnv, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const SERVER = 'vault';
const SECRET = 'opal-falcon-5150';

describe('MCP tool through the gateway after an in-app OAuth login', { timeout: 420_000 }, () => {
  let gw: TestGateway;
  let fx: OAuthMcpServer;
  let listener: OAuthCallbackListener;
  let client: OpenAI;

  before(async () => {
    fx = await startOAuthMcpServer({ secret: SECRET, name: 'Vault' });
    gw = await startTestGateway({
      script: callSecretTool(SERVER),
      // The gateway must allow the server's tools (mcp__<server> covers all of them).
      config: { CLAUDE_ALLOWED_TOOLS: `Bash,mcp__${SERVER}` },
    });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    // Same Claude home as the gateway's runs: what the login stores is what the runs use.
    const home = path.join(gw.dataDir, 'home');
    const env = { ...process.env, ...claudeTestEnv(gw.api.url, home) };
    const claudePath = resolveClaudeBinary() as string;
    listener = new OAuthCallbackListener({ host: '127.0.0.1', port: 0 });
    await listener.start();
    await addFixtureServer(fx, [SERVER], { env, cwd: gw.config.claudeCwd });
    const driver = new McpLoginDriver({
      runtime: 'local',
      sessions: sdkControlSessionFactory({ claudePath, env, cwd: gw.config.claudeCwd }),
      listener,
      callbackPort: 0,
      openUrl: async (authUrl) => {
        await fx.signIn(authUrl);
      },
    });
    const snap = await driver.start(SERVER).result;
    assert.equal(snap.step, 'connected', snap.reason ?? '');
  });

  after(async () => {
    await listener?.stop();
    await gw?.close();
    await fx?.close();
  });

  test('the scripted model calls the MCP tool and the answer carries the secret', async () => {
    const calls = fx.stats.toolCalls;
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'What is the secret?' }] });
    const content = r.choices[0].message.content ?? '';
    assert.ok(content.includes(`The secret is: ${SECRET}`), content);
    assert.equal(fx.stats.toolCalls, calls + 1, 'the tool really ran on the MCP server');
    const offered = gw.api.mainRequests().at(-1)?.tools?.map((t) => t.name) ?? [];
    assert.ok(offered.includes(secretTool(SERVER)) || offered.includes('ToolSearch'), offered.join(','));
  });

  test('after the access token expired, Claude Code refreshes it and the tool still works', async () => {
    fx.expireAccessTokens();
    const refreshes = fx.stats.refreshes;
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'And the secret now?' }] });
    assert.ok((r.choices[0].message.content ?? '').includes(`The secret is: ${SECRET}`), r.choices[0].message.content ?? '');
    assert.ok(fx.stats.refreshes > refreshes, 'a refresh-token grant was used');
  });
});
