import type { ServerResponse } from 'node:http';
import { flushAfterIo, persistNow } from '../loop-flush.ts';

/** SSE_KEEPALIVE_S's default, for routers built without a config (tests); the composition root passes the config's. */
export const DEFAULT_KEEPALIVE_MS = 5_000;

export interface SseOptions {
  /** A `: keep-alive` comment goes out after this long without a write (SSE_KEEPALIVE_S): proxies and clients with
   * an idle timeout (n8n restarts its timer on every chunk) keep the stream open while nothing happens. */
  keepAliveMs: number;
  /** Extra response headers (sent with the SSE ones). */
  headers?: Record<string, string>;
}

/**
 * The one server-side SSE writer: every stream the gateway serves (/v1 answers, the control API's live views, docker
 * events, sign-in progress) goes through it. Frames are `field: value` lines ending in a blank line, as OpenAI clients
 * and EventSource parse them (`data: <one-line JSON>\n\n`, `: comment` ignored); no compression, no Content-Length.
 * Frames written together (one tick, or every read of the I/O in hand) leave in one socket write, after their
 * transcript lines (main/loop-flush.ts):
 * one write of their concatenation costs a fraction of one write per frame. When the client goes away the
 * writer closes itself: later writes are dropped, the keep-alive stops and `onClose` callbacks run once.
 */
export class SseWriter {
  private lastWrite = Date.now();
  private readonly timer: NodeJS.Timeout;
  private ended = false;
  /** Frames not yet handed to the socket. */
  private pending = '';
  private readonly closeCallbacks: Array<() => void> = [];
  private readonly flush = (): void => {
    const chunk = this.pending;
    this.pending = '';
    if (chunk && !this.closed) this.res.write(chunk);
  };

  constructor(private readonly res: ServerResponse, opts: SseOptions) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
    res.flushHeaders();
    const keepAliveMs = opts.keepAliveMs;
    const tick = Math.max(25, Math.min(keepAliveMs / 2, 1000));
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite >= keepAliveMs) this.comment('keep-alive');
    }, tick);
    this.timer.unref();
    // 'close' fires when the response finished or the connection went away, whichever comes first.
    res.once('close', () => this.close());
  }

  /** True once the stream ended or the client left: nothing more is written. */
  get closed(): boolean {
    return this.ended || this.res.writableEnded || this.res.destroyed;
  }

  /** Runs once when the stream ends or the client disconnects (unsubscribe listeners here). */
  onClose(cb: () => void): void {
    if (this.ended) cb();
    else this.closeCallbacks.push(cb);
  }

  /** An unnamed event: `data: <json>` (chat completion chunks). */
  data(obj: unknown): void {
    this.write(`data: ${JSON.stringify(obj)}\n\n`);
  }

  /** An unnamed event already serialised (one line of JSON). */
  dataJson(json: string): void {
    this.write(`data: ${json}\n\n`);
  }

  /** A named event, optionally with an id (EventSource's Last-Event-ID). */
  event(name: string, obj: unknown, id: string | null = null): void {
    this.write(`${id !== null ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`);
  }

  /** An id-only frame: moves the client's Last-Event-ID without delivering an event. */
  id(id: string): void {
    this.write(`id: ${id}\n\n`);
  }

  /** The reconnection delay EventSource uses after a drop. */
  retry(ms: number): void {
    this.write(`retry: ${Math.round(ms)}\n\n`);
  }

  /** A comment line, ignored by every SSE parser. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** `data: [DONE]` (the chat completions terminator), then the end. */
  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.ended) return;
    persistNow(); // the transcript first, as in every flush
    this.flush();
    if (!this.res.writableEnded) this.res.end();
    this.close();
  }

  private close(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    for (const cb of this.closeCallbacks.splice(0)) cb();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.pending === '') {
      this.lastWrite = Date.now();
      flushAfterIo('send', this.flush);
    }
    this.pending += chunk;
  }
}
