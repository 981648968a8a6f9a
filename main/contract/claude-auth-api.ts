/**
 * The Claude account API (`/api/claude-auth`, main/control/claude-auth-router.ts): whether Claude Code can answer
 * (read from `claude auth status` itself), and the API key or long-lived OAuth token a user pasted into the app.
 * A secret goes in (PUT) and never comes out: answers carry a masked hint at most. Also the subscription sign-in
 * (`claude auth login` driven by the app: main/claude/subscription-login.ts). Types and constants only.
 */

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

/** `claude auth login --claudeai` (a Claude Pro/Max/Team subscription) or `--console` (Anthropic Console billing). */
export type ClaudeLoginMethod = 'claudeai' | 'console';

export interface ClaudeLoginRequest {
  /** Default `claudeai`. */
  method?: ClaudeLoginMethod;
}

export interface ClaudeLoginCodeRequest {
  /** What the sign-in page shows after approval (`<code>#<state>`). Goes to Claude Code's stdin, never to a log or an answer. */
  code: string;
}

/** The steps of a subscription sign-in, in order; `failed` can replace any step after `started`. */
export const CLAUDE_LOGIN_STEPS = ['started', 'waiting_for_browser', 'code_received', 'signed_in'] as const;
export type ClaudeLoginStepName = (typeof CLAUDE_LOGIN_STEPS)[number] | 'failed';

export type ClaudeLoginStep =
  | { step: 'started'; method: ClaudeLoginMethod; runtime: 'local' | 'docker' }
  /** The sign-in link is known; `notice` is what Claude Code said about a code it could not use (then it waits for another). */
  | { step: 'waiting_for_browser'; url: string; notice: string | null }
  /** `pasted`: a code went to Claude Code's stdin; `browser`: the browser came back to Claude Code's own listener. */
  | { step: 'code_received'; via: 'pasted' | 'browser' }
  | { step: 'signed_in'; summary: string }
  | { step: 'failed'; reason: string };

export type ClaudeLoginEvent = ClaudeLoginStep & { loginId: string; at: number };

export interface ClaudeLoginSnapshot {
  loginId: string;
  method: ClaudeLoginMethod;
  runtime: 'local' | 'docker';
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms after which the login is given up. */
  deadline: number;
  step: ClaudeLoginStepName;
  /** The sign-in page to open. */
  url: string | null;
  /**
   * True when `url` sends the browser back to Claude Code by itself (local runtime: Claude Code listens on this
   * machine's loopback); false when the page ends by showing a code to paste here (always so for the container).
   */
  returnsByItself: boolean;
  /** A link whose page shows the code to paste, when `url` is one that returns by itself (the fallback); else null. */
  codeUrl: string | null;
  /** What Claude Code last said about a pasted code it could not use. */
  notice: string | null;
  reason: string | null;
  done: boolean;
  events: ClaudeLoginEvent[];
}

export interface ClaudeLoginResponse {
  login: ClaudeLoginSnapshot | null;
}

export interface ClaudeLoginCancelResponse {
  /** Whether a login was running (and is now stopped, its process gone). */
  cancelled: boolean;
  login: ClaudeLoginSnapshot | null;
}
