import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { ClaudeAuthStatus, ClaudeCredentialKind } from '../../../main/contract/claude-auth-api.ts';
import { CLAUDE_AUTH_ROUTES } from '../../../main/contract/claude-auth-routes.ts';
import { ErrorBox, StatusBadge, type BadgeStatus } from '../components/common.tsx';
import { ApiError } from '../lib/api.ts';
import { useControl } from '../lib/control-context.tsx';
import { SubscriptionSignIn } from './SubscriptionSignIn.tsx';

const STATE_BADGE: Record<ClaudeAuthStatus['state'], BadgeStatus> = { signed_in: 'ok', signed_out: 'error', unknown: 'stopped' };
const STATE_LABEL: Record<ClaudeAuthStatus['state'], string> = { signed_in: 'Signed in', signed_out: 'Not signed in', unknown: 'Unknown' };

function protectionWords(box: string): string {
  return box === 'file-permissions' ? 'not encrypted — protected by the file’s permissions only' : `encrypted (${box})`;
}

function when(iso: string | null): string | null {
  return iso ? new Date(iso).toLocaleString() : null;
}

/** What Claude Code says about its own sign-in, and where a user pastes an API key or a setup-token token. */
export function ClaudeAccountPage(): ReactNode {
  const { client } = useControl();
  const [status, setStatus] = useState<ClaudeAuthStatus | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [kind, setKind] = useState<ClaudeCredentialKind>('api_key');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState<null | 'save' | 'remove' | 'refresh' | 'logout'>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** One control-API call; the answer (a status) replaces the page's, an error answer is shown where it belongs. */
  const act = useCallback(
    async (what: NonNullable<typeof busy>, call: () => Promise<ClaudeAuthStatus>): Promise<boolean> => {
      setBusy(what);
      setFormError(null);
      setNotice(null);
      try {
        setStatus(await call());
        setLoadError(null);
        return true;
      } catch (err) {
        // The API said no (a refused key, a failed logout): shown by the form or as a notice, the page stays.
        if (err instanceof ApiError && err.status >= 400 && err.status !== 401) {
          if (what === 'save') setFormError(err.message);
          else setNotice(err.message);
        } else setLoadError(err instanceof Error ? err.message : String(err));
        return false;
      } finally {
        setBusy(null);
      }
    },
    [client],
  );

  useEffect(() => {
    void act('refresh', () => client.call(CLAUDE_AUTH_ROUTES.status));
  }, [act]);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await act('save', () => client.call(CLAUDE_AUTH_ROUTES.saveCredential, { body: { kind, value } }))) {
      setValue(''); // the secret leaves the page as soon as it is saved
      setNotice('Saved. Claude Code was asked again with it.');
    }
  };

  if (!status) {
    return <div className="page">{loadError ? <ErrorBox title="Could not load the Claude account" message={loadError} /> : <div className="muted pad">Asking Claude Code…</div>}</div>;
  }
  const stored = status.stored;
  const facts: Array<[string, string | null]> = [
    ['Runs', status.runtime === 'docker' ? 'in the Docker container' : 'on this machine'],
    ['Plan', status.subscription],
    ['Account', status.account ? [status.account.email, status.account.organization].filter(Boolean).join(' · ') || null : null],
    ['Expires', when(status.expiresAt)],
    ['Checked', when(status.checkedAt)],
  ];
  return (
    <div className="page claude-account">
      <div className="page-head">
        <h1>Claude account</h1>
        <span data-testid="claude-auth-state" data-state={status.state}>
          <StatusBadge status={STATE_BADGE[status.state]} />
        </span>
      </div>
      {loadError ? <div className="banner warn">Refresh failed: {loadError}</div> : null}
      <section className="card wide-card" data-testid="claude-auth-status">
        <header>
          <h3>{STATE_LABEL[status.state]}</h3>
          <button type="button" className="btn ghost" disabled={busy !== null} onClick={() => void act('refresh', () => client.call(CLAUDE_AUTH_ROUTES.refresh))}>
            {busy === 'refresh' ? 'Checking…' : 'Check again'}
          </button>
        </header>
        {status.state === 'signed_out' ? null : <p data-testid="claude-auth-summary">{status.summary}</p>}
        {status.rejected ? (
          <ErrorBox title="The model API refused this credential" message={status.rejected.message} />
        ) : null}
        {status.fix ? (
          // The API's fix names this page; here the same advice points below.
          <p data-testid="claude-auth-fix">
            Claude Code cannot answer requests until it has a credential: sign in with your Claude subscription, or paste an API key or an OAuth token below — or set
            ANTHROPIC_API_KEY in the app’s environment.
          </p>
        ) : null}
        <dl className="kv narrow">
          {facts.filter((f): f is [string, string] => f[1] !== null).map(([label, v]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        {status.method === 'claude.ai' ? (
          <div className="form-actions">
            <button type="button" className="btn danger" disabled={busy !== null} onClick={() => void act('logout', () => client.call(CLAUDE_AUTH_ROUTES.logout))}>
              {busy === 'logout' ? 'Signing out…' : 'Sign out of the Claude subscription'}
            </button>
          </div>
        ) : null}
      </section>

      <SubscriptionSignIn runtime={status.runtime} onFinished={() => void act('refresh', () => client.call(CLAUDE_AUTH_ROUTES.status))} />

      <section className="card wide-card" data-testid="claude-credential">
        <header>
          <h3>Key or token saved in the app</h3>
        </header>
        {stored ? (
          <div className="saved-credential" data-testid="saved-credential">
            <span className="mono">{stored.hint}</span>
            <span>{stored.kind === 'api_key' ? 'API key' : 'OAuth token'}</span>
            <span className="muted">saved {new Date(stored.savedAt).toLocaleString()}, {protectionWords(stored.protection)}</span>
            {stored.readable ? null : <span className="err-text">This start of the app cannot read it: save it again.</span>}
            <button type="button" className="btn danger" disabled={busy !== null} onClick={() => void act('remove', () => client.call(CLAUDE_AUTH_ROUTES.clearCredential))}>
              {busy === 'remove' ? 'Removing…' : 'Remove'}
            </button>
          </div>
        ) : (
          <p className="muted">None: Claude Code uses what its environment or its own login gives it.</p>
        )}
        <form className="credential-form" onSubmit={(e) => void save(e)} autoComplete="off">
          <div className="kind-choice" role="radiogroup" aria-label="Kind of credential">
            <label>
              <input type="radio" name="kind" checked={kind === 'api_key'} onChange={() => setKind('api_key')} /> API key <span className="muted small">(sk-ant-api03-…, from console.anthropic.com)</span>
            </label>
            <label>
              <input type="radio" name="kind" checked={kind === 'oauth_token'} onChange={() => setKind('oauth_token')} /> OAuth token{' '}
              <span className="muted small">(sk-ant-oat01-…, from <code>claude setup-token</code>: uses your Claude subscription)</span>
            </label>
          </div>
          <div className={`field${formError ? ' has-error' : ''}`}>
            <input
              type="password"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              placeholder={kind === 'api_key' ? 'Paste the API key' : 'Paste the OAuth token'}
              aria-label={kind === 'api_key' ? 'API key' : 'OAuth token'}
              spellCheck={false}
              data-testid="credential-input"
            />
            {formError ? <span className="err-text small" role="alert" data-testid="credential-error">{formError}</span> : null}
          </div>
          <div className="form-actions">
            <button type="submit" className="btn primary" disabled={busy !== null || value.trim() === ''}>
              {busy === 'save' ? 'Saving…' : stored ? 'Replace' : 'Save'}
            </button>
          </div>
          <p className="muted small">
            It is passed to Claude Code as {kind === 'api_key' ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN'} and replaces any key or token from the environment. It is never shown again.
          </p>
        </form>
        {notice ? <p className="muted" role="status" data-testid="claude-auth-notice">{notice}</p> : null}
      </section>
    </div>
  );
}
