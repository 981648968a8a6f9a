import { useState, type ReactNode } from 'react';

export type BadgeStatus = 'running' | 'done' | 'error' | 'cancelled' | 'interrupted' | 'ok' | 'starting' | 'stopped';

const LABEL: Record<BadgeStatus, string> = {
  running: 'running',
  done: 'done',
  error: 'error',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  ok: 'ok',
  starting: 'starting',
  stopped: 'stopped',
};

export function StatusBadge({ status }: { status: BadgeStatus }): ReactNode {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status === 'running' || status === 'starting' ? <span className="pulse" aria-hidden /> : null}
      {LABEL[status]}
    </span>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return (
    <div className="empty" role="status">
      <div className="empty-title">{title}</div>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

export function ErrorBox({ title, message, children }: { title: string; message: string; children?: ReactNode }): ReactNode {
  return (
    <div className="error-box" role="alert">
      <strong>{title}</strong>
      <div className="mono">{message}</div>
      {children}
    </div>
  );
}

/** Copies to the clipboard; falls back to a selected hidden textarea where the async API is unavailable. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

export function CopyField({ label, value, secret = false, testId }: { label: string; value: string; secret?: boolean; testId?: string }): ReactNode {
  const [copied, setCopied] = useState<'idle' | 'ok' | 'fail'>('idle');
  const [shown, setShown] = useState(!secret);
  return (
    <label className="copy-field" data-testid={testId}>
      <span className="copy-label">{label}</span>
      <span className="copy-row">
        <input readOnly className="mono" value={shown ? value : '•'.repeat(Math.min(24, value.length))} onFocus={(e) => shown && e.currentTarget.select()} aria-label={label} />
        {secret ? (
          <button type="button" className="btn ghost" onClick={() => setShown((s) => !s)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        ) : null}
        <button
          type="button"
          className="btn"
          onClick={() => {
            void copyText(value).then((ok) => {
              setCopied(ok ? 'ok' : 'fail');
              setTimeout(() => setCopied('idle'), 1500);
            });
          }}
        >
          {copied === 'ok' ? 'Copied' : copied === 'fail' ? 'Copy failed' : 'Copy'}
        </button>
      </span>
    </label>
  );
}

/** Preformatted text clipped to `lines` until expanded. */
export function ClippedPre({ text, lines = 12, className = '' }: { text: string; lines?: number; className?: string }): ReactNode {
  const [open, setOpen] = useState(false);
  const all = text.split('\n');
  const clipped = !open && all.length > lines;
  return (
    <div className={`clipped ${className}`}>
      <pre className="mono">{clipped ? all.slice(0, lines).join('\n') : text}</pre>
      {all.length > lines ? (
        <button type="button" className="link-btn" onClick={() => setOpen((o) => !o)}>
          {open ? 'Show less' : `Show all ${all.length} lines`}
        </button>
      ) : null}
    </div>
  );
}
