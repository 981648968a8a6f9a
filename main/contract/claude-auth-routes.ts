/**
 * The Claude account API's route table (`/api/claude-auth`, main/control/claude-auth-router.ts) and its stream, with
 * the schemas the renderer validates answers with and the server validates its secret-carrying bodies with (types
 * in claude-auth-api.ts).
 */
import { z } from 'zod';
import type {
  ClaudeAuthStatus,
  ClaudeCredentialRequest,
  ClaudeLoginCancelResponse,
  ClaudeLoginCodeRequest,
  ClaudeLoginEvent,
  ClaudeLoginRequest,
  ClaudeLoginResponse,
  ClaudeLoginSnapshot,
} from './claude-auth-api.ts';
import { route, shape, stream } from './route.ts';

const runtime = z.enum(['local', 'docker']);
const method = z.enum(['claudeai', 'console']);

export const claudeCredentialRequest: z.ZodType<ClaudeCredentialRequest> = z.object({ kind: z.enum(['api_key', 'oauth_token']), value: z.string() });
export const claudeLoginRequest: z.ZodType<ClaudeLoginRequest> = z.object({ method: method.optional() }).strict();
export const claudeLoginCodeRequest: z.ZodType<ClaudeLoginCodeRequest> = z.object({ code: z.string() });

const authStatus: z.ZodType<ClaudeAuthStatus> = z.object({
  state: z.enum(['signed_in', 'signed_out', 'unknown']),
  summary: z.string(),
  fix: z.string().nullable(),
  method: z.string().nullable(),
  provider: z.string().nullable(),
  subscription: z.string().nullable(),
  account: z.object({ email: z.string().nullable(), organization: z.string().nullable() }).nullable(),
  expiresAt: z.string().nullable(),
  rejected: z.object({ message: z.string(), at: z.string() }).nullable(),
  runtime,
  checkedAt: z.string().nullable(),
  stored: z
    .object({ kind: z.enum(['api_key', 'oauth_token']), hint: z.string(), savedAt: z.string(), protection: z.string(), readable: z.boolean() })
    .nullable(),
});

const eventMeta = { loginId: z.string(), at: z.number() };
const loginEvent: z.ZodType<ClaudeLoginEvent> = z.discriminatedUnion('step', [
  z.object({ ...eventMeta, step: z.literal('started'), method, runtime }),
  z.object({ ...eventMeta, step: z.literal('waiting_for_browser'), url: z.string(), notice: z.string().nullable() }),
  z.object({ ...eventMeta, step: z.literal('code_received'), via: z.enum(['pasted', 'browser']) }),
  z.object({ ...eventMeta, step: z.literal('signed_in'), summary: z.string() }),
  z.object({ ...eventMeta, step: z.literal('failed'), reason: z.string() }),
]);

const loginSnapshot: z.ZodType<ClaudeLoginSnapshot> = z.object({
  loginId: z.string(),
  method,
  runtime,
  startedAt: z.number(),
  deadline: z.number(),
  step: z.enum(['started', 'waiting_for_browser', 'code_received', 'signed_in', 'failed']),
  url: z.string().nullable(),
  returnsByItself: z.boolean(),
  codeUrl: z.string().nullable(),
  notice: z.string().nullable(),
  reason: z.string().nullable(),
  done: z.boolean(),
  events: z.array(loginEvent),
});

const loginResponse: z.ZodType<ClaudeLoginResponse> = z.object({ login: loginSnapshot.nullable() });
const cancelResponse: z.ZodType<ClaudeLoginCancelResponse> = z.object({ cancelled: z.boolean(), login: loginSnapshot.nullable() });

export const CLAUDE_AUTH_ROUTES = {
  /** The last reading (never a secret: a masked hint at most). */
  status: route({ method: 'GET', path: '/api/claude-auth', response: authStatus, summary: "Claude Code's sign-in status as last read (never a secret: a masked hint at most)" }),
  /** Asks Claude Code again. */
  refresh: route({ method: 'POST', path: '/api/claude-auth/refresh', response: authStatus, summary: 'Asks Claude Code again' }),
  /** 400 invalid_credential when Claude Code refuses it. */
  saveCredential: route({
    method: 'PUT',
    path: '/api/claude-auth/credential',
    response: authStatus,
    body: shape<ClaudeCredentialRequest>(claudeCredentialRequest),
    summary: 'Saves an API key or setup-token token for every Claude run; 400 invalid_credential names what is wrong without repeating it',
  }),
  /** The saved credential is gone (idempotent). */
  clearCredential: route({ method: 'DELETE', path: '/api/claude-auth/credential', response: authStatus, summary: 'Forgets the saved credential (idempotent)' }),
  /** `claude auth logout` where Claude runs; 502 logout_failed. */
  logout: route({ method: 'POST', path: '/api/claude-auth/logout', response: authStatus, summary: 'Runs claude auth logout where Claude runs (ends a subscription login); 502 logout_failed' }),
  /** The running or the last subscription sign-in (404 login_unavailable when this gateway cannot run one). */
  login: route({
    method: 'GET',
    path: '/api/claude-auth/login',
    response: loginResponse,
    summary: 'The running or the last subscription sign-in, or null (404 login_unavailable when this gateway cannot run one)',
  }),
  /** 202 once the sign-in link is known (or the login failed); 409 login_in_progress. */
  startLogin: route({
    method: 'POST',
    path: '/api/claude-auth/login',
    response: loginResponse,
    ok: [202],
    body: shape<ClaudeLoginRequest | undefined>(claudeLoginRequest.optional()),
    summary: 'Starts a subscription sign-in (method claudeai or console); 202 once the link is known (or it failed); 409 login_in_progress',
  }),
  /** 202: the code went to Claude Code's stdin; 400 invalid_code, 409 not_waiting_for_code. */
  loginCode: route({
    method: 'POST',
    path: '/api/claude-auth/login/code',
    response: loginResponse,
    ok: [202],
    body: shape<ClaudeLoginCodeRequest>(claudeLoginCodeRequest),
    summary: "Writes the code from the sign-in page to Claude Code's stdin; 400 invalid_code, 409 not_waiting_for_code",
  }),
  /** Answered once the login's process is gone (idempotent). */
  loginCancel: route({ method: 'POST', path: '/api/claude-auth/login/cancel', response: cancelResponse, summary: "Cancels the sign-in; answered once its process is gone (idempotent)" }),
} as const;

export const CLAUDE_AUTH_STREAMS = {
  /** `login`: the current sign-in first (when there is one), then every step. */
  loginEvents: stream({ path: '/api/claude-auth/login/events', events: { login: loginSnapshot }, summary: 'login: the current sign-in first (when there is one), then every step' }),
} as const;
