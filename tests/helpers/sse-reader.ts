import type { StreamMessage } from '../../main/contract/control-api.ts';

/**
 * The tests' one SSE reader, independent of the dashboard's own client: a frame parser and `SseReader`, a live
 * reader over fetch that collects frames, tracks the last id like EventSource does (an id-only frame moves it too),
 * can be cut mid-stream, and wakes its waiters on each frame instead of polling.
 */

export interface SseFrame {
  id: string | null;
  event: string | null;
  data: string | null;
}

/** Splits SSE text into frames as they complete; comment-only blocks (`: keep-alive`) are no frames. */
export class SseFrameParser {
  private buf = '';

  push(text: string): SseFrame[] {
    this.buf += text;
    const out: SseFrame[] = [];
    let idx: number;
    while ((idx = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, idx);
      this.buf = this.buf.slice(idx + 2);
      const frame: SseFrame = { id: null, event: null, data: null };
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (field === 'id') { frame.id = value; any = true; }
        else if (field === 'event') { frame.event = value; any = true; }
        else if (field === 'data') { frame.data = frame.data === null ? value : `${frame.data}\n${value}`; any = true; }
      }
      if (any) out.push(frame);
    }
    return out;
  }
}

export class SseReader {
  readonly frames: SseFrame[] = [];
  lastEventId: string | null = null;
  private readonly ac = new AbortController();
  private waiters: Array<() => void> = [];
  private done = false;
  status = 0;

  static async open(url: string, headers: Record<string, string>, init: { method?: string; body?: string } = {}): Promise<SseReader> {
    const r = new SseReader();
    const res = await fetch(url, { ...init, headers, signal: r.ac.signal });
    r.status = res.status;
    if (!res.ok || !res.body) {
      r.done = true;
      return r;
    }
    void r.pump(res.body);
    return r;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const parser = new SseFrameParser();
    try {
      for await (const chunk of body) {
        for (const frame of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (frame.id !== null) this.lastEventId = frame.id;
          this.frames.push(frame);
        }
        for (const w of this.waiters.splice(0)) w();
      }
    } catch {
      // aborted
    } finally {
      this.done = true;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Whether the server ended the stream (or it was cut). */
  get ended(): boolean {
    return this.done;
  }

  /** The data of every frame named `event`, parsed as JSON. */
  ofEvent<T>(event: string): T[] {
    return this.frames.filter((f) => f.event === event).map((f) => JSON.parse(f.data ?? 'null') as T);
  }

  /** The control API's stream messages (/api/stream: unnamed JSON frames). */
  messages(): StreamMessage[] {
    return this.frames.filter((f) => f.data !== null).map((f) => JSON.parse(f.data as string) as StreamMessage);
  }

  /** Resolves with what `probe` gives once it gives something (not null, undefined or false), woken by each frame. */
  async when<T>(probe: () => T | null | undefined | false, timeoutMs = 30_000, what = 'the stream'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== null && v !== undefined && v !== false) return v;
      const summary = `${this.frames.length} frames: ${this.frames.slice(-8).map((f) => f.event ?? f.data?.slice(0, 40)).join(',')}`;
      if (this.done) throw new Error(`stream ended before ${what} (${summary})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${summary})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Resolves with the messages once `pred` holds over them. */
  until(pred: (msgs: StreamMessage[]) => boolean, timeoutMs = 30_000): Promise<StreamMessage[]> {
    return this.when(() => {
      const msgs = this.messages();
      return pred(msgs) && msgs;
    }, timeoutMs, 'the condition on the messages');
  }

  close(): void {
    this.ac.abort();
  }
}
