/**
 * The MCP servers API (`/api/mcp`, main/oauth/routes.ts) as the dashboard sees it. The oauth modules import Node, so
 * the renderer cannot compile their types: these are structural copies, kept identical by a compile-time check in
 * tests/renderer/mcp-login.e2e.test.ts (both directions must be assignable). Types and constants only.
 */

export type McpTransport = 'http' | 'sse' | 'stdio' | 'ws' | 'unknown';
export type McpStatus = 'connected' | 'needs-auth' | 'failed' | 'pending' | 'disabled' | 'unknown';

export interface McpServerInfo {
  name: string;
  transport: McpTransport;
  url: string | null;
  command: string | null;
  status: McpStatus;
  statusDetail: string | null;
  scope: 'user' | 'local' | 'project' | null;
  clientId: string | null;
  callbackPort: number | null;
  oauth: { hasTokens: boolean; expiresAt: number | null; hasRefreshToken: boolean; scope: string | null } | null;
}

/** What add / remove / logout answer when they succeed; a failure is the /api error body (ControlError, HTTP 400). */
export type McpActionResult = { ok: true; message: string };

export interface AddMcpServerRequest {
  name: string;
  url: string;
  transport?: 'http' | 'sse';
  clientId?: string;
  callbackPort?: number;
}

export type LoginStep =
  | { step: 'started' }
  | { step: 'waiting_for_browser'; authUrl: string; redirectUri: string | null; via: 'gateway-listener' | 'claude-listener' }
  | { step: 'code_received' }
  | { step: 'tokens_stored' }
  | { step: 'connected'; tools: string[] }
  | { step: 'failed'; reason: string };

export type LoginStepName = LoginStep['step'];
export type LoginEvent = LoginStep & { loginId: string; serverName: string; at: number };

export interface LoginSnapshot {
  loginId: string;
  serverName: string;
  startedAt: number;
  step: LoginStepName;
  authUrl: string | null;
  reason: string | null;
  done: boolean;
  events: LoginEvent[];
}

export interface ListenerHealth {
  status: 'stopped' | 'starting' | 'listening' | 'error';
  error: string | null;
  host: string;
  port: number;
  boundPort: number | null;
  redirectUri: string | null;
  pendingLogins: Array<{ serverName: string; relay: string; ageS: number; expiresInS: number; source: 'app' | 'registered' }>;
  completed: number;
  failed: number;
  relayTarget: string;
}

export interface McpServersResponse {
  servers: McpServerInfo[];
}
export interface McpLoginResponse {
  login: LoginSnapshot;
}
export interface McpLoginsResponse {
  logins: LoginSnapshot[];
}


/** The steps of a login in order, as the step view lists them. */
export const LOGIN_STEPS: readonly LoginStepName[] = ['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected'];
