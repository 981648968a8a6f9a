import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { CLAUDE_AUTH_ROUTES } from '../../main/contract/claude-auth-routes.ts';
import { CONTROL_ROUTES } from '../../main/contract/control-routes.ts';
import type { InfoResponse } from '../../main/contract/control-api.ts';
import { ErrorBox, StatusBadge } from './components/common.tsx';
import { ApprovalDock, ApprovalsPage } from './components/ApprovalCard.tsx';
import { usePendingApprovals } from './lib/approvals.ts';
import { ApiError, ControlClient } from './lib/api.ts';
import { backoffMs } from './lib/backoff.ts';
import { desktopBridge, forgetToken, resolveControlTarget, saveToken, type ControlTarget } from './lib/control.ts';
import { ControlContext, type ControlContextValue } from './lib/control-context.tsx';
import { href, useRoute, type Route } from './lib/router.ts';
import { ClaudeAccountPage } from './views/ClaudeAccountPage.tsx';
import { DockerPage } from './views/DockerPage.tsx';
import { HealthPage } from './views/HealthPage.tsx';
import { LogsPage } from './views/LogsPage.tsx';
import { McpPage } from './views/McpPage.tsx';
import { ProjectsPage } from './views/ProjectsPage.tsx';
import { SettingsPage } from './views/SettingsPage.tsx';
import { SetupPage } from './views/SetupPage.tsx';
import { TranscriptDetail } from './views/TranscriptDetail.tsx';
import { TranscriptsPage } from './views/TranscriptsPage.tsx';

/** Navigation; MCP servers and Docker are filled in by their own areas (see views/McpPage.tsx, views/DockerPage.tsx). */
const NAV: Array<{ page: Route['page']; label: string; route: Route }> = [
  { page: 'transcripts', label: 'Transcripts', route: { page: 'transcripts' } },
  { page: 'projects', label: 'Projects', route: { page: 'projects' } },
  { page: 'health', label: 'Health', route: { page: 'health' } },
  { page: 'claude', label: 'Claude account', route: { page: 'claude' } },
  { page: 'settings', label: 'Settings', route: { page: 'settings' } },
  { page: 'mcp', label: 'MCP servers', route: { page: 'mcp' } },
  { page: 'docker', label: 'Docker', route: { page: 'docker' } },
  { page: 'logs', label: 'Logs', route: { page: 'logs' } },
  { page: 'approvals', label: 'Approvals', route: { page: 'approvals', id: null } },
];

function TokenGate({ target, refused, onToken }: { target: ControlTarget; refused: boolean; onToken(t: string): void }): ReactNode {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <div className="center">
      <form className="card gate" onSubmit={submit} data-testid="token-gate">
        <h2>Claude Code Gateway</h2>
        {refused ? <ErrorBox title="Admin token refused" message="The token was not accepted by the control API." /> : null}
        <p>
          This dashboard needs the gateway's admin token. Open the URL printed when the gateway started (<code>{target.url}/#token=…</code>), or paste the token from{' '}
          <code>DATA_DIR/admin-token</code>:
        </p>
        <input type="password" value={value} onChange={(e) => setValue(e.target.value)} placeholder="admin token" aria-label="Admin token" autoFocus />
        <button type="submit" className="btn primary">
          Open dashboard
        </button>
      </form>
    </div>
  );
}

/**
 * Electron, when this app's own server could not listen (another program holds the port): say who, and offer another
 * port — saved to the config file and applied on restart — so the app is never stuck without its own settings.
 */
