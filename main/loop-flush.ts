/**
 * Writes deferred until the event loop has handled the I/O in hand (setImmediate: after the poll phase, so every
 * read of Claude's stdout ready now is processed first), in two ordered phases: everything to `persist`
 * (transcript lines) is written before anything is `send`-ed (SSE frames). The streaming path thereby makes one
 * file write and one socket write for all the token deltas that arrived together instead of one each, and keeps
 * the invariant the per-event writes had: no client ever receives an event its transcript does not already hold.
 */
type Phase = 'persist' | 'send';

const queues: Record<Phase, Array<() => void>> = { persist: [], send: [] };
let scheduled = false;
let exitHooked = false;

function run(): void {
  scheduled = false;
  // A flush may queue more (a frame written from a flush callback): it runs in a later pass, in the same order.
  const persist = queues.persist.splice(0);
  const send = queues.send.splice(0);
  for (const fn of persist) fn();
  for (const fn of send) fn();
}

export function flushAfterIo(phase: Phase, fn: () => void): void {
  queues[phase].push(fn);
  if (phase === 'persist' && !exitHooked) {
    // process.exit() and an uncaught exception skip the flush: what waits is written on the way out.
    exitHooked = true;
    process.once('exit', persistNow);
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(run);
  }
}

/** Writes what waits to be persisted now (before a stream ends out of turn, or the process exits). */
export function persistNow(): void {
  for (const fn of queues.persist.splice(0)) fn();
}
