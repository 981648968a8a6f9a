import { type EventMap, type RouteInput, type Stream, type StreamEvent } from '../../../main/contract/route.ts';
import { urlFor, type ControlClient } from './api.ts';
import { backoffMs } from './backoff.ts';

export type StreamState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live' }
  | { kind: 'retrying'; inMs: number; attempt: number; error: string }
  /** The stream ended by itself and `reconnect` is off (a container's logs end with the container). */
  | { kind: 'ended'; error: string }
  | { kind: 'unauthorized' }
  | { kind: 'notfound' };

export interface StreamOptions<P extends string, E extends EventMap, Q> {
  /** Path params and query of the stream. */
  input?: RouteInput<Stream<P, E, Q>>;
  /** Resume point (e.g. the cursor of a list just fetched); later ids the server sends move it. */
  lastEventId?: string | null;
  /** Reconnect with backoff after a drop (default true). */
  reconnect?: boolean;
  onEvent(e: StreamEvent<E>): void;
  onState?(state: StreamState): void;
}

/** Splits an SSE text stream into frames; `id:` lines move the resume point even on frames without data. */
class SseParser {
  private buf = '';
  constructor(private readonly onFrame: (f: { id: string | null; event: string | null; data: string | null }) => void) {}
  push(text: string): void {
    this.buf += text.replace(/\r\n?/g, '\n');
    let idx: number;
    while ((idx = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, idx);
      this.buf = this.buf.slice(idx + 2);
      let id: string | null = null;
      let event: string | null = null;
      let data: string | null = null;
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data = data === null ? value : `${data}\n${value}`;
      }
      if (id !== null || data !== null) this.onFrame({ id, event, data });
    }
  }
}

/** One frame as a typed event, or null when its name is not in the stream's map or its data does not fit. */
function toEvent<E extends EventMap>(events: E, name: string, data: string): StreamEvent<E> | null {
  if (!Object.hasOwn(events, name)) return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = events[name].safeParse(json);
  if (!parsed.success) {
    console.warn(`stream event "${name}" does not fit the contract`, parsed.error.issues[0]);
    return null;
  }
  // Checked just above by the schema of this very name: the compiler cannot follow a key through a generic map.
  return { event: name, data: parsed.data } as StreamEvent<E>;
}

/**
 * A stream of the gateway (an entry of a `*_STREAMS` table) over fetch — EventSource cannot send the admin token as
 * a header. Each frame is validated against the stream's event map; one that does not fit is skipped. Reconnects
 * with backoff and resumes with Last-Event-ID, so a dropped connection or a gateway restart costs nothing where the
 * server replays (the transcript stream); 401 and 404 end it for good.
 */
export function openStream<P extends string, E extends EventMap, Q>(client: ControlClient, stream: Stream<P, E, Q>, opts: StreamOptions<P, E, Q>): () => void {
  let closed = false;
  let ac: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastEventId = opts.lastEventId ?? null;
  let attempt = 0;
  const setState = (s: StreamState): void => {
    if (!closed) opts.onState?.(s);
  };
  const path = urlFor(stream.path, opts.input);

  const connect = async (): Promise<void> => {
    if (closed) return;
    ac = new AbortController();
    setState({ kind: 'connecting', attempt });
    let error = 'connection closed';
    try {
      const res = await client.fetch(path, { headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ac.signal });
      if (res.status === 401 || res.status === 404) {
        setState({ kind: res.status === 401 ? 'unauthorized' : 'notfound' });
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      setState({ kind: 'live' });
      const parser = new SseParser((f) => {
        if (f.id !== null) lastEventId = f.id;
        if (f.data === null) return;
        const e = toEvent(stream.events, f.event ?? 'message', f.data);
        if (e) opts.onEvent(e);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let lastYield = performance.now();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        // A big snapshot arrives in one burst: yield now and then so the first rows paint while the rest parses.
        if (performance.now() - lastYield > 12) {
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
        }
      }
    } catch (err) {
      if (closed) return;
      error = err instanceof Error ? err.message : String(err);
    }
    if (closed) return;
    if (opts.reconnect === false) {
      setState({ kind: 'ended', error });
      return;
    }
    const inMs = backoffMs(attempt++);
    setState({ kind: 'retrying', inMs, attempt, error });
    timer = setTimeout(() => void connect(), inMs);
  };
  void connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    ac?.abort();
  };
}
