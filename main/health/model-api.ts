import type { TranscriptEvent } from '../contract/events.ts';
import type { ComponentHealth } from './gateway-health.ts';

/**
 * Whether the model API answers, as Claude Code's runs see it: unreachable from its first retry notice (the API
 * failed and Claude Code waits to try again) until a run gets an answer from it again. Nothing is probed: the runs
 * are the evidence, so before the first run the API counts as reachable.
 */
export class ModelApiMonitor {
  private down: { since: string; status: number | null; error: string; attempt: number; maxRetries: number } | null = null;
  private since = new Date().toISOString();

  observe(ev: TranscriptEvent): void {
    // A refused credential (401/403) is an answer: the API is reachable, the credential is the problem (claude-auth).
    if (ev.type === 'api_retry' && (ev.status === 401 || ev.status === 403)) return;
    if (ev.type === 'api_retry') {
      this.down = { since: this.down?.since ?? ev.ts, status: ev.status, error: ev.error, attempt: ev.attempt, maxRetries: ev.maxRetries };
    } else if (this.down && (ev.type === 'text_delta' || ev.type === 'thinking_delta' || ev.type === 'tool_use' || (ev.type === 'result' && !ev.isError))) {
      this.down = null;
      this.since = ev.ts;
    }
  }

  /** A new credential: what the old one saw is no evidence any more (the next run tells). */
  reset(): void {
    if (!this.down) return;
    this.down = null;
    this.since = new Date().toISOString();
  }

  health(): ComponentHealth {
    const d = this.down;
    if (!d) return { name: 'model-api', status: 'ok', reason: null, since: this.since };
    const cause = d.status ? `HTTP ${d.status}${d.error && d.error !== 'unknown' ? ` ${d.error}` : ''}` : d.error && d.error !== 'unknown' ? d.error : 'no response';
    return {
      name: 'model-api',
      status: 'error',
      reason: `The model API is unreachable (${cause}); Claude Code is retrying (attempt ${d.attempt} of ${d.maxRetries}).`,
      since: d.since,
      details: { status: d.status, error: d.error, attempt: d.attempt, maxRetries: d.maxRetries },
    };
  }
}
