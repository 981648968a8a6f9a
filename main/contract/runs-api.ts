/**
 * Control API for runs that wait on the caller (client tools): the dashboard ends one it no longer wants kept.
 * Types only (compiled by the renderer too).
 */
import type { RunStatus } from './events.ts';

/**
 * 200 answer of `POST /api/transcripts/:id/end`, sent once the run's end is recorded (status `interrupted`).
 * Errors: 404 `not_found` (no such transcript), 409 `not_waiting` (it runs, driven by a request, or it ended).
 */
export interface EndWaitingRunResponse {
  requestId: string;
  status: RunStatus;
}
