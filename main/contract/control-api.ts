/**
 * The control API's contract: every path, request, response and SSE message the dashboard (renderer), preload and
 * main exchange. Types and plain constants only — no runtime imports — so the renderer compiles it too.
 *
 * Transport: HTTP under `/api` on the gateway's own server, `Authorization: Bearer <admin token>` on every call.
 * Answers only loopback clients, loopback `Host` names and loopback/allowed `Origin`s (DNS-rebinding defence).
 */
import type { RunStatus, TranscriptEvent, TranscriptSummary } from './events.ts';

export const CONTROL_API_PREFIX = '/api' as const;

/** Error body of every non-2xx control API answer. */
export interface ControlError {
  error: { code: string; message: string; issues?: Array<{ key: string; message: string }> };
}

/** The one error body of every /api route (control API, /api/mcp, /api/docker, /api/claude-auth). */
export function controlError(code: string, message: string): ControlError {
  return { error: { code, message } };
}

// ---------------------------------------------------------------- info

export type GatewayState = 'starting' | 'running' | 'stopped' | 'error';

export interface GatewayStatus {
  state: GatewayState;
  reason: string | null;
  /** Base URL of the server (control API + dashboard + /v1), e.g. http://127.0.0.1:8000 */
  url: string;
  /** OpenAI base URL clients use: `${url}/v1` */
  v1Url: string;
  /** Gateway bound beyond loopback (reachable from the LAN). */
  exposed: boolean;
}

export interface InfoResponse {
  app: { name: string; version: string };
  /** Changes on every start of the process; part of SSE ids so a stale Last-Event-ID is detected. */
  bootId: string;
  gateway: GatewayStatus;
  claudeCode: { version: string | null; runtime: string };
  /** Whether /v1 requires an API key right now (any configured or dashboard-created key). */
  apiKeyRequired: boolean;
  dataDir: string;
}

// ---------------------------------------------------------------- transcripts

export interface TranscriptListQuery {
  status?: RunStatus;
  model?: string;
  /** Free text: matches the prompt preview, request id and error. */
  q?: string;
  limit?: number;
  offset?: number;
}

export interface TranscriptListResponse {
  items: TranscriptSummary[];
  total: number;
  /** SSE id to resume the summaries stream from, taken before the list was read (overlap possible, never a gap). */
  cursor: string;
}

export interface TranscriptResponse {
  summary: TranscriptSummary;
  events: TranscriptEvent[];
  cursor: string;
}

// ---------------------------------------------------------------- live stream (SSE)

/**
 * `GET /api/stream?view=events[&requestId=…]` — transcript events (one request, or all requests).
 * `GET /api/stream?view=summaries` — the list's rows as they change (only events that change a summary).
 * Resume: send `Last-Event-ID` (header, or `lastEventId` query). Ids are `<bootId>.<busId>`; a client must treat them
 * as opaque. When the server can no longer replay from that id (ring overflow, or the process restarted) it sends
 * `reset` first. Events carry (requestId, seq): clients dedupe on it, the server never sends one twice per connection.
 */
export type StreamView = 'events' | 'summaries';

export type StreamMessage =
  /** First message of every connection. */
  | { type: 'hello'; bootId: string; resumed: boolean }
  | { type: 'event'; event: TranscriptEvent }
  | { type: 'summary'; summary: TranscriptSummary }
  /**
   * The client's view may have a gap (or, reason 'initial', a one-request stream just opened). For a one-request
   * stream `events` starts the request's stored transcript — a long one continues as `event` messages right after,
   * and only its last message carries the resume id — and `summary` is the request's current row; merge by seq, then
   * continue live. For other views `events` is null and the client refetches what it shows.
   */
  | { type: 'reset'; reason: string; events: TranscriptEvent[] | null; summary: TranscriptSummary | null };

/** SSE `event:` field of each message is its `type`; `data:` is the JSON message. */
export type StreamMessageType = StreamMessage['type'];

// ---------------------------------------------------------------- health

export type ComponentStatus = 'ok' | 'starting' | 'stopped' | 'error';

export interface ComponentHealth {
  name: string;
  status: ComponentStatus;
  reason: string | null;
  /** ISO time the component entered its current state (uptime = now − since while ok). */
  since: string;
  details?: Record<string, unknown>;
}

