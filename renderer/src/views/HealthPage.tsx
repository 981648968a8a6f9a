import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ComponentHealth, GatewayAction, HealthResponse } from '../../../main/contract/control-api.ts';
import { ErrorBox, StatusBadge } from '../components/common.tsx';
import { MetricsChart } from '../components/MetricsChart.tsx';
import { CONTROL_ROUTES } from '../../../main/contract/control-routes.ts';
import { ApiError } from '../lib/api.ts';
import { backoffMs } from '../lib/backoff.ts';
import { useControl } from '../lib/control-context.tsx';
import { formatDuration } from '../lib/format.ts';
import { componentFacts, liveConversationsText } from '../lib/health-facts.ts';

const TITLES: Record<string, string> = {
  gateway: 'Gateway (OpenAI API)',
  claude: 'Claude Code',
  'claude-auth': 'Claude account',
  'model-api': 'Model API',
  transcripts: 'Transcript store',
  'oauth-listener': 'OAuth callback listener',
  docker: 'Docker engine',
  container: 'Runtime container',
  sandbox: 'Command sandbox (policy)',
  'approval-rules': 'Approval rules (always allow)',
};

export function GatewayControls({ onDone }: { onDone?(): void }): ReactNode {
  const { client, info, refreshInfo } = useControl();
  const [busy, setBusy] = useState<GatewayAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (a: GatewayAction): Promise<void> => {
    setBusy(a);
    setError(null);
    try {
      await client.call(CONTROL_ROUTES.gateway, { params: { action: a } });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
      await refreshInfo();
      onDone?.();
    }
  };
  const state = info.gateway.state;
  return (
    <div className="gateway-controls">
      <button type="button" className="btn" disabled={busy !== null || state === 'running'} onClick={() => void run('start')}>
        {busy === 'start' ? 'Starting…' : 'Start'}
      </button>
      <button type="button" className="btn" disabled={busy !== null || state !== 'running'} onClick={() => void run('stop')}>
        {busy === 'stop' ? 'Stopping…' : 'Stop'}
      </button>
      <button type="button" className="btn" disabled={busy !== null} onClick={() => void run('restart')}>
        {busy === 'restart' ? 'Restarting…' : 'Restart'}
      </button>
      {error ? <span className="err-text">{error}</span> : null}
    </div>
  );
}

function ComponentCard({ c, now }: { c: ComponentHealth; now: number }): ReactNode {
  const since = Date.parse(c.since);
  const facts = componentFacts(c);
  const hasDetails = Object.keys(c.details ?? {}).length > 0;
  return (
    <section className={`card comp comp-${c.status}`} data-component={c.name} data-status={c.status}>
      <header>
        <h3>{TITLES[c.name] ?? c.name}</h3>
        <StatusBadge status={c.status} />
        {c.details?.full === true ? <span className="badge badge-warn" data-badge="full" title="Commands run unconfined with your rights">full: unconfined</span> : null}
      </header>
      {c.reason ? <p className={c.status === 'error' ? 'err-text' : 'muted'}>{c.reason}</p> : null}
      <dl className="kv">
        <div>
          <dt>{c.status === 'ok' ? 'Up for' : 'Since'}</dt>
          <dd>{Number.isFinite(since) ? (c.status === 'ok' ? formatDuration(now - since) : new Date(since).toLocaleString()) : '—'}</dd>
        </div>
        {facts.map((f) => (
          <div key={f.label} data-fact={f.label}>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
      </dl>
      {hasDetails ? (
        <details className="raw-details">
          <summary>Raw details</summary>
          <pre className="mono">{JSON.stringify(c.details, null, 2)}</pre>
        </details>
      ) : null}
      {c.name === 'gateway' ? <GatewayControls /> : null}
    </section>
  );
}

/** One card per component (status, reason, uptime), Claude Code's version, and the last 15 minutes of traffic. */
export function HealthPage(): ReactNode {
  const { client } = useControl();
  const [health, setHealth] = useState<HealthResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  const load = useCallback(async () => {
    const h = await client.call(CONTROL_ROUTES.health);
    setHealth(h);
    setError(null);
  }, [client]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    const loop = async (): Promise<void> => {
      try {
        await load();
        attempt = 0;
      } catch (err) {
        setError(err instanceof ApiError ? err.message : String(err));
        attempt++;
      }
      if (!cancelled) timer = setTimeout(() => void loop(), attempt ? backoffMs(attempt) : 5000);
    };
    void loop();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [load, tick]);

  if (!health) {
    return <div className="page">{error ? <ErrorBox title="Could not load health" message={error} /> : <div className="muted pad">Loading…</div>}</div>;
  }
  const now = Date.parse(health.now);
  const m = health.metrics.total;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Health</h1>
        <StatusBadge status={health.status === 'ok' ? 'ok' : 'error'} />
        <span className="muted">
          v{health.version} · up {formatDuration(health.uptimeS * 1000)} · {health.activeRuns} running, {health.queuedRuns} queued{health.suspendedRuns ? `, ${health.suspendedRuns} waiting for client tool results` : ''}
        </span>
        <span className="chip" data-testid="live-conversations">{liveConversationsText(health.liveConversations)}</span>
        <span className="chip" data-testid="claude-version">
          Claude Code {health.claudeCode.version ? `version ${health.claudeCode.version}` : 'not found'} · {health.claudeCode.runtime} runtime
        </span>
      </div>
      {error ? <div className="banner warn">Refresh failed: {error} — retrying</div> : null}
      <div className="cards">
        {health.components.map((c) => (
          <ComponentCard key={c.name} c={c} now={now} />
        ))}
      </div>
      <section className="card wide-card">
        <header>
          <h3>Traffic, last {health.metrics.windowMinutes} minutes</h3>
          <span className="muted">
            {m.requests} requests ({m.perMinute}/min) · {m.errors} error{m.errors === 1 ? '' : 's'} · p50 {formatDuration(m.p50Ms)} · p95 {formatDuration(m.p95Ms)}
          </span>
        </header>
        <MetricsChart metrics={health.metrics} />
      </section>
      <div className="page-foot">
        <button type="button" className="btn ghost" onClick={() => setTick((t) => t + 1)}>
          Refresh now
        </button>
        <span className="muted small">Refreshes every 5 s · server time {new Date(now).toLocaleTimeString()}</span>
      </div>
    </div>
  );
}
