import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../../../main/contract/docker-routes.ts';
import type { StreamEvent } from '../../../main/contract/route.ts';
import {
  type ComposeProblem,
  type DockerAction,
  type DockerOperation,
  type DockerProgress,
  type DockerStatusResponse,
  type ServiceStatus,
} from '../../../main/contract/docker-api.ts';
import { copyText, EmptyState, ErrorBox } from '../components/common.tsx';
import { LiveLog, type LiveLine } from '../components/LiveLog.tsx';
import { useControl } from '../lib/control-context.tsx';
import { openStream } from '../lib/stream.ts';
import './feature-pages.css';

const OVERALL_CLASS: Record<string, string> = { running: 'badge-ok', starting: 'badge-starting', unhealthy: 'badge-error', stopped: 'badge-stopped', error: 'badge-error' };
const ACTION_LABEL: Record<DockerAction, [string, string]> = {
  up: ['Up', 'Starting…'],
  down: ['Down', 'Stopping…'],
  restart: ['Restart', 'Restarting…'],
  rebuild: ['Rebuild (update Claude Code)', 'Rebuilding…'],
};
const ACTION_TITLE: Record<DockerAction, string> = {
  up: 'Start the container (builds the image first when it is missing) and wait until it is healthy',
  down: 'Stop and remove the container (the claude-config volume with logins is kept)',
  restart: 'Restart the container and wait until it is healthy',
  rebuild: 'Build the image again with a fresh Claude Code install (the newest, unless CCG_CLAUDE_CODE_VERSION pins one), then recreate the container: requests running in it stop',
};
/** Build output kept on the page (the server replays its own recent lines on connect). */
const MAX_BUILD_LINES = 500;

function Badge({ value, cls }: { value: string; cls: string }): ReactNode {
  return (
    <span className={`badge ${cls}`} data-status={value}>
      {value === 'starting' || value === 'running-op' ? <span className="pulse" aria-hidden /> : null}
      {value}
    </span>
  );
}

/** A problem the way people need it: what is wrong, and the command that fixes it (copyable). */
function ProblemBox({ p, warn = false }: { p: ComposeProblem; warn?: boolean }): ReactNode {
  const [copied, setCopied] = useState(false);
  return (
    <div className={`problem${warn ? ' warn' : ''}`} role="alert" data-testid="docker-problem" data-code={p.code}>
      <div>
        <strong>{p.reason}</strong>
      </div>
      <div className="fix">
        <span className="muted small">Fix:</span>
        <code data-testid="docker-fix">{p.fix}</code>
        <button
          type="button"
          className="btn ghost"
          onClick={() => void copyText(p.fix).then((ok) => { setCopied(ok); setTimeout(() => setCopied(false), 1500); })}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {p.detail ? (
        <details>
          <summary className="small">Details</summary>
          <pre className="mono small">{p.detail}</pre>
        </details>
      ) : null}
    </div>
  );
}