export interface MetricsBucket {
  /** ISO start of the minute. */
  start: string;
  /** Requests started in this minute. */
  requests: number;
  /** Requests ended in this minute, by status. */
  done: number;
  errors: number;
  /** Latency of requests ended in this minute (ms), null when none ended. */
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Metrics {
  windowMinutes: number;
  buckets: MetricsBucket[];
  total: { requests: number; errors: number; p50Ms: number | null; p95Ms: number | null; perMinute: number };
}

/**
 * Claude processes kept after a turn for their conversation's next one (CONVERSATION_KEEPALIVE_S,
 * MAX_LIVE_CONVERSATIONS). Only the model and timing: never any prompt text.
 */
export interface LiveConversationsHealth {
  /** Conversations holding a process now (idle ones and those answering a turn in their kept process). */
  count: number;
  /** MAX_LIVE_CONVERSATIONS: idle ones kept at most (the oldest is closed beyond); 0 = off. */
  limit: number;
  keepAliveS: number;
  conversations: Array<{ model: string; state: 'idle' | 'answering'; idleS: number }>;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  version: string;
  /** `authenticated`: the credential Claude Code found, in words (null when none). */
  claudeCode: { version: string | null; runtime: string; authenticated: string | null };
  activeRuns: number;
  queuedRuns: number;
  /** Runs waiting for a caller's client tool results. */
  suspendedRuns: number;
  /** Null when the runtime keeps no conversation live (docker runtime). */
  liveConversations: LiveConversationsHealth | null;
  uptimeS: number;
  components: ComponentHealth[];
  gateway: GatewayStatus;
  metrics: Metrics;
  /** Server clock, so uptimes are computed against it, not the browser's. */
  now: string;
}

// ---------------------------------------------------------------- app log (DATA_DIR/logs/gateway.log)

export type AppLogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly';

export interface AppLogLine {
  /** The line as written (secrets are redacted before anything is logged). */
  text: string;
  /** Level of the entry; null for a continuation line (a stack trace) or a line of another format. */
  level: AppLogLevel | null;
}

/** `GET /api/logs?lines=N` (default 200, at most 5000): the last lines of the app log. */
export interface AppLogResponse {
  file: string;
  sizeBytes: number;
  lines: AppLogLine[];
}

/**
 * `GET /api/logs/stream?tail=N` (SSE): `event: info` {@link AppLogInfo} first, then `event: line` {@link AppLogLine}
 * for the last N lines and every line appended after; `event: rotated` {@link AppLogInfo} when the file was rotated
 * or truncated (the stream goes on from the new file's start).
 */
export interface AppLogInfo {
  file: string;
  sizeBytes: number;
}

// ---------------------------------------------------------------- gateway control

export type GatewayAction = 'start' | 'stop' | 'restart';
export type GatewayActionResponse = GatewayStatus;

// ---------------------------------------------------------------- config

/** Settings the dashboard edits; persisted to DATA_DIR/config.json, applied on the next start. */
export const EDITABLE_CONFIG_KEYS = [
  'GATEWAY_HOST',
  'GATEWAY_PORT',
  'GATEWAY_MODELS',
  'CLAUDE_MODEL',
  'CLAUDE_RUNTIME',
  'CLAUDE_CWD',
  'CLAUDE_ALLOWED_TOOLS',
  'CLAUDE_DISALLOWED_TOOLS',
  'CLAUDE_PERMISSION_MODE',
  'CLAUDE_MAX_TURNS',
  'REQUEST_TIMEOUT_S',
  'MAX_CONCURRENT_RUNS',
  'MAX_QUEUED_RUNS',
  'TOOL_OUTPUT_MAX_BYTES',
  'OAUTH_CALLBACK_PORT',
  'COMPOSE_FILE',
  'COMPOSE_PROJECT',
  'COMPOSE_SERVICE',
  'DOCKER_IMAGE',
  'LOG_LEVEL',
] as const;
export type EditableConfigKey = (typeof EDITABLE_CONFIG_KEYS)[number];

export type ConfigValue = string | number | boolean | string[];

/** Secrets are replaced by this marker (arrays: one marker per entry). */
export const SECRET_MASK = '••••••' as const;

export interface ConfigResponse {
  /** The running configuration (secrets masked). */
  values: Record<string, ConfigValue>;
  editable: EditableConfigKey[];
  /** Keys set by the environment: the file value is overridden, editing them has no effect until the env changes. */
  fromEnv: string[];
  /** Values saved in the config file that differ from the running ones (they apply on the next start). */
  pending: Partial<Record<EditableConfigKey, ConfigValue>>;
  file: string;
}

export type ConfigUpdateRequest = Partial<Record<EditableConfigKey, ConfigValue>>;

export interface ConfigUpdateResponse extends ConfigResponse {
  /** Keys whose saved value now differs from the running one: restart the app to apply. */
  restartRequired: EditableConfigKey[];
}

// ---------------------------------------------------------------- API keys

/**
 * What a key may use. null: everything (plain models in their own chat workspaces, and every project, whatever its
 * policy). A scope: only the listed projects' models (`<model>@<project>`, so only their policy modes), and the plain
 * models only when `chats` is true.
 */
export interface ApiKeyScope {
  projects: string[];
  chats: boolean;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** First characters of the key, to recognise it (the key itself is shown once, at creation). */
  prefix: string;
  createdAt: string;
  scope: ApiKeyScope | null;
}

export interface ApiKeyListResponse {
  keys: ApiKeyInfo[];
  /** Keys set through GATEWAY_API_KEYS (env/config file); not revocable from the dashboard. */
  configuredKeys: number;
}

export interface ApiKeyCreateRequest {
  name: string;
  /** Absent or null: unlimited. */
  scope?: ApiKeyScope | null;
}

/** Changes a key's scope (the secret stays). */
export interface ApiKeyUpdateRequest {
  scope: ApiKeyScope | null;
}

export interface ApiKeyCreateResponse {
  key: ApiKeyInfo;
  /** The secret, shown once. */
  secret: string;
}
