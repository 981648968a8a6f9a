/**
 * The MCP servers API (`/api/mcp`, main/oauth/routes.ts) as the dashboard sees it. Defined here once: the oauth
 * modules (which import Node, so the renderer cannot compile them) import these. Types and constants only.
 */

export type McpTransport = 'http' | 'sse' | 'stdio' | 'ws' | 'unknown';
export type McpStatus = 'connected' | 'needs-auth' | 'failed' | 'pending' | 'disabled' | 'unknown';

export interface McpServerInfo {
  name: string;
  transport: McpTransport;
  /** URL of an HTTP/SSE server; the command line of a stdio server. */
  url: string | null;
  command: string | null;
  status: McpStatus;
  /** Claude Code's words for the status (the failure reason, "Pending approval"…). */
  statusDetail: string | null;
  scope: 'user' | 'local' | 'project' | null;
  clientId: string | null;
  callbackPort: number | null;
  /** Stored OAuth tokens, when Claude Code's credentials file is readable. */
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
  /** The latest step. */
  step: LoginStepName;
  authUrl: string | null;
  reason: string | null;
  done: boolean;
  events: LoginEvent[];
}

export type ListenerStatus = 'stopped' | 'starting' | 'listening' | 'error';

/** The OAuth callback listener (main/oauth/listener.ts) as GET /api/mcp/listener and Health show it. */
export interface ListenerHealth {
  status: ListenerStatus;
  /** e.g. "port 8888 in use by pid 123 (node)" */
  error: string | null;
  host: string;
  /** Configured port; `boundPort` is the real one once listening. */
  port: number;
  boundPort: number | null;
  /** The redirect URI providers must send the browser to. */
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
