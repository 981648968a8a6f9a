import type { Response } from 'express';

/**
 * An SSE response as OpenAI clients parse it: `data: <one-line JSON>\n\n` per event, `: comment` keep-alives while
 * Claude is quiet (long tool runs), no compression, no Content-Length.
 */
export class SseWriter {
  private lastWrite = Date.now();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private corked = false;

  constructor(private readonly res: Response, keepAliveMs: number, headers: Record<string, string> = {}) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.flushHeaders();
    const tick = Math.max(25, Math.min(keepAliveMs / 2, 1000));
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite >= keepAliveMs) this.write(': keep-alive\n\n');
    }, tick);
    this.timer.unref();
  }

  data(obj: unknown): void {
    this.write(`data: ${JSON.stringify(obj)}\n\n`);
  }

  /** A named event (the Responses API sends `event: <type>` before each data line). */
  event(name: string, obj: unknown): void {
    this.write(`event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`);
  }

  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.res.end();
  }

  private write(chunk: string): void {
    if (this.closed || this.res.writableEnded || this.res.destroyed) return;
    this.lastWrite = Date.now();
    // Events produced in one tick leave in one socket write.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(chunk);
  }
}