function ServiceCard({ s }: { s: ServiceStatus }): ReactNode {
  const cls = s.state === 'running' ? (s.health === 'unhealthy' ? 'badge-error' : s.health === 'starting' ? 'badge-starting' : 'badge-ok') : s.state === 'exited' || s.state === 'dead' ? 'badge-error' : 'badge-stopped';
  return (
    <div className="card" data-service={s.service} data-state={s.state}>
      <header>
        <h3>{s.service || '(unknown service)'}</h3>
        <Badge value={s.state === 'running' && s.health !== 'none' ? `${s.state} · ${s.health}` : s.state} cls={cls} />
      </header>
      <dl className="kv">
        <div>
          <dt>Container</dt>
          <dd className="mono small">{s.containerName}</dd>
        </div>
        <div>
          <dt>Image</dt>
          <dd className="mono small">{s.image}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{s.startedAt ? new Date(s.startedAt).toLocaleString() : '—'}</dd>
        </div>
        {s.exitCode !== null ? (
          <div>
            <dt>Exit code</dt>
            <dd>{s.exitCode}</dd>
          </div>
        ) : null}
        {s.lastHealthOutput && s.health === 'unhealthy' ? (
          <div>
            <dt>Health probe</dt>
            <dd className="mono small">{s.lastHealthOutput}</dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

/** The build's output (Up of a missing image, Rebuild), following its end; folded once the operation succeeded. */
function BuildOutput({ lines, open }: { lines: DockerProgress[]; open: boolean }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <details open={open} className="build-output">
      <summary className="small">Build output ({lines.length} lines)</summary>
      <div
        ref={box}
        role="log"
        className="logs-view build-log"
        data-testid="docker-build-output"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.map((l) => (
          <div key={l.seq} className={`ln${/^Step \d+\/\d+ :|^#\d+ \[/.test(l.text) ? ' step-line' : ''}`}>
            {l.text}
          </div>
        ))}
      </div>
    </details>
  );
}

function OperationView({ op, lines, onCancel }: { op: DockerOperation; lines: DockerProgress[]; onCancel(): void }): ReactNode {
  // A build runs for minutes with few events: tick the elapsed time while it runs.
  const [, setTick] = useState(0);
  useEffect(() => {
    if (op.state !== 'running') return undefined;
    const t = setInterval(() => setTick((n) => n + 1), 1_000);
    return () => clearInterval(t);
  }, [op.state]);
  const took = ((op.endedAt ? Date.parse(op.endedAt) : Date.now()) - Date.parse(op.startedAt)) / 1000;
  const cls = op.state === 'done' ? 'badge-ok' : op.state === 'running' ? 'badge-starting' : op.state === 'cancelled' ? 'badge-cancelled' : 'badge-error';
  return (
    <div className="card op" data-testid="docker-operation" data-state={op.state} data-action={op.action}>
      <header>
        <h3>
          <code>{op.action}</code> {op.state === 'running' ? 'in progress' : op.state}
        </h3>
        <span className={`badge ${cls}`}>
          {op.state === 'running' ? <span className="pulse" aria-hidden /> : null}
          {op.state}
        </span>
      </header>
      <div className="small" data-testid="docker-phase">
        {op.phase} <span className="muted">({took.toFixed(1)} s{op.origin === 'tray' ? ', started from the tray' : ''})</span>
      </div>
      {op.state === 'running' && op.step ? (
        <progress className="build-progress" max={op.step.total} value={op.step.index} aria-label={`build step ${op.step.index} of ${op.step.total}`} />
      ) : null}
      <div className="small muted">
        Same as: <code>{op.command}</code>
      </div>
      {op.problem ? <ProblemBox p={op.problem} /> : null}
      {lines.length ? <BuildOutput key={op.state === 'done' ? 'folded' : 'open'} lines={lines} open={op.state !== 'done'} /> : null}
      {op.state === 'running' ? (
        <div>
          <button type="button" className="btn ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Live container logs (compose's `logs -f`), ending with the container, with the reason when it ends. */
function dockerLogLines(e: StreamEvent<typeof DOCKER_STREAMS.logs.events>): LiveLine[] {
  if (e.event === 'line') {
    const l = e.data;
    return [{ text: l.text, prefix: l.service || undefined, cls: l.stream === 'stderr' ? 'stderr' : undefined }];
  }
  const p = e.data.problem;
  return [{ text: p ? `log stream ended: ${p.reason} Fix: ${p.fix}` : 'log stream ended (no running container)', cls: 'meta' }];
}
const LOGS_INPUT = { query: { tail: 200 } };

function LogsView(): ReactNode {
  return <LiveLog title="Logs" stream={DOCKER_STREAMS.logs} input={LOGS_INPUT} toLines={dockerLogLines} reconnect={false} testId="docker-logs" stateTestId="logs-state" />;
}

export function DockerPage(): ReactNode {
  const { client } = useControl();
  const [data, setData] = useState<DockerStatusResponse | null>(null);
  const [op, setOp] = useState<DockerOperation | null>(null);
  const [lines, setLines] = useState<DockerProgress[]>([]);
  // The build output shown belongs to this operation; a new one starts an empty list.
  const opId = useRef<string | null>(null);
  const showOp = useCallback((next: DockerOperation): void => {
    if (next.id !== opId.current) {
      opId.current = next.id;
      setLines([]);
    }
    setOp(next);
  }, []);
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [logsKey, setLogsKey] = useState(0);
  const lastOverall = useRef<string | null>(null);

  const load = useCallback(async (): Promise<void> => {
    setChecking(true);
    try {
      const body = await client.call(DOCKER_ROUTES.status);
      setData(body);
      if (body.operation) showOp(body.operation);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setChecking(false);
    }
  }, [client, showOp]);

  useEffect(() => {
    void load();
    return openStream(client, DOCKER_STREAMS.events, {
      onEvent: (e) => {
        if (e.event === 'status') setData(e.data);
        else if (e.event === 'operation') showOp(e.data);
        else {
          const line = e.data;
          if (line.operationId !== opId.current) return;
          // Replayed lines on a reconnect may repeat what is shown: keep each seq once, in order.
          setLines((prev) => (prev.length && prev[prev.length - 1].seq >= line.seq ? prev : [...prev, line].slice(-MAX_BUILD_LINES)));
        }
      },
    });
  }, [client, load, showOp]);

  // The log stream ends when the container goes away: reopen it when the container runs again.
  const overall = data?.status.overall ?? null;
  useEffect(() => {
    if (overall === 'running' && lastOverall.current !== null && lastOverall.current !== 'running') setLogsKey((k) => k + 1);
    lastOverall.current = overall;
  }, [overall]);

  const run = async (action: DockerAction): Promise<void> => {
    setError(null);
    try {
      const r = await client.send(DOCKER_ROUTES.action, { params: { action } });
      showOp(r.body.operation);
      if (r.status === 409) setError(`Another operation (${r.body.operation.action}) is still running.`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const cancel = (): void => {
    void client.call(DOCKER_ROUTES.cancel).catch(() => undefined);
  };

  const st = data?.status;
  const busy = op?.state === 'running';
  const sameAsOp = op?.problem && st?.problem && op.problem.code === st.problem.code && op.problem.reason === st.problem.reason;
  // The running Up/Restart/Rebuild is building the missing image: its card says so.
  const beingFixed = busy && op?.action !== 'down' && st?.problem?.code === 'image-missing';
  const problem = st?.problem && !sameAsOp && !beingFixed ? st.problem : null;
  return (
    <div className="page feature-page docker-page">
      <div className="page-head">
        <h1>Docker runtime</h1>
        {st ? <Badge value={st.overall} cls={OVERALL_CLASS[st.overall] ?? 'badge-stopped'} /> : null}
        <button type="button" className="btn ghost" onClick={() => void load()} disabled={checking}>
          {checking ? 'Checking…' : 'Refresh'}
        </button>
      </div>
      {error ? <ErrorBox title="Docker" message={error} /> : null}
      {data && data.runtime !== 'docker' ? (
        // the local runtime builds no compose project at all: nothing to start, stop or read logs of
        <EmptyState title="Claude Code runs on this machine">
          <span data-testid="runtime-note">
            Requests run Claude Code locally (CLAUDE_RUNTIME={data.runtime}). To run it in a container instead, choose the docker runtime in Settings and
            restart the app: this page then starts the container (building its image the first time) and shows its logs.
          </span>
        </EmptyState>
      ) : null}
      {data && data.runtime !== 'docker' ? null : (
        <>

      <div className="card">
        <header>
          <h3>
            Compose project <code>{st?.project ?? '…'}</code>
          </h3>
          <span className="muted small">
            {st?.compose ? `docker compose ${st.compose.kind} ${st.compose.version}` : ''}
            {st ? ` · checked ${new Date(st.checkedAt).toLocaleTimeString()}` : ''}
          </span>
        </header>
        <div className="docker-actions">
          {(['up', 'down', 'restart', 'rebuild'] as const).map((a) => (
            <button
              key={a}
              type="button"
              title={ACTION_TITLE[a]}
              className={`btn${a === 'up' ? ' primary' : a === 'down' ? ' danger' : ''}`}
              disabled={busy || !data || (a === 'up' && st?.overall === 'running') || (a === 'down' && st?.overall === 'stopped' && st.services.length === 0)}
              data-action={a}
              onClick={() => void run(a)}
            >
              {busy && op?.action === a ? ACTION_LABEL[a][1] : ACTION_LABEL[a][0]}
            </button>
          ))}
          {data ? (
            <span className="muted small">
              By hand: <code>{data.commands.up}</code>
            </span>
          ) : null}
        </div>
      </div>

      {op ? <OperationView op={op} lines={lines} onCancel={cancel} /> : null}
      {problem ? <ProblemBox p={problem} warn={st?.overall === 'stopped'} /> : null}

      {!data && !error ? <div className="muted pad">Asking Docker…</div> : null}
      {st && st.services.length === 0 && st.overall !== 'error' ? (
        <EmptyState title="No container">
          The runtime container is not created. Press Up to start it{st.problem?.code === 'image-missing' ? ' (it builds the image first: a few minutes, Docker Hub and npm must be reachable)' : ''}.
        </EmptyState>
      ) : null}
      {st && st.services.length ? (
        <div className="svc-grid" data-testid="docker-services">
          {st.services.map((s) => (
            <ServiceCard key={s.containerId} s={s} />
          ))}
        </div>
      ) : null}

      <LogsView key={logsKey} />
        </>
      )}
    </div>
  );
}
