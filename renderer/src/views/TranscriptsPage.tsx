import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { RunStatus, TranscriptSummary } from '../../../main/contract/events.ts';
import { EmptyState, ErrorBox, StatusBadge } from '../components/common.tsx';
import { CONTROL_STREAMS, CONTROL_ROUTES } from '../../../main/contract/control-routes.ts';
import { ApiError } from '../lib/api.ts';
import { useControl } from '../lib/control-context.tsx';
import { formatCost, formatDuration, formatTokens, relativeTime, totalIn } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { openStream, type StreamState } from '../lib/stream.ts';

const PAGE = 100;
const STATUSES: RunStatus[] = ['running', 'done', 'error', 'cancelled', 'interrupted'];

interface Filters {
  status: '' | RunStatus;
  model: string;
  q: string;
}

function matches(s: TranscriptSummary, f: Filters): boolean {
  if (f.status && s.status !== f.status) return false;
  if (f.model && s.model !== f.model) return false;
  const q = f.q.trim().toLowerCase();
  return !q || s.preview.toLowerCase().includes(q) || s.requestId.toLowerCase().includes(q) || (s.error ?? '').toLowerCase().includes(q);
}

function byNewest(a: TranscriptSummary, b: TranscriptSummary): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.requestId.localeCompare(a.requestId);
}

