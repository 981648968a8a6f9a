import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ListenerHealth, LoginSnapshot, McpServerInfo, McpStatus } from '../../../main/contract/mcp-api.ts';
import { MCP_ROUTES, MCP_STREAMS } from '../../../main/contract/mcp-routes.ts';
import { AddMcpServerForm } from '../components/AddMcpServerForm.tsx';
import { EmptyState, ErrorBox } from '../components/common.tsx';
import { LoginSteps } from '../components/McpLoginSteps.tsx';
import { applyLoginEvent, loginEnded, newestLogins } from '../lib/mcp-model.ts';
import { useControl } from '../lib/control-context.tsx';
import { ApiError } from '../lib/api.ts';
import { openStream, type StreamState } from '../lib/stream.ts';
import './feature-pages.css';

const STATUS_LABEL: Record<McpStatus, string> = {
  connected: 'connected',
  'needs-auth': 'needs auth',
  failed: 'failed',
  pending: 'pending approval',
  disabled: 'disabled',
  unknown: 'unknown',
};
const STATUS_CLASS: Record<McpStatus, string> = {
  connected: 'badge-ok',
  'needs-auth': 'badge-interrupted',
  failed: 'badge-error',
  pending: 'badge-starting',
  disabled: 'badge-stopped',
  unknown: 'badge-stopped',
};
function McpStatusBadge({ s }: { s: McpServerInfo }): ReactNode {
  return (
    <span className={`badge ${STATUS_CLASS[s.status]}`} data-status={s.status} title={s.statusDetail ?? undefined}>
      {s.status === 'pending' ? <span className="pulse" aria-hidden /> : null}
      {STATUS_LABEL[s.status]}
    </span>
  );
}

function tokenExpiry(s: McpServerInfo, now: number): string {
  if (!s.oauth) return '—';
  if (!s.oauth.hasTokens) return 'no tokens';
  if (s.oauth.expiresAt === null) return s.oauth.hasRefreshToken ? 'no expiry (refreshable)' : 'no expiry';
  const left = s.oauth.expiresAt - now;
  const when = new Date(s.oauth.expiresAt).toLocaleString();
  const rel = left <= 0 ? 'expired' : left < 3_600_000 ? `in ${Math.round(left / 60_000)} min` : `in ${Math.round(left / 3_600_000)} h`;
  return `${rel} (${when})${s.oauth.hasRefreshToken ? ' · refreshable' : ''}`;
}

