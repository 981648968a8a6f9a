import type { StreamMessage, StreamView } from '../../../main/contract/control-api.ts';
import { CONTROL_PATHS } from '../../../main/contract/control-api.ts';
import { backoffMs } from './backoff.ts';

export type StreamState = { kind: 'connecting'; attempt: number } | { kind: 'live' } | { kind: 'retrying'; inMs: number; attempt: number; error: string } | { kind: 'unauthorized' } | { kind: 'notfound' };

export interface StreamOptions {
  baseUrl: string;
  token: string;
  view: StreamView;
  requestId?: string;
  /** Resume point (e.g. the cursor of a list just fetched). */
  lastEventId?: string | null;
  onMessage(msg: StreamMessage): void;
  onState?(state: StreamState): void;
}

/** Splits an SSE byte stream into frames; `id:` lines move the resume point even on frames without data. */
export class SseParser {
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

/**
 * The live stream over fetch (EventSource cannot send the admin token as a header). Reconnects with backoff and
 * resumes with Last-Event-ID, so a dropped connection or a gateway restart costs nothing: the server replays what
 * was missed or sends `reset`.
 */
export function openStream(opts: StreamOptions): () => void {
  let closed = false;
  let ac: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastEventId = opts.lastEventId ?? null;
  let attempt = 0;
  const setState = (s: StreamState): void => {
    if (!closed) opts.onState?.(s);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    ac = new AbortController();
    setState({ kind: 'connecting', attempt });
    const params = new URLSearchParams({ view: opts.view });
    if (opts.requestId) params.set('requestId', opts.requestId);
    let error = 'connection closed';
    try {
      const res = await fetch(`${opts.baseUrl}${CONTROL_PATHS.stream}?${params.toString()}`, {
        headers: { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: ac.signal,
        cache: 'no-store',
      });
      if (res.status === 401 || res.status === 404) {
        setState({ kind: res.status === 401 ? 'unauthorized' : 'notfound' });
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const parser = new SseParser((f) => {
        if (f.id !== null) lastEventId = f.id;
        if (f.data === null) return;
        const msg = JSON.parse(f.data) as StreamMessage;
        if (msg.type === 'hello') {
          attempt = 0;
          setState({ kind: 'live' });
        }
        opts.onMessage(msg);
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
