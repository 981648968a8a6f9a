/**
 * The Claude account API (`/api/claude-auth`, main/control/claude-auth-router.ts): whether Claude Code can answer
 * (read from `claude auth status` itself), and the API key or long-lived OAuth token a user pasted into the app.
 * A secret goes in (PUT) and never comes out: answers carry a masked hint at most. Types and constants only.
 */

export const CLAUDE_AUTH_PATHS = {
  /** GET → ClaudeAuthStatus (the last reading). */
  status: '/api/claude-auth',
  /** POST → ClaudeAuthStatus after asking Claude Code again. */
  refresh: '/api/claude-auth/refresh',
  /** PUT ClaudeCredentialRequest → ClaudeAuthStatus; DELETE → ClaudeAuthStatus (the stored credential is gone). */
  credential: '/api/claude-auth/credential',
  /** POST → ClaudeAuthStatus after `claude auth logout` where Claude runs (ends a subscription login). */
  logout: '/api/claude-auth/logout',
} as const;

/** signed_out only when Claude Code itself said so; unknown when it could not be asked (container down…). */
export type ClaudeSignInState = 'signed_in' | 'signed_out' | 'unknown';

export type ClaudeCredentialKind = 'api_key' | 'oauth_token';

/** What the app keeps of a pasted credential, as shown to people. */
export interface StoredCredentialInfo {
  kind: ClaudeCredentialKind;
  /** e.g. `sk-ant-api03-…XYZ4`: the format's prefix and the last 4 characters. */
  hint: string;
  savedAt: string;
  /** How it is kept: `file-permissions` (a 0600 file, not encrypted) or the desktop's OS-backed encryption. */
  protection: string;
  /** False when this start of the app cannot open it (saved by the desktop app, read headless): save it again. */
  readable: boolean;
}

export interface ClaudeAuthStatus {
  state: ClaudeSignInState;
  /** One sentence for people: "Signed in with an API key (ANTHROPIC_API_KEY saved in the app)", "Not signed in". */
  summary: string;
  /** What to do when Claude cannot answer; null when it can. */
  fix: string | null;
  /** Claude Code's `authMethod` (api_key, claude.ai, oauth_token, api_key_helper, third_party, none) when known. */
  method: string | null;
  /** Claude Code's `apiProvider` (firstParty, bedrock, vertex, foundry) when known. */
  provider: string | null;
  /** Subscription plan of a claude.ai login (pro, max…). */
  subscription: string | null;
  /** Account e-mail and organization of a claude.ai login, when Claude Code knows them. */
  account: { email: string | null; organization: string | null } | null;
  /** When the login ends (ISO), when Claude Code says. */
  expiresAt: string | null;
  /** The model API refused the credential in a run since it was last checked ("Invalid API key…"). */
  rejected: { message: string; at: string } | null;
  runtime: 'local' | 'docker';
  /** ISO time of the last reading; null before the first one finished. */
  checkedAt: string | null;
  stored: StoredCredentialInfo | null;
}

export interface ClaudeCredentialRequest {
  kind: ClaudeCredentialKind;
  /** `sk-ant-api…` for an API key (any key when ANTHROPIC_BASE_URL names a proxy), `sk-ant-oat…` from `claude setup-token`. */
  value: string;
}
