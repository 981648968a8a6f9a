import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { CLAUDE_LOGIN_STEPS, type ClaudeLoginEvent, type ClaudeLoginMethod, type ClaudeLoginSnapshot, type ClaudeLoginStepName } from '../../../main/contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS } from '../../../main/contract/claude-auth-routes.ts';
import { ExternalLink } from '../components/ExternalLink.tsx';
import { useControl } from '../lib/control-context.tsx';
import { ApiError } from '../lib/api.ts';
import { openStream } from '../lib/stream.ts';
import './feature-pages.css';

const STEP_TITLE: Record<ClaudeLoginStepName, string> = {
  started: 'Started',
  waiting_for_browser: 'Waiting for the browser',
  code_received: 'Code received',
  signed_in: 'Signed in',
  failed: 'Failed',
};

function stepDetail(ev: ClaudeLoginEvent | undefined, snap: ClaudeLoginSnapshot): ReactNode {
  if (!ev) return null;
  switch (ev.step) {
    case 'started':
      return (
        <>
          <code>claude auth login{snap.method === 'console' ? ' --console' : ''}</code> runs {snap.runtime === 'docker' ? 'in the Docker container' : 'on this machine'}.
        </>
      );
    case 'waiting_for_browser':
      return snap.returnsByItself ? (
        <>Approve in the browser: the page then returns to Claude Code by itself. If it shows a code instead, paste it below.</>
      ) : (
        <>Approve in the browser: the page then shows a code. Copy it and paste it below.</>
      );
    case 'code_received':
      return ev.via === 'pasted' ? <>The code went to Claude Code, which exchanges it for its login.</> : <>The browser came back to Claude Code.</>;
    case 'signed_in':
      return <>{ev.summary}</>;
    case 'failed':
      return <span className="err-text">{ev.reason}</span>;
  }
}

/**
 * "Sign in with your Claude subscription": drives `claude auth login` where Claude runs, shows its steps live
 * (started → waiting for the browser → code received → signed in | failed), the sign-in link, a field for the code
 * the page shows, and Cancel. `onFinished` re-reads the account once a login ends.
 */