function ServerUnavailable({ problem }: { problem: NonNullable<ControlTarget['unavailable']> }): ReactNode {
  const [port, setPort] = useState(String(problem.port !== null ? problem.port + 1 : 8001));
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const bridge = desktopBridge();
  // Restarted from the tray with the port free again: pick the server up without a relaunch.
  useEffect(() => {
    if (!bridge) return;
    const t = setInterval(() => {
      void bridge.getControl().then((c) => {
        if (c.state === 'ready') window.location.reload();
      });
    }, 2_000);
    return () => clearInterval(t);
  }, [bridge]);
  const save = (e: FormEvent): void => {
    e.preventDefault();
    if (!bridge) return;
    void bridge.setGatewayPort(Number(port)).then((r) =>
      setResult(r.ok ? { ok: true, text: `Saved port ${r.port} in ${r.file}. Restart the app to use it.` } : { ok: false, text: r.message }),
    );
  };
  return (
    <div className="center">
      <form className="card gate" onSubmit={save} data-testid="server-unavailable">
        <h2>The gateway cannot start</h2>
        <p>{problem.reason}</p>
        {problem.port !== null ? (
          <>
            <p>Choose another port for the gateway (OpenWebUI and n8n then use it in their base URL):</p>
            <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} aria-label="Gateway port" />
            <button type="submit" className="btn primary">
              Save port
            </button>
          </>
        ) : null}
        {result ? (
          <p className={result.ok ? 'muted' : 'error'} role="status">
            {result.text}
          </p>
        ) : null}
        {result?.ok && bridge ? (
          <button type="button" className="btn" onClick={() => void bridge.relaunch()}>
            Restart now
          </button>
        ) : null}
      </form>
    </div>
  );
}

type Conn = { kind: 'loading' } | { kind: 'ok'; info: InfoResponse; error: string | null } | { kind: 'down'; error: string; retryAt: number; attempt: number } | { kind: 'unauthorized' };

function Unreachable({ url, error, retryAt, onRetry }: { url: string; error: string; retryAt: number; onRetry(): void }): ReactNode {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="center">
      <div className="card gate" data-testid="unreachable">
        <h2>Control API unreachable</h2>
        <p>
          The dashboard cannot reach <code>{url}</code>. Is the gateway running? (<code>npm start</code>)
        </p>
        <p className="mono small muted">{error}</p>
        <p>Retrying in {Math.max(0, Math.ceil((retryAt - now) / 1000))} s…</p>
        <button type="button" className="btn primary" onClick={onRetry}>
          Retry now
        </button>
      </div>
    </div>
  );
}