/** Every request, newest first, updated live from the summaries stream (resumed from the list's own cursor). */
export function TranscriptsPage(): ReactNode {
  const { client, info } = useControl();
  const [filters, setFilters] = useState<Filters>({ status: '', model: '', q: '' });
  const [q, setQ] = useState('');
  const [page, setPage] = useState(0);
  const [list, setList] = useState<{ items: TranscriptSummary[]; total: number } | null>(null);
  const items = list?.items ?? null;
  const total = list?.total ?? 0;
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  // debounce the text filter
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === q ? f : { ...f, q })), 250);
    return () => clearTimeout(t);
  }, [q]);

  const onSummary = useCallback(
    (s: TranscriptSummary) => {
      setList((prev) => {
        if (!prev) return prev;
        const idx = prev.items.findIndex((x) => x.requestId === s.requestId);
        const fits = matches(s, filtersRef.current);
        if (idx >= 0) {
          const next = [...prev.items];
          if (fits) next[idx] = s;
          else next.splice(idx, 1);
          return { items: next, total: prev.total - (fits ? 0 : 1) };
        }
        if (!fits || page !== 0) return prev;
        return { items: [s, ...prev.items].sort(byNewest).slice(0, PAGE), total: prev.total + 1 };
      });
    },
    [page],
  );

  useEffect(() => {
    let closeStream: (() => void) | null = null;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const load = async (attempt: number): Promise<void> => {
      try {
        const res = await client.call(CONTROL_ROUTES.transcripts, {
          query: { status: filters.status || undefined, model: filters.model || undefined, q: filters.q || undefined, limit: PAGE, offset: page * PAGE },
        });
        if (cancelled) return;
        setList({ items: res.items, total: res.total });
        setError(null);
        closeStream?.();
        closeStream = openStream(client, CONTROL_STREAMS.transcripts, {
          input: { query: { view: 'summaries' } },
          lastEventId: res.cursor,
          onEvent: ({ data: m }) => {
            if (m.type === 'summary') onSummary(m.summary);
            else if (m.type === 'reset') setReloadTick((t) => t + 1);
          },
          onState: setStream,
        });
      } catch (err) {
        if (cancelled) return;
        setError(err instanceof ApiError ? err.message : String(err));
        retry = setTimeout(() => void load(attempt + 1), Math.min(15_000, 1000 * 2 ** attempt));
      }
    };
    void load(0);
    return () => {
      cancelled = true;
      closeStream?.();
      if (retry) clearTimeout(retry);
    };
  }, [client, filters, page, onSummary, reloadTick]);

  const anyRunning = items?.some((s) => s.status === 'running') ?? false;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), anyRunning ? 1000 : 15_000);
    return () => clearInterval(t);
  }, [anyRunning]);

  const filtered = filters.status !== '' || filters.model !== '' || filters.q !== '';
  const models = Array.from(new Set([...(items ?? []).map((s) => s.model), filters.model].filter(Boolean))).sort();

  return (
    <div className="page">
      <div className="page-head">
        <h1>Transcripts</h1>
        <span className="muted" data-testid="live-state">
          {stream?.kind === 'live' ? '● live' : stream?.kind === 'retrying' ? `reconnecting in ${Math.ceil(stream.inMs / 1000)} s` : stream ? 'connecting…' : ''}
        </span>
      </div>
      <div className="filters">
        <select aria-label="Status" value={filters.status} onChange={(e) => { setPage(0); setFilters({ ...filters, status: e.target.value as Filters['status'] }); }}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="Model" value={filters.model} onChange={(e) => { setPage(0); setFilters({ ...filters, model: e.target.value }); }}>
          <option value="">All models</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Search prompts, ids, errors…" value={q} onChange={(e) => { setPage(0); setQ(e.target.value); }} aria-label="Search" />
      </div>
      {error && !items ? (
        <ErrorBox title="Could not load transcripts" message={error}>
          <div className="muted">Retrying…</div>
        </ErrorBox>
      ) : null}
      {items && items.length === 0 && !filtered ? (
        <EmptyState title={`No requests yet — point OpenWebUI at ${info.gateway.v1Url}`}>
          Any OpenAI-compatible client works (n8n, the openai SDK…). Connection details and API keys are under <a href={href({ page: 'settings' })}>Settings</a>.
        </EmptyState>
      ) : null}
      {items && items.length === 0 && filtered ? <EmptyState title="No request matches these filters" /> : null}
      {items && items.length > 0 ? (
        <table className="list" data-testid="transcript-list">
          <thead>
            <tr>
              <th>Status</th>
              <th>Started</th>
              <th>Client</th>
              <th>Model</th>
              <th className="wide">Request</th>
              <th className="num">Turns</th>
              <th className="num">Tools</th>
              <th className="num">Tokens in/out</th>
              <th className="num">Cost</th>
              <th className="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.requestId} data-request-id={s.requestId} data-status={s.status} className={s.status === 'error' ? 'row-error' : ''} onClick={() => (window.location.hash = href({ page: 'transcript', id: s.requestId }))}>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td title={s.startedAt}>{relativeTime(s.startedAt, now)}</td>
                <td>{s.client}</td>
                <td>
                  {s.model}
                  {s.folder ? <div className="muted small mono" title={s.folder} data-testid="row-place">{s.project ? `project ${s.project}` : 'chat workspace'}</div> : null}
                </td>
                <td className="wide">
                  <a href={href({ page: 'transcript', id: s.requestId })} className="preview" onClick={(e) => e.stopPropagation()}>
                    {s.preview || <span className="muted">(empty prompt)</span>}
                  </a>
                  {s.error ? <div className="err-text small">{s.error}</div> : null}
                </td>
                <td className="num" data-col="turns">{s.turns}</td>
                <td className="num" data-col="tools">{s.toolCalls}</td>
                <td className="num" data-col="tokens">{s.usage ? `${formatTokens(totalIn(s.usage))} / ${formatTokens(s.usage.outputTokens)}` : '—'}</td>
                <td className="num">{formatCost(s.costUsd)}</td>
                <td className="num" data-col="duration">{s.durationMs !== null ? formatDuration(s.durationMs) : formatDuration(now - Date.parse(s.startedAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {total > PAGE ? (
        <div className="pager">
          <button type="button" className="btn ghost" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            ← Newer
          </button>
          <span className="muted">
            {page * PAGE + 1}–{Math.min(total, (page + 1) * PAGE)} of {total}
          </span>
          <button type="button" className="btn ghost" disabled={(page + 1) * PAGE >= total} onClick={() => setPage((p) => p + 1)}>
            Older →
          </button>
        </div>
      ) : null}
    </div>
  );
}
