import { EventEmitter } from 'node:events';
import type { TranscriptEvent } from '../contract/events.ts';

/** A live event with its position in this process's global stream (the SSE event id). */
export interface BusEvent {
  /** Monotonic across all requests since the process started. */
  id: number;
  event: TranscriptEvent;
}

/**
 * In-process bus that live subscribers (dashboard SSE, tray, tests) attach to. Keeps a bounded ring of recent
 * events so a reconnecting client can resume from its last event id without gaps.
 */
export class TranscriptBus {
  private readonly emitter = new EventEmitter();
  private readonly ring: BusEvent[] = [];
  private nextId = 1;

  constructor(private readonly ringSize = 20_000) {
    this.emitter.setMaxListeners(0);
  }

  publish(event: TranscriptEvent): BusEvent {
    const item: BusEvent = { id: this.nextId++, event };
    this.ring.push(item);
    // Trimmed in bulk once it holds half as much again: a splice per event of a full ring would move every element
    // each time (O(ring) per token delta once the gateway has seen ringSize events).
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.ringSize);
    this.emitter.emit('event', item);
    return item;
  }

  /** Events after `lastId` still held in the ring; `complete` is false when some were already dropped. */
  since(lastId: number): { events: BusEvent[]; complete: boolean } {
    const first = this.ring[0];
    const complete = !first || first.id <= lastId + 1;
    return { events: this.ring.filter((e) => e.id > lastId), complete };
  }

  /** Most events the ring holds before it drops the oldest down to ringSize. */
  get capacity(): number {
    return this.ringSize + (this.ringSize >> 1);
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  subscribe(listener: (e: BusEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
