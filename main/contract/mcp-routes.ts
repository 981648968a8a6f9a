/**
 * The MCP servers API's route table (`/api/mcp`, main/oauth/routes.ts) and its event stream, with the schemas the
 * renderer validates answers with (types in mcp-api.ts).
 */
import { z } from 'zod';
import type { AddMcpServerRequest, ListenerHealth, LoginEvent, LoginSnapshot, McpActionResult, McpLoginResponse, McpLoginsResponse, McpServerInfo, McpServersResponse } from './mcp-api.ts';
import { route, shape, stream } from './route.ts';

const serverInfo: z.ZodType<McpServerInfo> = z.object({
  name: z.string(),
  transport: z.enum(['http', 'sse', 'stdio', 'ws', 'unknown']),
  url: z.string().nullable(),
  command: z.string().nullable(),
  status: z.enum(['connected', 'needs-auth', 'failed', 'pending', 'disabled', 'unknown']),
  statusDetail: z.string().nullable(),
  scope: z.enum(['user', 'local', 'project']).nullable(),
  clientId: z.string().nullable(),
  callbackPort: z.number().nullable(),
  oauth: z.object({ hasTokens: z.boolean(), expiresAt: z.number().nullable(), hasRefreshToken: z.boolean(), scope: z.string().nullable() }).nullable(),
});

const loginMeta = { loginId: z.string(), serverName: z.string(), at: z.number() };
const loginEvent: z.ZodType<LoginEvent> = z.discriminatedUnion('step', [
  z.object({ ...loginMeta, step: z.literal('started') }),
  z.object({
    ...loginMeta,
    step: z.literal('waiting_for_browser'),
    authUrl: z.string(),
    redirectUri: z.string().nullable(),
    via: z.enum(['gateway-listener', 'claude-listener']),
  }),
  z.object({ ...loginMeta, step: z.literal('code_received') }),
  z.object({ ...loginMeta, step: z.literal('tokens_stored') }),
  z.object({ ...loginMeta, step: z.literal('connected'), tools: z.array(z.string()) }),
  z.object({ ...loginMeta, step: z.literal('failed'), reason: z.string() }),
]);

const loginSnapshot: z.ZodType<LoginSnapshot> = z.object({
  loginId: z.string(),
  serverName: z.string(),
  startedAt: z.number(),
  step: z.enum(['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected', 'failed']),
  authUrl: z.string().nullable(),
  reason: z.string().nullable(),
  done: z.boolean(),
  events: z.array(loginEvent),
});

const listenerHealth: z.ZodType<ListenerHealth> = z.object({
  status: z.enum(['stopped', 'starting', 'listening', 'error']),
  error: z.string().nullable(),
  host: z.string(),
  port: z.number(),
  boundPort: z.number().nullable(),
  redirectUri: z.string().nullable(),
  pendingLogins: z.array(z.object({ serverName: z.string(), relay: z.string(), ageS: z.number(), expiresInS: z.number(), source: z.enum(['app', 'registered']) })),
  completed: z.number(),
  failed: z.number(),
  relayTarget: z.string(),
});

const actionResult: z.ZodType<McpActionResult> = z.object({ ok: z.literal(true), message: z.string() });
const serversResponse: z.ZodType<McpServersResponse> = z.object({ servers: z.array(serverInfo) });
const loginResponse: z.ZodType<McpLoginResponse> = z.object({ login: loginSnapshot });
const loginsResponse: z.ZodType<McpLoginsResponse> = z.object({ logins: z.array(loginSnapshot) });

export const MCP_ROUTES = {
  /** Status checked by Claude Code: takes seconds. */
  servers: route({ method: 'GET', path: '/api/mcp/servers', response: serversResponse, summary: "MCP servers with their status as Claude Code checks it (takes seconds)" }),
  addServer: route({
    method: 'POST',
    path: '/api/mcp/servers',
    response: actionResult,
    ok: [201],
    body: shape<AddMcpServerRequest>(
      z.object({ name: z.string(), url: z.string(), transport: z.enum(['http', 'sse']).optional(), clientId: z.string().optional(), callbackPort: z.number().int().optional() }),
    ),
    summary: 'Adds an HTTP or SSE MCP server',
  }),
  removeServer: route({ method: 'DELETE', path: '/api/mcp/servers/:name', response: actionResult, summary: 'Removes an MCP server' }),
  /** 202 once the authorization URL is known (or the login failed). */
  login: route({ method: 'POST', path: '/api/mcp/servers/:name/login', response: loginResponse, ok: [202], summary: 'Starts an OAuth sign-in; 202 once the authorization URL is known (or the login failed)' }),
  logout: route({ method: 'POST', path: '/api/mcp/servers/:name/logout', response: actionResult, summary: "Signs out of a server" }),
  logins: route({ method: 'GET', path: '/api/mcp/logins', response: loginsResponse, summary: 'Recent sign-ins with their steps' }),
  loginById: route({ method: 'GET', path: '/api/mcp/logins/:id', response: loginSnapshot, summary: 'One sign-in with its steps' }),
  cancelLogin: route({ method: 'POST', path: '/api/mcp/logins/:id/cancel', response: z.object({ cancelled: z.boolean() }), summary: 'Cancels a sign-in' }),
  listener: route({ method: 'GET', path: '/api/mcp/listener', response: listenerHealth, summary: 'The OAuth callback listener: state, pending logins, completed and failed counts' }),
} as const;

export const MCP_STREAMS = {
  /** `login` for each step of any login, `servers` when the list changed (refetch it), `listener` on connect and on change. */
  events: stream({
    path: '/api/mcp/events',
    events: { login: loginEvent, servers: z.object({}), listener: listenerHealth },
    summary: 'login for each step of any sign-in, servers when the list changed (refetch it), listener on connect and on change',
  }),
} as const;
