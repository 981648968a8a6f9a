import type { Request, Response } from 'express';
import type { StreamMessage } from '../contract/control-api.ts';
import type { TranscriptEvent, TranscriptEventType } from '../contract/events.ts';
import type { BusEvent, TranscriptBus } from '../transcripts/bus.ts';
import { isValidTranscriptId, type TranscriptStore } from '../transcripts/store.ts';
import { SseWriter } from '../gateway/sse.ts';
import { sendControlError } from './guard.ts';

/** Event types that change a list row (text/thinking deltas only grow the event count). */
const SUMMARY_TYPES: ReadonlySet<TranscriptEventType> = new Set(['request', 'init', 'tool_use', 'tool_result', 'result', 'error', 'end']);

/** A stored transcript is sent in parts so a 10,000-event run paints its first rows before the rest is parsed. */
const SNAPSHOT_FIRST = 200;
const WRITE_BATCH = 256;

export interface StreamDeps {
  bus: TranscriptBus;
  store: TranscriptStore;
  bootId: string;
  keepAliveMs: number;
}

/** SSE ids are `<bootId>.<busId>`: a Last-Event-ID from an earlier process is recognised as such, never misread. */
export function formatCursor(bootId: string, busId: number): string {
  return `${bootId}.${busId}`;
}

export function parseCursor(value: string | undefined, bootId: string): { ok: true; id: number } | { ok: false; reason: string } | null {
  if (!value) return null;
  const dot = value.lastIndexOf('.');
  const boot = value.slice(0, dot);
  const id = Number(value.slice(dot + 1));
  if (dot < 0 || !Number.isSafeInteger(id) || id < 0) return { ok: false, reason: 'unreadable Last-Event-ID' };
  if (boot !== bootId) return { ok: false, reason: 'the gateway restarted since the last event' };
  return { ok: true, id };
}

/**
 * GET /api/stream — live transcript events or list rows as Server-Sent Events, resumable with Last-Event-ID.
 * Subscribes to the bus before anything is replayed, buffers what arrives meanwhile, and then dedupes by bus id and
 * (requestId, seq): replay from the bus ring, or on a gap the store, joins the live stream with no gap and no repeat.
 */
export function streamHandler(deps: StreamDeps) {
  return (req: Request, res: Response): void => {
    const view = req.query.view === 'summaries' ? 'summaries' : 'events';
    const requestId = typeof req.query.requestId === 'string' && req.query.requestId ? req.query.requestId : null;
    if (requestId !== null && (!isValidTranscriptId(requestId) || (view === 'events' && !deps.store.summary(requestId)))) {
      return sendControlError(res, 404, 'not_found', `No transcript ${requestId}.`);
    }
    const lastEventId = req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
    const resume = parseCursor(lastEventId, deps.bootId);

    const sse = new SseWriter(res, { keepAliveMs: deps.keepAliveMs });
    sse.retry(2000);

    let live = false;
    const buffered: BusEvent[] = [];
    let lastSentBusId = 0;
    const maxSeq = new Map<string, number>();

    const write = (msg: StreamMessage, id: number | null): void => sse.event(msg.type, msg, id !== null ? formatCursor(deps.bootId, id) : null);
    const matches = (ev: TranscriptEvent): boolean => requestId === null || ev.requestId === requestId;
    const deliver = (items: readonly BusEvent[]): void => {
      if (view === 'summaries') {
        // Rows are current state, not history: one row per request, in order of its last change.
        const latest = new Map<string, BusEvent>();
        for (const b of items) {
          if (b.id <= lastSentBusId || !matches(b.event) || !SUMMARY_TYPES.has(b.event.type)) continue;
          latest.delete(b.event.requestId);
          latest.set(b.event.requestId, b);
        }
        for (const b of latest.values()) {
          const summary = deps.store.summary(b.event.requestId);
          if (summary) write({ type: 'summary', summary }, b.id);
          lastSentBusId = b.id;
        }
        return;
      }
      for (const b of items) {
        if (b.id <= lastSentBusId || !matches(b.event)) continue;
        lastSentBusId = b.id;
        if (b.event.seq <= (maxSeq.get(b.event.requestId) ?? 0)) {
          sse.id(formatCursor(deps.bootId, b.id)); // already covered by a snapshot: advance the id only
          continue;
        }
        maxSeq.set(b.event.requestId, b.event.seq);
        write({ type: 'event', event: b.event }, b.id);
      }
    };

    const unsubscribe = deps.bus.subscribe((b) => (live ? deliver([b]) : buffered.push(b)));
    const subscribedAt = deps.bus.lastId;
    sse.onClose(unsubscribe);

    write({ type: 'hello', bootId: deps.bootId, resumed: resume?.ok === true }, null);
    /** Sends the stored transcript; returns its remaining parts, written after the first one has left. */
    const snapshot = (reason: string): TranscriptEvent[] => {
      // A one-request stream can be rebuilt from the store; other views must refetch what they show.
      const one = requestId !== null && view === 'events';
      const events = one ? (deps.store.events(requestId) ?? []) : [];
      for (const ev of events) maxSeq.set(ev.requestId, Math.max(maxSeq.get(ev.requestId) ?? 0, ev.seq));
      lastSentBusId = subscribedAt;
      const rest = events.slice(SNAPSHOT_FIRST);
      // The resume id goes on the snapshot's last message: a client cut off mid-snapshot gets it again, whole.
      write({ type: 'reset', reason, events: one ? events.slice(0, SNAPSHOT_FIRST) : null, summary: one ? (deps.store.summary(requestId) ?? null) : null }, rest.length ? null : subscribedAt);
      return rest;
    };
    let rest: TranscriptEvent[] = [];
    if (resume?.ok) {
      const since = deps.bus.since(resume.id);
      if (since.complete) {
        lastSentBusId = resume.id;
        deliver(since.events.filter((b) => b.id <= subscribedAt));
      } else {
        rest = snapshot('events since the last event id are no longer held in memory');
      }
    } else if (resume && !resume.ok) {
      rest = snapshot(resume.reason);
    } else if (requestId !== null && view === 'events') {
      rest = snapshot('initial');
    } else {
      lastSentBusId = subscribedAt;
    }

    const goLive = (): void => {
      deliver(buffered);
      buffered.length = 0;
      live = true;
    };
    if (rest.length === 0) return goLive();
    // The rest of a long transcript goes out in batches, yielding in between so the first part reaches the client
    // (and paints) at once; live events wait in the buffer until it is all out.
    let i = 0;
    const pump = (): void => {
      if (sse.closed) return;
      const part = rest.slice(i, i + WRITE_BATCH);
      // one tick, so one socket write (the writer corks per tick)
      part.forEach((event, k) => write({ type: 'event', event }, i + k === rest.length - 1 ? subscribedAt : null));
      i += WRITE_BATCH;
      if (i < rest.length) setImmediate(pump);
      else goLive();
    };
    setImmediate(pump);
  };
}