/** Holds the connection: /api/info with backoff while unreachable, refreshed every few seconds while up. */
function Connected({ target, token, onUnauthorized }: { target: ControlTarget; token: string; onUnauthorized(): void }): ReactNode {
  const client = useMemo(() => new ControlClient(target.url, token), [target.url, token]);
  const [conn, setConn] = useState<Conn>({ kind: 'loading' });
  const attempt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const route = useRoute();
  const pending = usePendingApprovals(client);

  const poll = useCallback(async (): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    try {
      const info = await client.call(CONTROL_ROUTES.info);
      attempt.current = 0;
      setConn({ kind: 'ok', info, error: null });
      timer.current = setTimeout(() => void poll(), 5000);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setConn({ kind: 'unauthorized' });
        onUnauthorized();
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      const wait = backoffMs(attempt.current++);
      setConn((prev) => (prev.kind === 'ok' ? { ...prev, error: msg } : { kind: 'down', error: msg, retryAt: Date.now() + wait, attempt: attempt.current }));
      timer.current = setTimeout(() => void poll(), wait);
    }
  }, [client, onUnauthorized]);

  useEffect(() => {
    void poll();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [poll]);

  // First run: landing on the empty transcript list while Claude cannot answer → the setup view instead.
  const landed = useRef(false);
  useEffect(() => {
    if (conn.kind !== 'ok' || landed.current) return;
    landed.current = true;
    if (window.location.hash !== '' && window.location.hash !== '#/' && window.location.hash !== '#') return;
    void client.call(CLAUDE_AUTH_ROUTES.status).then(
      (status) => {
        if (status.state === 'signed_out' && (window.location.hash === '' || window.location.hash === '#/' || window.location.hash === '#')) {
          window.location.hash = href({ page: 'setup' });
        }
      },
      () => undefined,
    );
  }, [conn.kind, client]);

  if (conn.kind === 'loading') return <div className="center muted">Connecting to the gateway…</div>;
  if (conn.kind === 'unauthorized') return null;
  if (conn.kind === 'down') return <Unreachable url={target.url} error={conn.error} retryAt={conn.retryAt} onRetry={() => void poll()} />;

  const ctx: ControlContextValue = { client, info: conn.info, refreshInfo: poll, connectionError: conn.error };
  const g = conn.info.gateway;
  return (
    <ControlContext.Provider value={ctx}>
      <div className="shell">
        <nav className="nav">
          <div className="brand">
            Claude Code Gateway <span className="muted small">v{conn.info.app.version}</span>
          </div>
          {NAV.map((n) => (
            <a key={n.page} href={href(n.route)} className={route.page === n.page || (n.page === 'transcripts' && route.page === 'transcript') ? 'active' : ''}>
              {n.label}
              {n.page === 'approvals' && pending.length ? (
                <span className="badge badge-interrupted nav-count" data-testid="approvals-count">
                  {pending.length}
                </span>
              ) : null}
            </a>
          ))}
          <div className="nav-foot">
            <div>
              Gateway{' '}
              {conn.error ? (
                <span className="badge badge-error" data-status="unreachable">
                  unreachable
                </span>
              ) : (
                <StatusBadge status={g.state === 'running' ? 'ok' : g.state} />
              )}
            </div>
            <div className="mono small">{g.v1Url}</div>
            <div className="small muted">Claude Code {conn.info.claudeCode.version ?? 'not found'}</div>
          </div>
        </nav>
        <main className="main">
          {conn.error ? (
            <div className="banner err" role="alert" data-testid="connection-lost">
              Connection to the control API lost ({conn.error}) — retrying…
            </div>
          ) : null}
          {route.page !== 'approvals' ? <ApprovalDock pending={pending} /> : null}
          {route.page === 'approvals' ? <ApprovalsPage pending={pending} focus={route.id} /> : null}
          {route.page === 'transcripts' ? <TranscriptsPage /> : null}
          {route.page === 'transcript' ? <TranscriptDetail key={route.id} id={route.id} /> : null}
          {route.page === 'health' ? <HealthPage /> : null}
          {route.page === 'projects' ? <ProjectsPage /> : null}
          {route.page === 'claude' ? <ClaudeAccountPage /> : null}
          {route.page === 'setup' ? <SetupPage /> : null}
          {route.page === 'settings' ? <SettingsPage /> : null}
          {route.page === 'mcp' ? <McpPage /> : null}
          {route.page === 'docker' ? <DockerPage /> : null}
          {route.page === 'logs' ? <LogsPage /> : null}
        </main>
      </div>
    </ControlContext.Provider>
  );
}

export function App(): ReactNode {
  const [target, setTarget] = useState<ControlTarget | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [refused, setRefused] = useState(false);
  const [fatal, setFatal] = useState<string | null>(null);
  useEffect(() => {
    const resolve = (): void => {
      resolveControlTarget().then(
        (t) => {
          setTarget(t);
          setToken(t.token);
          setRefused(false);
        },
        (err: unknown) => setFatal(err instanceof Error ? err.message : String(err)),
      );
    };
    resolve();
    // The printed URL pasted into an already open tab only changes the fragment: pick the token up from it.
    const onHash = (): void => {
      if (/[#&/]token=/.test(window.location.hash)) resolve();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const onUnauthorized = useCallback(() => {
    forgetToken();
    setRefused(true);
    setToken(null);
  }, []);
  if (fatal) return <ErrorBox title="Cannot start the dashboard" message={fatal} />;
  if (!target) return <div className="center muted">Loading…</div>;
  if (target.unavailable) return <ServerUnavailable problem={target.unavailable} />;
  if (!token) {
    return (
      <TokenGate
        target={target}
        refused={refused}
        onToken={(t) => {
          saveToken(t);
          setRefused(false);
          setToken(t);
        }}
      />
    );
  }
  return <Connected target={target} token={token} onUnauthorized={onUnauthorized} />;
}
