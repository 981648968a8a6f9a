/**
 * The tray's view of MCP sign-ins, from the OAuth services (main/oauth): which servers need a login, which logins wait
 * for the browser, and starting one. `claude mcp list` health-checks every server, so the list is cached and only
 * re-read when something changed (a login ended, a server was added) or on a slow timer, never per menu render.
 */
import type { LoginSnapshot, McpServerInfo } from '../contract/mcp-api.ts';
import type { McpLoginDriver } from '../oauth/login-driver.ts';
import type { McpServers } from '../oauth/mcp-servers.ts';
import type { McpAuthSource } from './backend.ts';
import type { McpAuthStatus, ShellState } from './tray-model.ts';

export interface OAuthServicesView {
  servers: Pick<McpServers, 'list' | 'on' | 'off'>;
  driver: Pick<McpLoginDriver, 'start' | 'list' | 'on' | 'off'>;
}

const STATUS: Record<McpServerInfo['status'], McpAuthStatus> = {
  connected: 'connected',
  'needs-auth': 'needs-auth',
  failed: 'failed',
  pending: 'pending',
  disabled: 'connected', // nothing for the user to sign in to
  unknown: 'pending',
};

/** Listed servers plus the logins under way (a login waiting for the browser wins over the listed status). */
export function mcpTrayServers(listed: readonly Pick<McpServerInfo, 'name' | 'status'>[], logins: readonly Pick<LoginSnapshot, 'serverName' | 'done' | 'step'>[]): ShellState['mcpServers'] {
  const waiting = new Set(logins.filter((l) => !l.done && l.step !== 'connected' && l.step !== 'failed').map((l) => l.serverName));
  const out = listed.map((s) => ({ name: s.name, status: waiting.has(s.name) ? ('login-pending' as const) : STATUS[s.status] }));
  for (const name of waiting) if (!out.some((s) => s.name === name)) out.push({ name, status: 'login-pending' });
  return out;
}

export interface TrayMcpAuth extends McpAuthSource {
  /** Re-reads the server list (runs `claude mcp list`). */
  refresh(): Promise<void>;
  onChange(cb: () => void): () => void;
  close(): void;
}

export function mcpAuthFromOAuth(oauth: OAuthServicesView, opts: { onError?: (err: unknown) => void } = {}): TrayMcpAuth {
  let listed: McpServerInfo[] = [];
  let refreshing: Promise<void> | null = null;
  let again = false;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const cb of listeners) cb();
  };
  const refresh = (): Promise<void> => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        try {
          listed = await oauth.servers.list();
        } catch (err) {
          opts.onError?.(err);
        }
      } while (again);
      refreshing = null;
      changed();
    })();
    return refreshing;
  };
  const onServers = () => void refresh();
  const onLogin = () => changed();
  oauth.servers.on('changed', onServers);
  oauth.driver.on('event', onLogin);
  return {
    servers: () => mcpTrayServers(listed, oauth.driver.list()),
    // the driver opens the authorization URL itself (createOAuthServices' openUrl: shell.openExternal in Electron)
    login: async (server) => {
      oauth.driver.start(server);
      changed();
    },
    refresh,
    onChange: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    close: () => {
      oauth.servers.off('changed', onServers);
      oauth.driver.off('event', onLogin);
      listeners.clear();
    },
  };
}
