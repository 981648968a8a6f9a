import { useCallback, useRef, useState, type ReactNode } from 'react';
import type { AppLogLevel } from '../../../main/contract/control-api.ts';
import { CONTROL_STREAMS } from '../../../main/contract/control-routes.ts';
import type { StreamEvent } from '../../../main/contract/route.ts';
import { copyText } from '../components/common.tsx';
import { LiveLog, type LiveLine } from '../components/LiveLog.tsx';
import './feature-pages.css';

/** Minimum level shown; continuation lines (stack traces) follow the entry they belong to. */
type MinLevel = 'all' | 'info' | 'warn' | 'error';
const RANK: Record<AppLogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4, silly: 5 };
const MAX_RANK: Record<MinLevel, number> = { all: 9, info: 2, warn: 1, error: 0 };

interface AppLine extends LiveLine {
  rank: number;
}

/** The app's own log (DATA_DIR/logs/gateway.log), live: what the gateway, OAuth listener and runtime say. */
export function LogsPage(): ReactNode {
  const [file, setFile] = useState<string | null>(null);
  const [min, setMin] = useState<MinLevel>('all');
  const [q, setQ] = useState('');
  // A continuation line takes the rank of the entry above it, so filtering keeps stack traces with their error.
  const lastRank = useRef(RANK.info);

  const toLines = useCallback(
    (e: StreamEvent<typeof CONTROL_STREAMS.appLog.events>): AppLine[] => {
      if (e.event === 'info') {
        setFile(e.data.file);
        return [];
      }
      if (e.event === 'rotated') return [{ text: '— log file rotated —', cls: 'meta', rank: 0 }];
      const l = e.data;
      if (l.level) lastRank.current = RANK[l.level];
      return [{ text: l.text, cls: l.level ? `lvl-${l.level}` : 'lvl-cont', rank: lastRank.current }];
    },
    [],
  );

  const needle = q.trim().toLowerCase();
  const filter = (line: LiveLine): boolean => (line as AppLine).rank <= MAX_RANK[min] && (!needle || line.text.toLowerCase().includes(needle));

  return (
    <div className="page feature-page logs-page">
      <div className="page-head">
        <h1>Logs</h1>
      </div>
      <p className="muted small">
        The gateway's log file{' '}
        {file ? (
          <>
            <code data-testid="log-file">{file}</code>{' '}
            <button type="button" className="btn ghost small" onClick={() => void copyText(file)}>
              Copy path
            </button>
          </>
        ) : null}{' '}
        — one line per request (id, model, turns, tools, duration, outcome), OAuth and runtime events. Keys and tokens are never written to it.
      </p>
      <LiveLog
        title="Live"
        stream={CONTROL_STREAMS.appLog}
        input={{ query: { tail: 500 } }}
        toLines={toLines}
        reconnect
        filter={min === 'all' && !needle ? undefined : filter}
        testId="app-log"
        stateTestId="app-log-state"
        height="calc(100vh - 230px)"
        controls={
          <>
            <select value={min} onChange={(e) => setMin(e.target.value as MinLevel)} aria-label="Minimum level" data-testid="log-level">
              <option value="all">all levels</option>
              <option value="info">info and above</option>
              <option value="warn">warnings and errors</option>
              <option value="error">errors</option>
            </select>
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="filter text" aria-label="Filter text" data-testid="log-filter" />
          </>
        }
      />
    </div>
  );
}
