/**
 * Claude Code without a usable credential, in OpenAI's error shape: 401 `authentication_error` with code
 * `claude_not_signed_in`, both when the gateway knows beforehand (the sign-in monitor read "signed out": nothing is
 * started) and when a run finds out (Claude Code says "Not logged in", or the model API refused the credential).
 */
import { GatewayError } from './openai-errors.ts';

export const NOT_SIGNED_IN_CODE = 'claude_not_signed_in';
const WHAT_TO_DO = 'Open the dashboard → Claude account, or set ANTHROPIC_API_KEY.';
export const NOT_SIGNED_IN_MESSAGE = `Claude Code is not signed in. ${WHAT_TO_DO}`;

/** Claude Code's own words for a missing or refused credential (its messages and the API's 401 body). */
const AUTH_FAILURE = /\bNot logged in\b|Please run \/login|Invalid API key|OAuth token (?:has expired|has been revoked|is invalid)|\bauthentication_error\b|\bauthentication_failed\b/i;
const NOT_LOGGED_IN = /\bNot logged in\b|Please run \/login/i;

export function isAuthFailure(text: string): boolean {
  return AUTH_FAILURE.test(text);
}

/** Refused before any process ran. */
export function notSignedIn(): GatewayError {
  return new GatewayError(401, NOT_SIGNED_IN_MESSAGE, 'authentication_error', NOT_SIGNED_IN_CODE);
}

export const CREDENTIAL_REFUSED_CODE = 'claude_credential_refused';

/**
 * A run that failed for its credential; `claudeSays` is Claude Code's message (already redacted). No credential at
 * all is 401 claude_not_signed_in, as before any run. A credential the model API refused is 502
 * claude_credential_refused: the client's own key to the gateway was fine (a 401 would blame it), the gateway's
 * upstream credential was not — and retrying cannot help, so `x-should-retry: false`.
 */
export function signInFailedDuringRun(claudeSays: string, headers: Record<string, string> = {}): GatewayError {
  if (NOT_LOGGED_IN.test(claudeSays)) return new GatewayError(401, NOT_SIGNED_IN_MESSAGE, 'authentication_error', NOT_SIGNED_IN_CODE, null, { ...headers, 'x-should-retry': 'false' });
  return credentialRefused(claudeSays, headers);
}

export function credentialRefused(claudeSays: string, headers: Record<string, string> = {}): GatewayError {
  const message = `The model API refused Claude Code's credential (${claudeSays.trim().slice(0, 300)}). Replace it in the dashboard → Claude account (or ANTHROPIC_API_KEY, or your proxy's key), then try again.`;
  return new GatewayError(502, message, 'authentication_error', CREDENTIAL_REFUSED_CODE, null, { ...headers, 'x-should-retry': 'false' });
}
