import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { BRIDGE_GLOBAL, type BridgeHost } from '../../../main/contract/bridge.ts';
import {
  LOGIN_STEPS,
  MCP_PATHS,
  type ListenerHealth,
  type LoginEvent,
  type LoginSnapshot,
  type LoginStepName,
  type McpActionResult,
  type McpLoginResponse,
  type McpLoginsResponse,
  type McpServerInfo,
  type McpServersResponse,
  type McpStatus,
} from '../../../main/contract/mcp-api.ts';
import { EmptyState, ErrorBox } from '../components/common.tsx';
import { useControl } from '../lib/control-context.tsx';
import { callApi, errorMessage, openEventStream, type EventStreamState } from '../lib/feature-api.ts';
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
const STEP_TITLE: Record<LoginStepName, string> = {
  started: 'Started',
  waiting_for_browser: 'Waiting for the browser',
  code_received: 'Authorization code received',
  tokens_stored: 'Tokens stored',
  connected: 'Connected',
  failed: 'Failed',
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
function stepDetail(step: LoginStepName, ev: LoginEvent | undefined, snap: LoginSnapshot): ReactNode {
  if (!ev) return null;
  switch (ev.step) {
    case 'started':
      return <>Claude Code started the OAuth flow for <code>{snap.serverName}</code> (metadata discovery, client registration).</>;
    case 'waiting_for_browser':
      return (
        <>
          Approve access in the browser.{' '}
          {ev.redirectUri ? (
            <>
              Redirect URI: <code>{ev.redirectUri}</code>
            </>
          ) : null}{' '}
          <span className="muted">({ev.via === 'gateway-listener' ? "the gateway's callback listener receives it" : "Claude Code's own listener receives it"})</span>
        </>
      );
    case 'code_received':
      return <>The provider redirected back; the code was handed to Claude Code for the token exchange.</>;
    case 'tokens_stored':
      return <>Claude Code exchanged the code and stored the tokens.</>;
    case 'connected':
      return ev.tools.length ? <>Tools: {ev.tools.map((t) => <code key={t}>{t}</code>).reduce<ReactNode[]>((a, c, i) => (i ? [...a, ' ', c] : [c]), [])}</> : <>The server is connected.</>;
    case 'failed':
      return <span className="err-text">{ev.reason}</span>;
  }
  return step;
}

function AuthLink({ url }: { url: string }): ReactNode {
  const bridge = (window as unknown as BridgeHost)[BRIDGE_GLOBAL];
  if (bridge) {
    // The app already opened it in the system browser (the login driver's openUrl); offer to do it again.
    return (
      <button type="button" className="btn" data-testid="open-auth" onClick={() => void bridge.openExternal(url)}>
        Open the authorization page again
      </button>
    );
  }
  return (
    <a className="btn primary" data-testid="auth-link" href={url} target="_blank" rel="noopener noreferrer">
      Open the authorization page
    </a>
  );
}

/** The MCP-Inspector-style step view of one login. */
export function LoginSteps({ snap, onCancel }: { snap: LoginSnapshot; onCancel?(): void }): ReactNode {
  const byStep = new Map<LoginStepName, LoginEvent>();
  for (const e of snap.events) byStep.set(e.step, e);
  const failed = byStep.get('failed');
  const reached = new Set(snap.events.map((e) => e.step));
  const steps: LoginStepName[] = [...LOGIN_STEPS];
  // A failure replaces the steps it never reached.
  const shown = failed ? [...steps.filter((s) => reached.has(s)), 'failed' as const] : steps;
  const t0 = snap.startedAt;
  return (
    <div className="card login-steps" data-testid={`login-${snap.serverName}`} data-step={snap.step}>
      <header>
        <h3>
          Sign-in to <code>{snap.serverName}</code>
        </h3>
        <span className="muted small">started {new Date(snap.startedAt).toLocaleTimeString()}</span>
        {!snap.done && onCancel ? (
          <button type="button" className="btn ghost" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </header>
      <ol className="steps">
        {shown.map((s) => {
          const ev = byStep.get(s);
          const state = s === 'failed' ? 'failed' : ev ? (s === snap.step && !snap.done ? 'active' : 'done') : !snap.done && isNext(s, snap.step) ? 'active' : 'todo';
          return (
            <li key={s} className={`step step-${state}`} data-step={s} data-state={state}>
              <span className="step-dot" aria-hidden>
                {state === 'done' ? '✓' : state === 'failed' ? '✕' : state === 'active' ? '…' : ''}
              </span>
              <div>
                <div className="step-title">
                  {STEP_TITLE[s]}
                  {ev ? <span className="muted small"> +{((ev.at - t0) / 1000).toFixed(1)} s</span> : null}
                </div>
                <div className="step-detail small">{stepDetail(s, ev, snap)}</div>
                {s === 'waiting_for_browser' && snap.authUrl && !snap.done ? (
                  <div className="step-action">
                    <AuthLink url={snap.authUrl} />
                    <div className="mono small auth-url" data-testid="auth-url">
                      {snap.authUrl}
                    </div>
                  </div>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function isNext(s: LoginStepName, current: LoginStepName): boolean {
  const i = LOGIN_STEPS.indexOf(current);
  return i >= 0 && LOGIN_STEPS[i + 1] === s;
}

function AddServerForm({ onAdded }: { onAdded(name: string): void }): ReactNode {
  const { client } = useControl();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [transport, setTransport] = useState<'http' | 'sse'>('http');
  const [clientId, setClientId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await callApi<McpActionResult>(client, 'POST', MCP_PATHS.servers, { name: name.trim(), url: url.trim(), transport, ...(clientId.trim() ? { clientId: clientId.trim() } : {}) });
      if (r.body && 'ok' in r.body && r.body.ok) {
        onAdded(name.trim());
        setName('');
        setUrl('');
        setClientId('');
      } else setError(errorMessage(r.body, `HTTP ${r.status}`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card add-server" onSubmit={(e) => void submit(e)} data-testid="add-server">
      <header>
        <h3>Add a server</h3>
        <span className="muted small">HTTP or SSE MCP server; OAuth servers then need “Log in”.</span>
      </header>
      <div className="add-row">
        <label className="field">
          <span>Name</span>
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="github" pattern="[A-Za-z0-9_-]{1,64}" />
        </label>
        <label className="field grow">
          <span>URL</span>
          <input name="url" required type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/mcp" />
        </label>
        <label className="field">
          <span>Transport</span>
          <select name="transport" value={transport} onChange={(e) => setTransport(e.target.value === 'sse' ? 'sse' : 'http')}>
            <option value="http">HTTP</option>
            <option value="sse">SSE</option>
          </select>
        </label>
        <label className="field">
          <span>OAuth client id (optional)</span>
          <input name="clientId" value={clientId} onChange={(e) => setClientId(e.target.value)} placeholder="pre-registered id" />
        </label>
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
      </div>
      {error ? <div className="err-text" role="alert">{error}</div> : null}
    </form>
  );
}

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
  const [stream, setStream] = useState<EventStreamState>('connecting');
  const [now, setNow] = useState(Date.now());
  const seq = useRef(0);

  const load = useCallback(async (): Promise<void> => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const r = await callApi<McpServersResponse>(client, 'GET', MCP_PATHS.servers);
      if (mine !== seq.current) return;
      if (r.status === 404) {
        setUnavailable(true);
        return;
      }
      if (r.status !== 200) setLoadError(errorMessage(r.body, `HTTP ${r.status}`));
      else {
        setServers(r.body.servers);
        setLoadError(null);
      }
    } catch (err) {
      if (mine === seq.current) setLoadError(err instanceof Error ? err.message : String(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [client]);

  const upsertLogin = useCallback((snap: LoginSnapshot) => {
    setLogins((m) => new Map(m).set(snap.serverName, snap));
  }, []);

  useEffect(() => {
    void load();
    void callApi<McpLoginsResponse>(client, 'GET', MCP_PATHS.logins)
      .then((r) => {
        if (r.status !== 200) return;
        // Newest per server (the list is oldest first).
        const m = new Map<string, LoginSnapshot>();
        for (const l of r.body.logins) if (!m.has(l.serverName) || (m.get(l.serverName)?.startedAt ?? 0) < l.startedAt) m.set(l.serverName, l);
        setLogins((cur) => new Map([...m, ...cur]));
      })
      .catch(() => undefined);
    const stop = openEventStream(
      client,
      MCP_PATHS.events,
      (event, data) => {
        if (event === 'servers') void load();
        else if (event === 'listener') setListener(data as ListenerHealth);
        else if (event === 'login') {
          const e = data as LoginEvent;
          setLogins((m) => {
            const prev = m.get(e.serverName);
            const base: LoginSnapshot =
              prev && prev.loginId === e.loginId ? prev : { loginId: e.loginId, serverName: e.serverName, startedAt: e.at, step: 'started', authUrl: null, reason: null, done: false, events: [] };
            if (base.events.some((x) => x.step === e.step && x.at === e.at)) return m;
            const next: LoginSnapshot = {
              ...base,
              step: e.step,
              events: [...base.events, e],
              authUrl: e.step === 'waiting_for_browser' ? e.authUrl : base.authUrl,
              reason: e.step === 'failed' ? e.reason : base.reason,
              done: e.step === 'connected' || e.step === 'failed',
            };
            return new Map(m).set(e.serverName, next);
          });
          // The end of a login changes the server's status: re-read it (Claude Code checks it; takes a moment).
          if (e.step === 'connected' || e.step === 'failed') void load();
        }
      },
      { onState: (s) => setStream(s) },
    );
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
      const r = await callApi<McpLoginResponse>(client, 'POST', MCP_PATHS.login(name));
      if (r.status !== 202) throw new Error(errorMessage(r.body, `Log in failed (HTTP ${r.status})`));
      upsertLogin(r.body.login);
    });
  const simple = (name: string, what: 'logout' | 'remove'): Promise<void> =>
    act(name, what, async () => {
      const r = await callApi<McpActionResult>(client, what === 'remove' ? 'DELETE' : 'POST', what === 'remove' ? MCP_PATHS.server(name) : MCP_PATHS.logout(name));
      if (!r.body || !('ok' in r.body) || !r.body.ok) throw new Error(errorMessage(r.body, `${what} failed (HTTP ${r.status})`));
      setNotice({ kind: 'ok', text: r.body.message });
      if (what === 'remove') setLogins((m) => { const n = new Map(m); n.delete(name); return n; });
      await load();
    });
  const cancel = (snap: LoginSnapshot): void => {
    void callApi(client, 'POST', MCP_PATHS.cancelLogin(snap.loginId)).catch(() => undefined);
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

      <AddServerForm
        onAdded={(name) => {
          setNotice({ kind: 'ok', text: `Added "${name}".` });
          void load();
        }}
      />
    </div>
  );
}
