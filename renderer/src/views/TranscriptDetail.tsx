import { useVirtualizer } from '@tanstack/react-virtual';
import { FolderLink } from '../components/FolderLink.tsx';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { CONTROL_STREAMS } from '../../../main/contract/control-routes.ts';
import { EventRow } from '../components/EventRow.tsx';
import { WaitingForCaller } from '../components/WaitingForCaller.tsx';
import { EmptyState, ErrorBox, StatusBadge } from '../components/common.tsx';
import { useControl } from '../lib/control-context.tsx';
import { formatCost, formatDuration, formatTime, formatTokens, totalIn } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { openStream, type StreamState } from '../lib/stream.ts';
import { TranscriptModel, type TNode } from '../lib/transcript-model.ts';

const BOTTOM_SLACK_PX = 48;

function findLast<K extends TNode['kind']>(nodes: readonly TNode[], kind: K): Extract<TNode, { kind: K }> | null {
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i].kind === kind) return nodes[i] as Extract<TNode, { kind: K }>;
  return null;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/**
 * One request as it happens: a virtualised list of its steps (text, thinking, tool calls with results, nested
 * sub-agent steps, errors), fed by the one-request SSE stream (stored transcript first, then live). Follows the
 * newest step until the user scrolls up; "Jump to latest" resumes following.
 */
export function TranscriptDetail({ id }: { id: string }): ReactNode {
  const { client } = useControl();
  const modelRef = useRef(new TranscriptModel());
  const [version, setVersion] = useState(0);
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting', attempt: 0 });
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [stick, setStick] = useState(true);
  const [atBottom, setAtBottom] = useState(true);
  const stickRef = useRef(true);
  const userIntentAt = useRef(0);
  const frame = useRef<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const firstLoad = useRef(true);

  const schedule = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setVersion(modelRef.current.version);
    });
  }, []);

  useEffect(() => {
    modelRef.current = new TranscriptModel();
    firstLoad.current = true;
    setVersion(0);
    setCollapsed(new Set());
    const close = openStream(client, CONTROL_STREAMS.transcripts, {
      input: { query: { view: 'events', requestId: id } },
      onEvent: ({ data: m }) => {
        const model = modelRef.current;
        if (m.type === 'reset' && m.events) {
          model.applyAll(m.events);
          if (firstLoad.current) {
            firstLoad.current = false;
            // a finished run opens at its start; a running one follows its newest step
            const follow = (m.summary?.status ?? model.status) === 'running';
            stickRef.current = follow;
            setStick(follow);
          }
        } else if (m.type === 'event') {
          model.apply(m.event);
        }
        schedule();
      },
      onState: setStream,
    });
    return () => {
      close();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [client, id, schedule]);

  const model = modelRef.current;
  const rows = useMemo(() => model.rows(collapsed), [model, version, collapsed]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 8,
    getItemKey: (i) => rows[i].key,
  });

  const toggle = useCallback((key: string) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  const totalSize = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (stickRef.current && rows.length > 0) el.scrollTop = el.scrollHeight;
    setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX);
  }, [rows, totalSize]);

  const onScroll = (): void => {
    const el = scrollRef.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
    setAtBottom(bottom);
    // Only the user's own scrolling pauses following; re-measuring rows also moves scrollTop.
    const next = bottom ? true : Date.now() - userIntentAt.current < 1000 ? false : stickRef.current;
    if (next !== stickRef.current) {
      stickRef.current = next;
      setStick(next);
    }
  };
  const markIntent = (): void => {
    userIntentAt.current = Date.now();
  };
  const jumpToLatest = (): void => {
    stickRef.current = true;
    setStick(true);
    virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
    requestAnimationFrame(() => {
      const el = scrollRef.current;
      if (el) el.scrollTop = el.scrollHeight;
    });
  };

  const running = model.status === 'running';
  const now = useNow(running);
  const waiting = model.waiting;
  const prompt = model.root[0]?.kind === 'prompt' ? model.root[0] : null;
  const result = findLast(model.root, 'result');
  const end = findLast(model.root, 'end');

  if (stream.kind === 'notfound') {
    return (
      <div className="page">
        <a href={href({ page: 'transcripts' })} className="back">
          ← Transcripts
        </a>
        <EmptyState title="No such request">The transcript {id} does not exist (or was deleted).</EmptyState>
      </div>
    );
  }

  return (
    <div className="page detail" data-request-id={id}>
      <div className="detail-head">
        <a href={href({ page: 'transcripts' })} className="back">
          ← Transcripts
        </a>
        <div className="detail-title">
          <StatusBadge status={model.status} />
          <span className="mono detail-id">{id}</span>
        </div>
        <dl className="facts">
          <div>
            <dt>Model</dt>
            <dd>{prompt?.model ?? '—'}</dd>
          </div>
          <div>
            <dt>Client</dt>
            <dd>{prompt?.client ?? '—'}</dd>
          </div>
          {prompt?.folder ? (
            <div data-testid="detail-place">
              <dt>{prompt.project ? `Project ${prompt.project}` : 'Chat workspace'}</dt>
              <dd>
                <FolderLink folder={prompt.folder} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Started</dt>
            <dd>{prompt ? formatTime(prompt.ts) : '—'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{end ? formatDuration(end.durationMs) : prompt ? formatDuration(now - Date.parse(prompt.ts)) : '—'}</dd>
          </div>
          <div>
            <dt>Turns</dt>
            <dd>{result?.numTurns ?? '—'}</dd>
          </div>
          <div>
            <dt>Tools</dt>
            <dd>{model.toolCount}</dd>
          </div>
          <div>
            <dt>Tokens in / out</dt>
            <dd data-testid="detail-tokens">{result ? `${formatTokens(totalIn(result.usage))} / ${formatTokens(result.usage.outputTokens)}` : '—'}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(result?.costUsd)}</dd>
          </div>
        </dl>
        {waiting ? <WaitingForCaller requestId={id} since={waiting.since} calls={waiting.calls} now={now} /> : null}
        {stream.kind === 'retrying' ? <div className="banner warn">Live stream interrupted ({stream.error}) — reconnecting in {Math.ceil(stream.inMs / 1000)} s…</div> : null}
        {stream.kind === 'unauthorized' ? <ErrorBox title="Not authorised" message="The admin token was refused. Reopen the dashboard from the URL printed at start." /> : null}
      </div>
      <div className="events-scroll" ref={scrollRef} onScroll={onScroll} onWheel={markIntent} onTouchMove={markIntent} onKeyDown={markIntent} onPointerDown={markIntent} tabIndex={0} data-testid="events-scroll">
        {rows.length === 0 ? (
          <div className="muted pad">{stream.kind === 'live' ? 'Waiting for the first event…' : 'Loading…'}</div>
        ) : (
          <div style={{ height: totalSize, position: 'relative', width: '100%' }}>
            {virtualizer.getVirtualItems().map((vi) => {
              const row = rows[vi.index];
              return (
                <div
                  key={vi.key}
                  data-index={vi.index}
                  ref={virtualizer.measureElement}
                  className={`row depth-${Math.min(row.depth, 4)}`}
                  style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${vi.start}px)`, paddingLeft: 16 + row.depth * 28 }}
                >
                  <EventRow row={row} rev={row.rev} collapsed={collapsed.has(row.key)} onToggle={toggle} />
                </div>
              );
            })}
          </div>
        )}
      </div>
      {!stick && !atBottom && rows.length > 0 ? (
        <button type="button" className="btn jump" onClick={jumpToLatest}>
          ↓ {running ? 'Follow live' : 'Jump to end'}
        </button>
      ) : null}
    </div>
  );
}
