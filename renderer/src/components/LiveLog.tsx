import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { EventMap, RouteInput, Stream, StreamEvent } from '../../../main/contract/route.ts';
import { useControl } from '../lib/control-context.tsx';
import { openStream, type StreamState } from '../lib/stream.ts';

const MAX_LINES = 2_000;

/** One rendered line: its text, a CSS modifier (`stderr`, `meta`, `lvl-error`…) and an optional prefix (a service). */
export interface LiveLine {
  text: string;
  cls?: string;
  prefix?: string;
}

interface Props<P extends string, E extends EventMap, Q> {
  title: string;
  /** The stream (an entry of a `*_STREAMS` table) and its query. */
  stream: Stream<P, E, Q>;
  input?: RouteInput<Stream<P, E, Q>>;
  /** Lines to append for one event (an empty list ignores it). */
  toLines(e: StreamEvent<E>): LiveLine[];
  /** Reconnect with backoff after a drop (an app log) or end for good (container logs end with their container). */
  reconnect: boolean;
  /** Lines hidden by the page's own filter stay in the buffer and come back when it changes. */
  filter?: (line: LiveLine) => boolean;
  /** Extra controls in the header (filters). */
  controls?: ReactNode;
  testId: string;
  stateTestId: string;
  height?: number | string;
}

/** A live log: follows the end unless the reader scrolled up (then it waits, showing how many lines are new). */
export function LiveLog<P extends string, E extends EventMap, Q>({ title, stream, input, toLines, reconnect, filter, controls, testId, stateTestId, height }: Props<P, E, Q>): ReactNode {
  const { client } = useControl();
  const [lines, setLines] = useState<Array<LiveLine & { key: number }>>([]);
  const [state, setState] = useState<StreamState['kind']>('connecting');
  const [follow, setFollow] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const [generation, setGeneration] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);
  const key = useRef(0);
  const toLinesRef = useRef(toLines);
  toLinesRef.current = toLines;
  // The query is compared by value: a new object with the same query must not reopen the stream.
  const inputKey = JSON.stringify(input ?? null);
  const inputRef = useRef(input);
  inputRef.current = input;

  useEffect(() => {
    setLines([]);
    setUnseen(0);
    return openStream(client, stream, {
      input: inputRef.current,
      reconnect,
      onState: (s) => setState(s.kind),
      onEvent: (e) => {
        const add = toLinesRef.current(e);
        if (!add.length) return;
        setLines((cur) => {
          const next = [...cur, ...add.map((l) => ({ ...l, key: key.current++ }))];
          return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
        });
        if (!followRef.current) setUnseen((n) => n + add.length);
      },
    });
  }, [client, stream, inputKey, reconnect, generation]);

  const shown = filter ? lines.filter(filter) : lines;

  useLayoutEffect(() => {
    const el = box.current;
    if (el && followRef.current) el.scrollTop = el.scrollHeight;
  }, [shown.length, lines]);

  const onScroll = (): void => {
    const el = box.current;
    if (!el) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (atEnd !== followRef.current) {
      followRef.current = atEnd;
      setFollow(atEnd);
      if (atEnd) setUnseen(0);
    }
  };
  const jump = (): void => {
    followRef.current = true;
    setFollow(true);
    setUnseen(0);
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  };

  return (
    <section className="logs">
      <div className="logs-head">
        <h2>{title}</h2>
        {controls}
        <span className="muted small" data-testid={stateTestId}>
          {state === 'live' ? (follow ? 'live · following' : 'live · paused (scrolled up)') : state}
        </span>
        {!follow ? (
          <button type="button" className="btn" onClick={jump}>
            {unseen ? `${unseen} new ↓` : 'Follow ↓'}
          </button>
        ) : null}
        <button type="button" className="btn ghost" onClick={() => setGeneration((g) => g + 1)}>
          Reconnect
        </button>
        <button type="button" className="btn ghost" onClick={() => setLines([])}>
          Clear
        </button>
      </div>
      <div className="logs-view" style={height !== undefined ? { height } : undefined} ref={box} onScroll={onScroll} data-testid={testId} data-following={follow ? 'yes' : 'no'}>
        {shown.length === 0 ? <div className="ln meta">{state === 'connecting' ? 'connecting…' : lines.length ? 'no line matches the filter' : 'no output yet'}</div> : null}
        {shown.map((l) => (
          <div key={l.key} className={`ln${l.cls ? ` ${l.cls}` : ''}`}>
            {l.prefix ? <span className="svc">{l.prefix}</span> : null}
            {l.text}
          </div>
        ))}
      </div>
    </section>
  );
}
