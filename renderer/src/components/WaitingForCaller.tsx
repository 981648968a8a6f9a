import { useState, type ReactNode } from 'react';
import { CONTROL_ROUTES } from '../../../main/contract/control-routes.ts';
import { ApiError } from '../lib/api.ts';
import { useControl } from '../lib/control-context.tsx';
import { formatDuration } from '../lib/format.ts';

/**
 * A run suspended on the caller's own functions: what it waits for, for how long, and a way to end it (its Claude
 * process stays alive until the caller answers or CLIENT_TOOL_TIMEOUT_S passes). The end shows up through the
 * transcript's own stream, so this only reports a refusal.
 */
export function WaitingForCaller({ requestId, since, calls, now }: { requestId: string; since: string; calls: string[]; now: number }): ReactNode {
  const { client } = useControl();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const waited = Math.max(0, now - Date.parse(since));
  const end = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await client.call(CONTROL_ROUTES.endWaitingRun, { params: { id: requestId } });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="banner warn waiting-caller" data-testid="waiting-for-caller">
      <span>
        Waiting for the caller — {calls.length ? `result of ${calls.join(', ')}` : 'client tool results'} · for{' '}
        <span data-testid="waiting-for">{formatDuration(waited)}</span>
      </span>
      <button type="button" className="btn danger" onClick={() => void end()} disabled={busy} data-testid="end-waiting-run">
        {busy ? 'Ending…' : 'End run'}
      </button>
      {error ? <span className="waiting-error" role="alert">{error}</span> : null}
    </div>
  );
}
