import { useEffect, useState, type ReactNode } from 'react';
import type { ApprovalDecision, PendingApproval } from '../../../main/contract/approvals.ts';
import { APPROVAL_ROUTES } from '../../../main/contract/approvals-routes.ts';
import { placeLabel } from '../lib/approvals.ts';
import { useControl } from '../lib/control-context.tsx';
import { href } from '../lib/router.ts';
import { ClippedPre } from './common.tsx';

function inputText(a: PendingApproval): string {
  const i = a.input;
  if (a.tool === 'Bash' && i && typeof i === 'object' && typeof (i as { command?: unknown }).command === 'string') return (i as { command: string }).command;
  return JSON.stringify(i, null, 2);
}

function useSecondsLeft(expiresAt: string): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}

/**
 * One tool call waiting for the user: what, where, for whom; Allow once / for this conversation / always in this
 * project, or Deny with an optional message Claude receives as the tool's result.
 */
export function ApprovalCard({ approval: a, focused = false }: { approval: PendingApproval; focused?: boolean }): ReactNode {
  const { client } = useControl();
  const [denying, setDenying] = useState(false);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const left = useSecondsLeft(a.expiresAt);
  const decide = async (decision: ApprovalDecision): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await client.call(APPROVAL_ROUTES.decide, { params: { id: a.id }, body: decision === 'deny' && message.trim() ? { decision, message: message.trim() } : { decision } });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`card approval-card${focused ? ' focused' : ''}`} data-testid="approval-card" data-approval-id={a.id} id={`approval-${a.id}`} aria-label={`Approval: ${a.summary}`}>
      <header>
        <strong>
          {a.client} wants to run <code>{a.tool}</code> in {placeLabel(a.project)}
        </strong>
        <span className="muted small" data-testid="approval-countdown">
          denied in {left} s
        </span>
      </header>
      <ClippedPre text={inputText(a)} lines={8} />
      <div className="muted small approval-meta">
        {a.conversation ? <>conversation <span className="mono">{a.conversation}</span> · </> : null}
        <a href={href({ page: 'transcript', id: a.requestId })}>transcript</a>
      </div>
      {denying ? (
        <input
          type="text"
          className="approval-message"
          placeholder="Optional message Claude receives (why, or what to do instead)"
          aria-label="Message for Claude"
          value={message}
          maxLength={2000}
          onChange={(e) => setMessage(e.target.value)}
        />
      ) : null}
      <div className="approval-actions">
        <button type="button" className="btn primary" disabled={busy} onClick={() => void decide('allow_once')}>
          Allow once
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => void decide('allow_conversation')}>
          Allow for this conversation
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => void decide('allow_project')}>
          Always allow in {a.project ? 'this project' : 'chat workspaces'}
        </button>
        {denying ? (
          <button type="button" className="btn danger" disabled={busy} onClick={() => void decide('deny')}>
            Deny{message.trim() ? ' with message' : ''}
          </button>
        ) : (
          <button type="button" className="btn danger" disabled={busy} onClick={() => setDenying(true)}>
            Deny…
          </button>
        )}
      </div>
      {error ? (
        <div className="error small" role="alert">
          {error}
        </div>
      ) : null}
    </section>
  );
}

/** Every pending approval, on top of whatever page is open (hidden on the approvals page, which lists them itself). */
export function ApprovalDock({ pending }: { pending: PendingApproval[] }): ReactNode {
  if (!pending.length) return null;
  return (
    <div className="approval-dock" data-testid="approval-dock" role="region" aria-label="Pending approvals">
      {pending.map((a) => (
        <ApprovalCard key={a.id} approval={a} />
      ))}
    </div>
  );
}

export function ApprovalsPage({ pending, focus }: { pending: PendingApproval[]; focus: string | null }): ReactNode {
  useEffect(() => {
    if (focus) document.getElementById(`approval-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [focus, pending.length]);
  const gone = focus !== null && !pending.some((a) => a.id === focus);
  return (
    <div className="page" data-testid="approvals-page">
      <h1>Approvals</h1>
      <p className="muted">Tool calls outside the allow-list wait here for your decision.</p>
      {gone ? <div className="banner warn">That approval was already decided, timed out or withdrawn — its transcript has the outcome.</div> : null}
      {pending.length === 0 ? <p className="muted">Nothing is waiting.</p> : null}
      <div className="approval-list">
        {pending.map((a) => (
          <ApprovalCard key={a.id} approval={a} focused={a.id === focus} />
        ))}
      </div>
    </div>
  );
}
