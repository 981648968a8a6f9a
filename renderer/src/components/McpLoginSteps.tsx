import type { ReactNode } from 'react';
import { LOGIN_STEPS, type LoginEvent, type LoginSnapshot, type LoginStepName } from '../../../main/contract/mcp-api.ts';
import { desktopBridge } from '../lib/control.ts';

const STEP_TITLE: Record<LoginStepName, string> = {
  started: 'Started',
  waiting_for_browser: 'Waiting for the browser',
  code_received: 'Authorization code received',
  tokens_stored: 'Tokens stored',
  connected: 'Connected',
  failed: 'Failed',
};

function stepDetail(step: LoginStepName, ev: LoginEvent | undefined, snap: LoginSnapshot): ReactNode {
  if (!ev) return null;
  switch (ev.step) {
    case 'started':
      return <>Claude Code started the OAuth flow for <code>{snap.serverName}</code> (metadata discovery, client registration).</>;
    case 'waiting_for_browser':
      return (
        <>
          Approve access in the browser.{' '}
          {ev.redirectUri ? (
            <>
              Redirect URI: <code>{ev.redirectUri}</code>
            </>
          ) : null}{' '}
          <span className="muted">({ev.via === 'gateway-listener' ? "the gateway's callback listener receives it" : "Claude Code's own listener receives it"})</span>
        </>
      );
    case 'code_received':
      return <>The provider redirected back; the code was handed to Claude Code for the token exchange.</>;
    case 'tokens_stored':
      return <>Claude Code exchanged the code and stored the tokens.</>;
    case 'connected':
      return ev.tools.length ? <>Tools: {ev.tools.map((t) => <code key={t}>{t}</code>).reduce<ReactNode[]>((a, c, i) => (i ? [...a, ' ', c] : [c]), [])}</> : <>The server is connected.</>;
    case 'failed':
      return <span className="err-text">{ev.reason}</span>;
  }
  return step;
}

function AuthLink({ url }: { url: string }): ReactNode {
  const bridge = desktopBridge();
  if (bridge) {
    // The app already opened it in the system browser (the login driver's openUrl); offer to do it again.
    return (
      <button type="button" className="btn" data-testid="open-auth" onClick={() => void bridge.openExternal(url)}>
        Open the authorization page again
      </button>
    );
  }
  return (
    <a className="btn primary" data-testid="auth-link" href={url} target="_blank" rel="noopener noreferrer">
      Open the authorization page
    </a>
  );
}

/** The MCP-Inspector-style step view of one login. */
export function LoginSteps({ snap, onCancel }: { snap: LoginSnapshot; onCancel?(): void }): ReactNode {
  const byStep = new Map<LoginStepName, LoginEvent>();
  for (const e of snap.events) byStep.set(e.step, e);
  const failed = byStep.get('failed');
  const reached = new Set(snap.events.map((e) => e.step));
  const steps: LoginStepName[] = [...LOGIN_STEPS];
  // A failure replaces the steps it never reached.
  const shown = failed ? [...steps.filter((s) => reached.has(s)), 'failed' as const] : steps;
  const t0 = snap.startedAt;
  return (
    <div className="card login-steps" data-testid={`login-${snap.serverName}`} data-step={snap.step}>
      <header>
        <h3>
          Sign-in to <code>{snap.serverName}</code>
        </h3>
        <span className="muted small">started {new Date(snap.startedAt).toLocaleTimeString()}</span>
        {!snap.done && onCancel ? (
          <button type="button" className="btn ghost" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </header>
      <ol className="steps">
        {shown.map((s) => {
          const ev = byStep.get(s);
          const state = s === 'failed' ? 'failed' : ev ? (s === snap.step && !snap.done ? 'active' : 'done') : !snap.done && isNext(s, snap.step) ? 'active' : 'todo';
          return (
            <li key={s} className={`step step-${state}`} data-step={s} data-state={state}>
              <span className="step-dot" aria-hidden>
                {state === 'done' ? '✓' : state === 'failed' ? '✕' : state === 'active' ? '…' : ''}
              </span>
              <div>
                <div className="step-title">
                  {STEP_TITLE[s]}
                  {ev ? <span className="muted small"> +{((ev.at - t0) / 1000).toFixed(1)} s</span> : null}
                </div>
                <div className="step-detail small">{stepDetail(s, ev, snap)}</div>
                {s === 'waiting_for_browser' && snap.authUrl && !snap.done ? (
                  <div className="step-action">
                    <AuthLink url={snap.authUrl} />
                    <div className="mono small auth-url" data-testid="auth-url">
                      {snap.authUrl}
                    </div>
                  </div>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function isNext(s: LoginStepName, current: LoginStepName): boolean {
  const i = LOGIN_STEPS.indexOf(current);
  return i >= 0 && LOGIN_STEPS[i + 1] === s;
}
