/**
 * Claude Code's sign-in status as people read it: "Signed in with an API key (ANTHROPIC_API_KEY saved in the app)",
 * "Signed in with a Claude subscription (Pro plan, expires 3 Jan 2027, 14:00)", "Not signed in" plus what to do.
 * The "from where" part comes from the same precedence reading Health already uses (claude-credentials.ts).
 */
import type { CredentialSource } from '../health/claude-credentials.ts';
import type { AuthStatusJson } from './auth-status.ts';

export const SIGN_IN_FIX = 'Open the dashboard → Claude account and paste an API key (or a token made by "claude setup-token"), set ANTHROPIC_API_KEY, or run "claude auth login".';
const SIGN_IN_FIX_DOCKER = 'Open the dashboard → Claude account and paste an API key (or a token made by "claude setup-token"), set ANTHROPIC_API_KEY, or run "claude auth login" inside the container.';

export function signInFix(runtime: 'local' | 'docker'): string {
  return runtime === 'docker' ? SIGN_IN_FIX_DOCKER : SIGN_IN_FIX;
}

const PROVIDERS: Readonly<Record<string, string>> = { bedrock: 'Amazon Bedrock', vertex: 'Google Vertex AI', foundry: 'Microsoft Foundry' };

/** loginExpiresAt as an ISO time: Claude Code gives epoch milliseconds or a date string. */
export function expiryIso(v: AuthStatusJson['loginExpiresAt']): string | null {
  if (v === null || v === undefined || v === '') return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function readableTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** In brackets when there is something to say. */
function bracket(parts: Array<string | null | undefined>): string {
  const kept = parts.filter((p): p is string => Boolean(p));
  return kept.length ? ` (${kept.join(', ')})` : '';
}

/**
 * The sentence for a reading. `source` is where the credential comes from (null when the environment names none,
 * e.g. inside a container whose login lives in its volume).
 */
export function describeSignIn(s: AuthStatusJson, source: CredentialSource | null): string {
  if (!s.loggedIn) return 'Not signed in';
  const where = source?.where;
  const method = s.authMethod ?? '';
  if (method === 'third_party' || (s.apiProvider && s.apiProvider !== 'firstParty')) {
    const provider = s.apiProvider ?? 'another provider';
    return `Using ${PROVIDERS[provider] ?? provider}${bracket([source && /CLAUDE_CODE_USE_/.test(source.where) ? where : null])}`;
  }
  if (method === 'api_key') return `Signed in with an API key${bracket([source?.kind === 'API key' ? where : s.apiKeySource])}`;
  if (method === 'api_key_helper') return `Signed in with an API key helper${bracket([source?.kind === 'API key helper' ? where : s.apiKeySource])}`;
  if (method === 'oauth_token') {
    if (source?.kind === 'Auth token') return `Signed in with an auth token${bracket([where])}`;
    return `Signed in with an OAuth token${bracket([source?.kind === 'OAuth token' ? where : null])}`;
  }
  if (method === 'claude.ai') {
    const expires = expiryIso(s.loginExpiresAt);
    return `Signed in with a Claude subscription${bracket([
      s.subscriptionType ? `${capitalized(s.subscriptionType)} plan` : null,
      s.email ?? null,
      expires ? `expires ${readableTime(expires)}` : null,
      source?.kind === 'Claude login' ? `login in ${where}` : null,
    ])}`;
  }
  return `Signed in${bracket([method || null])}`;
}
