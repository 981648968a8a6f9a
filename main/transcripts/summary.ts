import type { TranscriptEvent, TranscriptSummary } from '../contract/events.ts';

/** Folds one event into a request's summary; the list view and the store index share this. */
export function applyToSummary(summary: TranscriptSummary | null, ev: TranscriptEvent): TranscriptSummary | null {
  if (ev.type === 'request') {
    return {
      requestId: ev.requestId,
      endpoint: ev.endpoint,
      model: ev.model,
      client: ev.client,
      stream: ev.stream,
      status: 'running',
      startedAt: ev.ts,
      endedAt: null,
      durationMs: null,
      turns: 0,
      toolCalls: 0,
      usage: null,
      costUsd: null,
      sessionId: null,
      error: null,
      preview: lastLine(ev.prompt).slice(0, 200),
      eventCount: 1,
      ...(ev.folder !== undefined ? { project: ev.project ?? null, folder: ev.folder } : {}),
    };
  }
  if (!summary) return null;
  const s: TranscriptSummary = { ...summary, eventCount: summary.eventCount + 1 };
  switch (ev.type) {
    case 'init':
      s.sessionId = ev.sessionId;
      break;
    case 'tool_use':
      s.toolCalls += 1;
      break;
    case 'result':
      s.usage = ev.usage;
      s.costUsd = ev.costUsd;
      s.turns = ev.numTurns;
      s.sessionId = ev.sessionId;
      break;
    case 'error':
      s.error = ev.message;
      break;
    case 'end':
      s.status = ev.status;
      s.endedAt = ev.ts;
      s.durationMs = ev.durationMs;
      if (ev.turns !== undefined) s.turns = ev.turns;
      if (ev.toolCalls !== undefined) s.toolCalls = ev.toolCalls;
      if (ev.reason && !s.error && ev.status !== 'done') s.error = ev.reason;
      break;
    default:
      break;
  }
  return s;
}

function lastLine(prompt: string): string {
  const trimmed = prompt.trim();
  const idx = trimmed.lastIndexOf('\n\n');
  return (idx >= 0 ? trimmed.slice(idx + 2) : trimmed).replace(/\s+/g, ' ');
}
