import type { StreamMessage } from '../../main/contract/control-api.ts';

export interface SseFrame {
  id: string | null;
  event: string | null;
  data: string | null;
}

/**
 * A plain SSE reader over fetch for the control API tests, independent of the dashboard's own client: collects
 * frames, tracks the last id like EventSource does (an id-only frame moves it too), and can be cut mid-stream.
 */
export class SseReader {
  readonly frames: SseFrame[] = [];
  lastEventId: string | null = null;
  private readonly ac = new AbortController();
  private waiters: Array<() => void> = [];
  private done = false;
  status = 0;

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const r = new SseReader();
    const res = await fetch(url, { headers, signal: r.ac.signal });
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
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
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
          if (!any) continue;
          if (frame.id !== null) this.lastEventId = frame.id;
          this.frames.push(frame);
          for (const w of this.waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    } finally {
      this.done = true;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  messages(): StreamMessage[] {
    return this.frames.filter((f) => f.data !== null).map((f) => JSON.parse(f.data as string) as StreamMessage);
  }

  /** Resolves once `pred` holds over the messages so far. */
  async until(pred: (msgs: StreamMessage[]) => boolean, timeoutMs = 30_000): Promise<StreamMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = this.messages();
      if (pred(msgs)) return msgs;
      if (this.done) throw new Error(`stream ended before the condition held (${msgs.length} messages)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting on the stream (${msgs.length} messages: ${msgs.map((m) => m.type).join(',')})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): void {
    this.ac.abort();
  }
}
