/**
 * What a pasted Claude credential must look like before the app stores it, and how it is shown afterwards. Messages
 * never repeat the value: they may reach a log or a screen.
 */
import type { ClaudeCredentialKind } from '../contract/claude-auth-api.ts';

/** The variable Claude Code reads each kind from. */
export const CREDENTIAL_ENV: Readonly<Record<ClaudeCredentialKind, string>> = {
  api_key: 'ANTHROPIC_API_KEY',
  oauth_token: 'CLAUDE_CODE_OAUTH_TOKEN',
};

/** Credential variables a stored credential replaces, so Claude Code's precedence cannot pick an older one. */
export const REPLACED_BY_STORED: readonly string[] = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];

const MAX_LENGTH = 512;
const MIN_LENGTH = 8;
const ANTHROPIC_API_KEY = /^sk-ant-api\d{2}-[A-Za-z0-9_-]{8,}$/;
const SETUP_TOKEN = /^sk-ant-oat\d{2}-[A-Za-z0-9_-]{8,}$/;
const KNOWN_PREFIX = /^sk-ant-(?:api|oat)\d{2}-/;

export type CredentialCheck = { ok: true; value: string } | { ok: false; message: string };

export interface ShapeContext {
  /**
   * ANTHROPIC_BASE_URL points Claude Code at another endpoint (a proxy such as LiteLLM): its keys have their own
   * format, so any API key of sane shape is accepted. OAuth tokens are Anthropic's and always checked.
   */
  customEndpoint: boolean;
}

/**
 * Checks a pasted value (surrounding whitespace is trimmed: pastes often carry a newline). API keys look like
 * `sk-ant-api03-…` unless a custom endpoint is configured (then any key of that shape but a setup token); OAuth tokens from `claude setup-token` like
 * `sk-ant-oat01-…`. Always one line of printable ASCII, 8–512 characters.
 */
export function checkCredential(kind: ClaudeCredentialKind, raw: string, ctx: ShapeContext): CredentialCheck {
  const value = raw.trim();
  if (!value) return { ok: false, message: 'The value is empty: paste the key or token.' };
  if (value.length > MAX_LENGTH) return { ok: false, message: `The value is longer than ${MAX_LENGTH} characters: paste only the key or token.` };
  if (!/^[\x21-\x7e]+$/.test(value)) return { ok: false, message: 'The value must be one line of printable characters without spaces: paste only the key or token.' };
  if (value.length < MIN_LENGTH) return { ok: false, message: `The value is shorter than ${MIN_LENGTH} characters: paste the whole key or token.` };
  if (kind === 'api_key') {
    if (value.startsWith('sk-ant-oat')) return { ok: false, message: 'This is an OAuth token (made by "claude setup-token"): save it as an OAuth token, not an API key.' };
    // A proxy's keys have their own format, which may look like anything (even sk-ant-…): the proxy judges them.
    if (ANTHROPIC_API_KEY.test(value) || ctx.customEndpoint) return { ok: true, value };
    if (value.startsWith('sk-ant-')) return { ok: false, message: 'Anthropic API keys look like sk-ant-api03-…: copy the whole key from console.anthropic.com.' };
    return { ok: false, message: 'Anthropic API keys start with sk-ant-api. A key of another service works only when ANTHROPIC_BASE_URL points Claude Code at it.' };
  }
  if (value.startsWith('sk-ant-api')) return { ok: false, message: 'This is an API key: save it as an API key, not an OAuth token.' };
  if (SETUP_TOKEN.test(value)) return { ok: true, value };
  return { ok: false, message: 'OAuth tokens made by "claude setup-token" look like sk-ant-oat01-…: run it again and copy the whole token.' };
}

/**
 * A hint that tells two credentials apart without revealing one: the format's public prefix and the last 4
 * characters (`sk-ant-api03-…XYZ4`), or only the prefix when the secret part is short.
 */
export function maskSecret(value: string): string {
  const prefix = KNOWN_PREFIX.exec(value)?.[0] ?? /^[A-Za-z]{2,8}-/.exec(value)?.[0] ?? '';
  const rest = value.slice(prefix.length);
  return rest.length >= 16 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}

/** Whether ANTHROPIC_BASE_URL names an endpoint other than Anthropic's own API. */
export function hasCustomEndpoint(env: Record<string, string | undefined>): boolean {
  const url = env.ANTHROPIC_BASE_URL?.trim();
  if (!url) return false;
  try {
    return new URL(url).hostname !== 'api.anthropic.com';
  } catch {
    return true;
  }
}
