import { ApiError, type ControlClient } from './api.ts';
import { backoffMs } from './backoff.ts';
import { SseParser } from './sse.ts';

/**
 * Calls to the feature APIs mounted next to the control API (/api/mcp, /api/docker, /api/claude-auth) with the same
 * base URL and admin token. Any non-2xx answer that carries a body (the /api error body, `{ error: { code, message } }`)
 * is returned with its status for the page to read; only network failures and a refused token throw.
 */
export async function callApi<T>(client: ControlClient, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${client.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${client.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `Cannot reach the gateway at ${client.baseUrl} (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
  }
  if (res.status === 401) throw new ApiError(401, 'unauthorized', 'The admin token was refused.');
  return { status: res.status, body: parsed as T };
}

/** The message of the /api error body (`{ error: { code, message } }`), or `fallback` for any other body. */
export function errorMessage(body: unknown, fallback: string): string {
  if (!body || typeof body !== 'object' || !('error' in body)) return fallback;
  const e: unknown = body.error;
  return e && typeof e === 'object' && 'message' in e && typeof e.message === 'string' ? e.message : fallback;
}

export type EventStreamState = 'connecting' | 'live' | 'retrying' | 'ended';

/**
 * A named-event SSE stream over fetch (EventSource cannot send the token header). `reconnect` (default true) retries
 * with backoff after a drop; a stream that ends by itself with reconnect=false reports 'ended'.
 */
export function openEventStream(
  client: ControlClient,
  path: string,
  onEvent: (event: string, data: unknown) => void,
  opts: { onState?(s: EventStreamState, error?: string): void; reconnect?: boolean } = {},
): () => void {
  let closed = false;
  let ac: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  const state = (s: EventStreamState, error?: string): void => {
    if (!closed) opts.onState?.(s, error);
  };
  const connect = async (): Promise<void> => {
    ac = new AbortController();
    state('connecting');
    let error = 'connection closed';
    try {
      const res = await fetch(`${client.baseUrl}${path}`, { headers: { authorization: `Bearer ${client.token}`, accept: 'text/event-stream' }, signal: ac.signal, cache: 'no-store' });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      state('live');
      const parser = new SseParser((f) => {
        if (f.data === null) return;
        try {
          onEvent(f.event ?? 'message', JSON.parse(f.data));
        } catch {
          // a malformed frame is skipped, the stream goes on
        }
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (err) {
      if (closed) return;
      error = err instanceof Error ? err.message : String(err);
    }
    if (closed) return;
    if (opts.reconnect === false) {
      state('ended', error);
      return;
    }
    const inMs = backoffMs(attempt++);
    state('retrying', error);
    timer = setTimeout(() => void connect(), inMs);
  };
  void connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    ac?.abort();
  };
}