export function SubscriptionSignIn({ runtime, onFinished }: { runtime: 'local' | 'docker'; onFinished(): void }): ReactNode {
  const { client } = useControl();
  const [snap, setSnap] = useState<ClaudeLoginSnapshot | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<null | 'start' | 'code' | 'cancel'>(null);
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const finishedId = useRef<string | null>(null);
  const shownRef = useRef<ClaudeLoginSnapshot | null>(null);
  const onFinishedRef = useRef(onFinished);
  onFinishedRef.current = onFinished;

  /** A snapshot from an answer or the stream; `fresh`: only a running login replaces an empty panel. */
  const show = useCallback((s: ClaudeLoginSnapshot | null, fresh = false) => {
    if (!s) return;
    const cur = shownRef.current;
    if (!cur && fresh && s.done) return;
    // Answers and stream frames can cross: never go back to an older state of the same login.
    if (cur && cur.loginId === s.loginId && cur.events.length > s.events.length) return;
    shownRef.current = s;
    setSnap(s);
    if (s.done && finishedId.current !== s.loginId) {
      finishedId.current = s.loginId;
      onFinishedRef.current();
    }
  }, []);

  useEffect(() => {
    // A login started elsewhere (another tab, the tray) still running is picked up; an old finished one is not shown.
    void client.call(CLAUDE_AUTH_ROUTES.login).then(
      (body) => show(body.login, true),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) setUnavailable(true);
      },
    );
    // The stream opens with the last login: only a running one is news then.
    return openStream(client, CLAUDE_AUTH_STREAMS.loginEvents, { onEvent: (e) => show(e.data, true) });
  }, [client, show]);

  const start = async (method: ClaudeLoginMethod): Promise<void> => {
    setBusy('start');
    setError(null);
    setCode('');
    try {
      show((await client.call(CLAUDE_AUTH_ROUTES.startLogin, { body: { method } })).login);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy('code');
    setError(null);
    try {
      const answer = await client.call(CLAUDE_AUTH_ROUTES.loginCode, { body: { code } });
      setCode(''); // the code leaves the page as soon as Claude Code has it
      show(answer.login);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  const cancel = async (): Promise<void> => {
    setBusy('cancel');
    try {
      show((await client.call(CLAUDE_AUTH_ROUTES.loginCancel)).login);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  if (unavailable) return null;
  const running = snap !== null && !snap.done;
  const where = runtime === 'docker' ? 'Claude Code in the Docker container' : 'Claude Code on this machine';
  return (
    <section className="card wide-card subscription-sign-in" data-testid="subscription-sign-in" data-step={snap?.step ?? 'idle'}>
      <header>
        <h3>Sign in with your Claude subscription</h3>
        {running ? (
          <button type="button" className="btn ghost" disabled={busy !== null} onClick={() => void cancel()}>
            {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </header>
      {!running ? (
        <>
          <p className="muted">
            Signs {where} in with your Claude Pro, Max, Team or Enterprise plan (<code>claude auth login</code>, no terminal needed). Your browser opens the sign-in
            page; {runtime === 'docker' ? 'when it shows a code, you paste it here.' : 'it comes back to Claude Code by itself, or shows a code you paste here.'}
          </p>
          <div className="form-actions">
            <button type="button" className="btn primary" disabled={busy !== null} onClick={() => void start('claudeai')}>
              {busy === 'start' ? 'Starting…' : snap?.step === 'failed' ? 'Try again' : 'Sign in with your Claude subscription'}
            </button>
            <button type="button" className="btn ghost" disabled={busy !== null} onClick={() => void start('console')}>
              Anthropic Console account instead
            </button>
          </div>
        </>
      ) : null}
      {snap ? <LoginSteps snap={snap} /> : null}
      {running && snap.url ? (
        <div className="sign-in-link step-action">
          <ExternalLink url={snap.url} primary testId="sign-in-link">
            Open the sign-in page
          </ExternalLink>
          <div className="mono small auth-url" data-testid="sign-in-url">
            {snap.url}
          </div>
          {snap.codeUrl ? (
            <div className="small muted">
              The page cannot come back to Claude Code? Use{' '}
              <a href={snap.codeUrl} target="_blank" rel="noopener noreferrer" data-testid="code-link">
                this link
              </a>{' '}
              instead: it ends by showing a code to paste here.
            </div>
          ) : null}
        </div>
      ) : null}
      {running && snap.notice ? (
        <div className="banner warn" role="status" data-testid="sign-in-notice">
          Claude Code: {snap.notice}
        </div>
      ) : null}
      {running ? (
        <form className="code-form" onSubmit={(e) => void submit(e)} autoComplete="off">
          <label className="field">
            <span>Code from the sign-in page</span>
            <input
              type="text"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              placeholder="Paste the code the page shows"
              spellCheck={false}
              data-testid="sign-in-code"
              disabled={snap.step !== 'waiting_for_browser'}
            />
          </label>
          <button type="submit" className="btn" disabled={busy !== null || code.trim() === '' || snap.step !== 'waiting_for_browser'}>
            {busy === 'code' ? 'Sending…' : 'Submit code'}
          </button>
        </form>
      ) : null}
      {error ? (
        <div className="err-text small" role="alert" data-testid="sign-in-error">
          {error}
        </div>
      ) : null}
    </section>
  );
}

function LoginSteps({ snap }: { snap: ClaudeLoginSnapshot }): ReactNode {
  const byStep = new Map<ClaudeLoginStepName, ClaudeLoginEvent>();
  for (const e of snap.events) byStep.set(e.step, e);
  const failed = byStep.get('failed');
  const reached = new Set(snap.events.map((e) => e.step));
  // A failure replaces the steps it never reached.
  const shown: ClaudeLoginStepName[] = failed ? [...CLAUDE_LOGIN_STEPS.filter((s) => reached.has(s)), 'failed'] : [...CLAUDE_LOGIN_STEPS];
  const current = CLAUDE_LOGIN_STEPS.findIndex((s) => s === snap.step);
  return (
    <ol className="steps" data-testid="sign-in-steps">
      {shown.map((s, i) => {
        const ev = byStep.get(s);
        // Steps after the current one are to come, even when reached before (a refused code goes back to waiting).
        const state = s === 'failed' ? 'failed' : failed ? 'done' : i < current ? 'done' : i === current ? (snap.done ? 'done' : 'active') : 'todo';
        return (
          <li key={s} className={`step step-${state}`} data-step={s} data-state={state}>
            <span className="step-dot" aria-hidden>
              {state === 'done' ? '✓' : state === 'failed' ? '✕' : state === 'active' ? '…' : ''}
            </span>
            <div>
              <div className="step-title">
                {STEP_TITLE[s]}
                {ev && state !== 'todo' ? <span className="muted small"> +{((ev.at - snap.startedAt) / 1000).toFixed(1)} s</span> : null}
              </div>
              <div className="step-detail small">{state === 'todo' ? null : stepDetail(ev, snap)}</div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
