/**
 * Builds the MCP OAuth services (callback listener, login driver, MCP server list) for the active runtime from the
 * validated config. The composition root calls `createOAuthServices(...)`, then `start()` (never throws: a busy port
 * is reported in `health()`), mounts `mcpRouter(oauth)` under its admin-guarded control API, and `stop()` on exit.
 */
import type { ProcessTracker } from '../claude/orphans.ts';
import type { SpawnHook } from '../claude/runtime.ts';
import type { Config } from '../config/schema.ts';
import type { ComponentHealth } from '../health/gateway-health.ts';
import { sdkControlSessionFactory } from './control-session.ts';
import { containerClaudeCli, ContainerCallbackRelay, dockerRelayFactory, type ContainerExec } from './docker-relay.ts';
import type { ListenerHealth } from '../contract/mcp-api.ts';
import { OAuthCallbackListener, type OAuthLogger } from './listener.ts';
import { McpLoginDriver } from './login-driver.ts';
import { localClaudeCli, McpServers } from './mcp-servers.ts';
import { localRelayFactory } from './relay.ts';

export interface OAuthServicesDeps {
  config: Config;
  /** Environment of Claude Code processes (the runtime's base env: HOME, CLAUDE_CONFIG_DIR, ANTHROPIC_*…). */
  claudeEnv: Record<string, string | undefined>;
  /** The claude binary (local runtime; `resolveClaudeBinary(config.CLAUDE_PATH)`). */
  claudePath: string | null;
  /** The control API's admin-token check, for POST /oauth/register on the listener. */
  checkAdminToken?: (token: string | null) => boolean;
  /** Electron: shell.openExternal. Headless: omit (the URL is logged and shown in the dashboard). */
  openUrl?: (url: string) => void | Promise<void>;
  log?: OAuthLogger;
  /** Docker runtime only: exec into the running container, and the runtime's spawn hook. */
  docker?: { exec: ContainerExec; spawnHook: SpawnHook };
  /** Lists local login sessions' Claude processes while they live (crash recovery, see claude/orphans.ts). */
  tracker?: ProcessTracker;
  /** Overrides for tests. */
  loginTimeoutMs?: number;
}

export interface OAuthServices {
  readonly listener: OAuthCallbackListener;
  readonly driver: McpLoginDriver;
  readonly servers: McpServers;
  start(): Promise<ListenerHealth>;
  stop(): Promise<void>;
  /** For `services.registerHealth('oauth', …)`: the listener's state, pending logins and counts. */
  health(): ComponentHealth;
}

export function createOAuthServices(deps: OAuthServicesDeps): OAuthServices {
  const { config } = deps;
  const docker = config.CLAUDE_RUNTIME === 'docker' ? deps.docker : undefined;
  if (config.CLAUDE_RUNTIME === 'docker' && !docker) throw new Error('createOAuthServices: the docker runtime needs deps.docker (exec + spawnHook)');

  const listener = new OAuthCallbackListener({
    host: config.OAUTH_CALLBACK_HOST,
    port: config.OAUTH_CALLBACK_PORT,
    checkAdminToken: deps.checkAdminToken,
    relayFactory: docker ? dockerRelayFactory(docker.exec, localRelayFactory) : localRelayFactory,
    // Docker: a login a user started inside the container (/mcp) waits on the container's 127.0.0.1:<same port>.
    unknownStateRelay: docker ? new ContainerCallbackRelay(docker.exec, config.OAUTH_CALLBACK_PORT) : null,
    relayTarget: docker ? `Claude Code in the container (${config.COMPOSE_SERVICE})` : 'local Claude Code',
    log: deps.log,
  });

  const cwd = docker ? '/workspace' : config.claudeCwd;
  const sessions = sdkControlSessionFactory({ claudePath: deps.claudePath, env: deps.claudeEnv, cwd: config.claudeCwd, ...(docker ? { spawnHook: docker.spawnHook } : {}), ...(deps.tracker ? { tracker: deps.tracker } : {}) });
  const driver = new McpLoginDriver({
    runtime: docker ? 'docker' : 'local',
    sessions,
    listener,
    callbackPort: config.OAUTH_CALLBACK_PORT,
    openUrl:
      deps.openUrl ??
      ((url) => {
        deps.log?.info(`[oauth] open this URL to sign in: ${url}`);
      }),
    ...(deps.loginTimeoutMs ? { timeoutMs: deps.loginTimeoutMs } : {}),
    log: deps.log,
  });

  if (!docker && !deps.claudePath) deps.log?.warn('[oauth] no claude binary: MCP server listing and logins are unavailable');
  const cli = docker ? containerClaudeCli(docker.exec) : localClaudeCli({ claudePath: deps.claudePath ?? 'claude', env: deps.claudeEnv, cwd: config.claudeCwd });
  const servers = new McpServers({ cli, cwd });
  servers.watchLogins(driver);

  let since = new Date().toISOString();
  let lastStatus = listener.health().status;
  listener.on('status', (h) => {
    if (h.status !== lastStatus) {
      lastStatus = h.status;
      since = new Date().toISOString();
    }
  });

  return {
    listener,
    driver,
    servers,
    start: () => listener.start(),
    async stop() {
      driver.close();
      await listener.stop();
    },
    health(): ComponentHealth {
      const h = listener.health();
      const status = h.status === 'listening' ? 'ok' : h.status;
      return { name: 'oauth-listener', status, reason: h.error, since, details: { ...h } };
    },
  };
}

export type { McpActionOutcome, AddMcpServer } from './mcp-servers.ts';