/** What each step means, with the detail the login reported. */
export function McpPage(): ReactNode {
  const { client } = useControl();
  const [servers, setServers] = useState<McpServerInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [loading, setLoading] = useState(false);
  const [listener, setListener] = useState<ListenerHealth | null>(null);
  const [logins, setLogins] = useState<Map<string, LoginSnapshot>>(new Map());
  const [busy, setBusy] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ kind: 'ok' | 'err'; text: string } | null>(null);
  const [stream, setStream] = useState<StreamState['kind']>('connecting');
  const [now, setNow] = useState(Date.now());
  const seq = useRef(0);

  const load = useCallback(async (): Promise<void> => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const body = await client.call(MCP_ROUTES.servers);
      if (mine !== seq.current) return;
      setServers(body.servers);
      setLoadError(null);
    } catch (err) {
      if (mine !== seq.current) return;
      // No /api/mcp at all: this gateway runs no OAuth services.
      if (err instanceof ApiError && err.status === 404) setUnavailable(true);
      else setLoadError(err instanceof Error ? err.message : String(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [client]);

  const upsertLogin = useCallback((snap: LoginSnapshot) => {
    setLogins((m) => new Map(m).set(snap.serverName, snap));
  }, []);

  useEffect(() => {
    void load();
    void client
      .call(MCP_ROUTES.logins)
      .then((body) => {
        const newest = newestLogins(body.logins);
        setLogins((cur) => new Map([...newest, ...cur]));
      })
      .catch(() => undefined);
    const stop = openStream(client, MCP_STREAMS.events, {
      onEvent: (e) => {
        if (e.event === 'servers') void load();
        else if (e.event === 'listener') setListener(e.data);
        else {
          const login = e.data;
          setLogins((m) => applyLoginEvent(m, login));
          // The end of a login changes the server's status: re-read it (Claude Code checks it; takes a moment).
          if (loginEnded(login)) void load();
        }
      },
      onState: (s) => setStream(s.kind),
    });
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      stop();
      clearInterval(tick);
    };
  }, [client, load]);

  const act = async (name: string, what: string, fn: () => Promise<void>): Promise<void> => {
    setBusy((b) => ({ ...b, [name]: what }));
    setNotice(null);
    try {
      await fn();
    } catch (err) {
      setNotice({ kind: 'err', text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy((b) => {
        const { [name]: _, ...rest } = b;
        return rest;
      });
    }
  };

  const login = (name: string): Promise<void> =>
    act(name, 'login', async () => {
      const body = await client.call(MCP_ROUTES.login, { params: { name } });
      upsertLogin(body.login);
    });
  const simple = (name: string, what: 'logout' | 'remove'): Promise<void> =>
    act(name, what, async () => {
      const done = await client.call(what === 'remove' ? MCP_ROUTES.removeServer : MCP_ROUTES.logout, { params: { name } });
      setNotice({ kind: 'ok', text: done.message });
      if (what === 'remove') setLogins((m) => { const n = new Map(m); n.delete(name); return n; });
      await load();
    });
  const cancel = (snap: LoginSnapshot): void => {
    void client.call(MCP_ROUTES.cancelLogin, { params: { id: snap.loginId } }).catch(() => undefined);
  };

  if (unavailable) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>MCP servers</h1>
        </div>
        <EmptyState title="MCP sign-in is not available">The OAuth services are off in this gateway (the runtime cannot run them). Check the Health page.</EmptyState>
      </div>
    );
  }

  const activeLogins = [...logins.values()].sort((a, b) => b.startedAt - a.startedAt);
  return (
    <div className="page feature-page mcp-page">
      <div className="page-head">
        <h1>MCP servers</h1>
        <button type="button" className="btn" onClick={() => void load()} disabled={loading}>
          {loading ? 'Checking…' : 'Refresh'}
        </button>
        <span className="muted small" data-testid="mcp-stream">{stream === 'live' ? 'live' : stream}</span>
      </div>
      {listener ? (
        <div className={`banner ${listener.status === 'listening' ? 'ok' : listener.status === 'error' ? 'err' : 'warn'}`} data-testid="listener">
          OAuth callback listener: <strong>{listener.status}</strong>
          {listener.redirectUri ? (
            <>
              {' '}
              — providers redirect to <code>{listener.redirectUri}</code>
            </>
          ) : null}
          {listener.error ? <> — {listener.error}</> : null}
          <span className="muted small">
            {' '}
            · {listener.pendingLogins.length} waiting · {listener.completed} completed · {listener.failed} failed
          </span>
        </div>
      ) : null}
      {notice ? <div className={`banner ${notice.kind === 'ok' ? 'ok' : 'err'}`} role={notice.kind === 'err' ? 'alert' : 'status'}>{notice.text}</div> : null}
      {loadError ? <ErrorBox title="Could not list the MCP servers" message={loadError} /> : null}

      {servers === null && !loadError ? (
        <div className="muted pad">Asking Claude Code for the servers and their status…</div>
      ) : servers && servers.length === 0 ? (
        <EmptyState title="No MCP servers configured">Add one below; its tools become usable from every request as <code>mcp__&lt;name&gt;__&lt;tool&gt;</code>.</EmptyState>
      ) : servers ? (
        <table className="list compact mcp-table" data-testid="mcp-servers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Transport</th>
              <th>URL</th>
              <th>Status</th>
              <th>Token expiry</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => {
              const b = busy[s.name];
              const running = logins.get(s.name);
              const loggingIn = b === 'login' || (running !== undefined && !running.done);
              return (
                <tr key={s.name} data-server={s.name} data-status={s.status}>
                  <td>
                    <strong>{s.name}</strong>
                    {s.scope ? <div className="muted small">{s.scope} scope</div> : null}
                  </td>
                  <td>{s.transport.toUpperCase()}</td>
                  <td className="mono small url-cell">{s.url ?? s.command ?? '—'}</td>
                  <td>
                    <McpStatusBadge s={s} />
                    {s.statusDetail && s.status !== 'connected' ? <div className="muted small">{s.statusDetail}</div> : null}
                  </td>
                  <td className="small">{tokenExpiry(s, now)}</td>
                  <td>
                    <div className="actions">
                    {s.transport === 'http' || s.transport === 'sse' ? (
                      <button type="button" className="btn primary" disabled={loggingIn || b !== undefined} onClick={() => void login(s.name)}>
                        {loggingIn ? 'Signing in…' : s.status === 'connected' ? 'Log in again' : 'Log in'}
                      </button>
                    ) : null}
                    {s.oauth?.hasTokens ? (
                      <button type="button" className="btn" disabled={b !== undefined} onClick={() => void simple(s.name, 'logout')}>
                        {b === 'logout' ? 'Logging out…' : 'Log out'}
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="btn danger"
                      disabled={b !== undefined}
                      onClick={() => {
                        if (window.confirm(`Remove the MCP server "${s.name}" from Claude Code's config?`)) void simple(s.name, 'remove');
                      }}
                    >
                      {b === 'remove' ? 'Removing…' : 'Remove'}
                    </button>
                  </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}

      {activeLogins.length ? (
        <section className="logins">
          <h2>Sign-ins</h2>
          {activeLogins.map((l) => (
            <LoginSteps key={l.loginId} snap={l} onCancel={() => cancel(l)} />
          ))}
        </section>
      ) : null}

      <AddMcpServerForm
        onAdded={(name) => {
          setNotice({ kind: 'ok', text: `Added "${name}".` });
          void load();
        }}
      />
    </div>
  );
}
