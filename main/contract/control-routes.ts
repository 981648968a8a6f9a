/**
 * The control API's route table (`/api`, main/control/router.ts) and its two streams, with the schemas the renderer
 * validates answers with. The types stay in control-api.ts and events.ts; each schema is annotated with its type, so
 * the compiler refuses a schema that no longer produces it.
 */
import { z } from 'zod';
import type {
  ApiKeyCreateRequest,
  ApiKeyCreateResponse,
  ApiKeyInfo,
  ApiKeyListResponse,
  ApiKeyScope,
  ApiKeyUpdateRequest,
  AppLogInfo,
  AppLogLine,
  AppLogResponse,
  ComponentHealth,
  ConfigResponse,
  ConfigUpdateRequest,
  ConfigUpdateResponse,
  ConfigValue,
  ControlError,
  GatewayAction,
  GatewayStatus,
  HealthResponse,
  InfoResponse,
  LiveConversationsHealth,
  Metrics,
  StreamMessage,
  StreamView,
  TranscriptListQuery,
  TranscriptListResponse,
  TranscriptResponse,
} from './control-api.ts';
import { EDITABLE_CONFIG_KEYS } from './control-api.ts';
import { approvalOutcomeSchema } from './approvals-routes.ts';
import type { TokenUsage, TranscriptEvent, TranscriptSummary } from './events.ts';
import { route, shape, stream } from './route.ts';
import type { EndWaitingRunResponse } from './runs-api.ts';

const nullable = <T extends z.ZodType>(s: T) => s.nullable();

// ---------------------------------------------------------------- shared shapes

export const controlErrorSchema: z.ZodType<ControlError> = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ key: z.string(), message: z.string() })).optional() }),
});

const runStatus = z.enum(['running', 'done', 'error', 'cancelled', 'interrupted']);
const tokenUsage: z.ZodType<TokenUsage> = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
});

const eventMeta = { requestId: z.string(), seq: z.number(), ts: z.string() };
const parent = { parentToolUseId: nullable(z.string()) };
export const transcriptEventSchema: z.ZodType<TranscriptEvent> = z.discriminatedUnion('type', [
  z.object({
    ...eventMeta,
    type: z.literal('request'),
    endpoint: z.string(),
    model: z.string(),
    stream: z.boolean(),
    client: z.string(),
    prompt: z.string(),
    systemPrompt: nullable(z.string()),
    imageCount: z.number(),
    runtime: z.string(),
    project: nullable(z.string()).optional(),
    folder: z.string().optional(),
  }),
  z.object({
    ...eventMeta,
    type: z.literal('init'),
    sessionId: z.string(),
    model: z.string(),
    cwd: z.string(),
    tools: z.array(z.string()),
    mcpServers: z.array(z.object({ name: z.string(), status: z.string() })),
    claudeVersion: nullable(z.string()),
  }),
  z.object({ ...eventMeta, ...parent, type: z.literal('text_delta'), text: z.string() }),
  z.object({ ...eventMeta, ...parent, type: z.literal('thinking_delta'), text: z.string() }),
  z.object({ ...eventMeta, ...parent, type: z.literal('tool_use'), toolUseId: z.string(), name: z.string(), input: z.unknown() }),
  z.object({ ...eventMeta, ...parent, type: z.literal('tool_result'), toolUseId: z.string(), content: z.string(), isError: z.boolean() }),
  z.object({
    ...eventMeta,
    type: z.literal('result'),
    subtype: z.string(),
    isError: z.boolean(),
    usage: tokenUsage,
    costUsd: z.number(),
    numTurns: z.number(),
    sessionId: z.string(),
    durationMs: z.number(),
  }),
  z.object({ ...eventMeta, type: z.literal('error'), message: z.string(), code: z.string() }),
  z.object({ ...eventMeta, type: z.literal('client_tool_wait'), calls: z.array(z.object({ toolUseId: z.string(), name: z.string(), arguments: z.string() })) }),
  z.object({ ...eventMeta, type: z.literal('client_tool_resume'), toolUseIds: z.array(z.string()), waitedMs: z.number(), followUpRequestId: z.string() }),
  z.object({
    ...eventMeta,
    type: z.literal('approval_wait'),
    approvalId: z.string(),
    toolUseId: z.string(),
    tool: z.string(),
    input: z.unknown(),
    project: nullable(z.string()),
    client: z.string(),
    conversation: nullable(z.string()),
    expiresAt: z.string(),
  }),
  z.object({
    ...eventMeta,
    type: z.literal('approval_decision'),
    approvalId: z.string(),
    toolUseId: z.string(),
    tool: z.string(),
    outcome: approvalOutcomeSchema,
    message: nullable(z.string()),
    rule: nullable(z.string()),
    waitedMs: z.number(),
  }),
  z.object({
    ...eventMeta,
    type: z.literal('api_retry'),
    attempt: z.number(),
    maxRetries: z.number(),
    delayMs: z.number(),
    status: nullable(z.number()),
    error: z.string(),
  }),
  z.object({
    ...eventMeta,
    type: z.literal('end'),
    status: z.enum(['done', 'error', 'cancelled', 'interrupted']),
    reason: nullable(z.string()),
    durationMs: z.number(),
    turns: z.number().optional(),
    toolCalls: z.number().optional(),
  }),
]);

export const transcriptSummarySchema: z.ZodType<TranscriptSummary> = z.object({
  requestId: z.string(),
  endpoint: z.string(),
  model: z.string(),
  client: z.string(),
  stream: z.boolean(),
  status: runStatus,
  startedAt: z.string(),
  endedAt: nullable(z.string()),
  durationMs: nullable(z.number()),
  turns: z.number(),
  toolCalls: z.number(),
  usage: nullable(tokenUsage),
  costUsd: nullable(z.number()),
  sessionId: nullable(z.string()),
  error: nullable(z.string()),
  preview: z.string(),
  eventCount: z.number(),
  project: nullable(z.string()).optional(),
  folder: nullable(z.string()).optional(),
});

const gatewayStatus: z.ZodType<GatewayStatus> = z.object({
  state: z.enum(['starting', 'running', 'stopped', 'error']),
  reason: nullable(z.string()),
  url: z.string(),
  v1Url: z.string(),
  exposed: z.boolean(),
});
const claudeCode = z.object({ version: nullable(z.string()), runtime: z.string() });

const infoResponse: z.ZodType<InfoResponse> = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  bootId: z.string(),
  gateway: gatewayStatus,
  claudeCode,
  apiKeyRequired: z.boolean(),
  dataDir: z.string(),
});

const transcriptListResponse: z.ZodType<TranscriptListResponse> = z.object({ items: z.array(transcriptSummarySchema), total: z.number(), cursor: z.string() });
const endWaitingRunResponse: z.ZodType<EndWaitingRunResponse> = z.object({ requestId: z.string(), status: runStatus });
const transcriptResponse: z.ZodType<TranscriptResponse> = z.object({ summary: transcriptSummarySchema, events: z.array(transcriptEventSchema), cursor: z.string() });

const componentHealth: z.ZodType<ComponentHealth> = z.object({
  name: z.string(),
  status: z.enum(['ok', 'starting', 'stopped', 'error']),
  reason: nullable(z.string()),
  since: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
const metrics: z.ZodType<Metrics> = z.object({
  windowMinutes: z.number(),
  buckets: z.array(
    z.object({ start: z.string(), requests: z.number(), done: z.number(), errors: z.number(), p50Ms: nullable(z.number()), p95Ms: nullable(z.number()) }),
  ),
  total: z.object({ requests: z.number(), errors: z.number(), p50Ms: nullable(z.number()), p95Ms: nullable(z.number()), perMinute: z.number() }),
});
const liveConversations: z.ZodType<LiveConversationsHealth> = z.object({
  count: z.number(),
  limit: z.number(),
  keepAliveS: z.number(),
  conversations: z.array(z.object({ model: z.string(), state: z.enum(['idle', 'answering']), idleS: z.number() })),
});
const healthResponse: z.ZodType<HealthResponse> = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  claudeCode: z.object({ version: nullable(z.string()), runtime: z.string(), authenticated: nullable(z.string()) }),
  activeRuns: z.number(),
  queuedRuns: z.number(),
  suspendedRuns: z.number(),
  liveConversations: nullable(liveConversations),
  uptimeS: z.number(),
  components: z.array(componentHealth),
  gateway: gatewayStatus,
  metrics,
  now: z.string(),
});

const configValue: z.ZodType<ConfigValue> = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const editableKey = z.enum(EDITABLE_CONFIG_KEYS);
const configShape = {
  values: z.record(z.string(), configValue),
  editable: z.array(editableKey),
  fromEnv: z.array(z.string()),
  pending: z.partialRecord(editableKey, configValue),
  file: z.string(),
};
const configResponse: z.ZodType<ConfigResponse> = z.object(configShape);
const configUpdateResponse: z.ZodType<ConfigUpdateResponse> = z.object({ ...configShape, restartRequired: z.array(editableKey) });

/** Also parses request bodies (create, update): project names as PROJECT names are spelled, at most 100. */
export const apiKeyScopeSchema: z.ZodType<ApiKeyScope> = z.object({ projects: z.array(z.string().min(1).max(63)).max(100), chats: z.boolean() }).strict();
const apiKeyInfo: z.ZodType<ApiKeyInfo> = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.string(), scope: apiKeyScopeSchema.nullable() });
const apiKeyListResponse: z.ZodType<ApiKeyListResponse> = z.object({ keys: z.array(apiKeyInfo), configuredKeys: z.number() });
const apiKeyCreateResponse: z.ZodType<ApiKeyCreateResponse> = z.object({ key: apiKeyInfo, secret: z.string() });

const appLogLine: z.ZodType<AppLogLine> = z.object({ text: z.string(), level: nullable(z.enum(['error', 'warn', 'info', 'verbose', 'debug', 'silly'])) });
const appLogInfo: z.ZodType<AppLogInfo> = z.object({ file: z.string(), sizeBytes: z.number() });
const transcriptListQuery: z.ZodType<TranscriptListQuery | undefined> = z
  .object({
    status: runStatus.optional(),
    model: z.string().optional(),
    q: z.string().optional().describe('Free text: matches the prompt preview, request id and error'),
    limit: z.number().int().min(1).max(500).optional().describe('Default 50'),
    offset: z.number().int().min(0).optional(),
  })
  .optional();

const appLogResponse: z.ZodType<AppLogResponse> = z.object({ file: z.string(), sizeBytes: z.number(), lines: z.array(appLogLine) });

// ---------------------------------------------------------------- the table

export const CONTROL_ROUTES = {
  info: route({ method: 'GET', path: '/api/info', response: infoResponse, summary: "The app's name and version, the gateway's state, Claude Code's version and runtime, the data folder" }),
  transcripts: route({
    method: 'GET',
    path: '/api/transcripts',
    response: transcriptListResponse,
    query: shape<TranscriptListQuery | undefined>(transcriptListQuery),
    summary: 'Stored runs, newest first (filter by status, model or text; page with limit and offset)',
  }),
  transcript: route({ method: 'GET', path: '/api/transcripts/:id', response: transcriptResponse, summary: "One run's summary and every event (404 not_found)" }),
  endWaitingRun: route({
    method: 'POST',
    path: '/api/transcripts/:id/end',
    response: endWaitingRunResponse,
    summary: "Ends a run suspended on the caller's client tools: 404 not_found, 409 not_waiting (driven by a request, or ended)",
  }),
  health: route({ method: 'GET', path: '/api/health', response: healthResponse, summary: "/health's body plus the gateway state and request metrics over 15 minutes" }),
  gateway: route({
    method: 'POST',
    path: '/api/gateway/:action',
    response: gatewayStatus,
    params: shape<{ action: GatewayAction }>(z.object({ action: z.enum(['start', 'stop', 'restart']) })),
    summary: 'Starts, stops or restarts /v1 (stopped, /v1 answers 503; the dashboard stays up)',
  }),
  config: route({ method: 'GET', path: '/api/config', response: configResponse, summary: 'The running configuration (secrets masked), the keys the dashboard edits, those set in the environment, saved values waiting for a restart' }),
  updateConfig: route({
    method: 'PUT',
    path: '/api/config',
    response: configUpdateResponse,
    body: shape<ConfigUpdateRequest>(z.partialRecord(editableKey, configValue)),
    summary: 'Saves editable settings into the config file (applied on the next start); 400 with issues naming each bad key',
  }),
  keys: route({ method: 'GET', path: '/api/keys', response: apiKeyListResponse, summary: 'API keys for /v1 created in the dashboard (never their secrets), and how many GATEWAY_API_KEYS are configured' }),
  createKey: route({
    method: 'POST',
    path: '/api/keys',
    response: apiKeyCreateResponse,
    ok: [201],
    body: shape<ApiKeyCreateRequest>(z.object({ name: z.string(), scope: apiKeyScopeSchema.nullable().optional() })),
    summary: 'Creates an API key for /v1; its secret is in this answer only',
  }),
  updateKey: route({
    method: 'PUT',
    path: '/api/keys/:id',
    response: apiKeyInfo,
    body: shape<ApiKeyUpdateRequest>(z.object({ scope: apiKeyScopeSchema.nullable() })),
    summary: "Changes a key's scope (the projects it may use, and chats without a project; null = unlimited): 400 bad_scope, 404 not_found",
  }),
  revokeKey: route({ method: 'DELETE', path: '/api/keys/:id', response: z.undefined(), ok: [204], summary: 'Revokes a key at once' }),
  logs: route({
    method: 'GET',
    path: '/api/logs',
    response: appLogResponse,
    query: shape<{ lines?: number } | undefined>(z.object({ lines: z.number().int().optional() }).optional()),
    summary: "The app log's last lines",
  }),
  openapi: route({ method: 'GET', path: '/api/openapi.json', response: z.record(z.string(), z.unknown()), summary: 'This API as an OpenAPI 3.1 document' }),
} as const;

type Message<K extends StreamMessage['type']> = Extract<StreamMessage, { type: K }>;
/** Each message's `event:` name is its `type`; `data:` is the whole message (so one union serves every listener). */
export const TRANSCRIPT_STREAM_EVENTS = {
  hello: z.object({ type: z.literal('hello'), bootId: z.string(), resumed: z.boolean() }),
  event: z.object({ type: z.literal('event'), event: transcriptEventSchema }),
  summary: z.object({ type: z.literal('summary'), summary: transcriptSummarySchema }),
  reset: z.object({ type: z.literal('reset'), reason: z.string(), events: nullable(z.array(transcriptEventSchema)), summary: nullable(transcriptSummarySchema) }),
} satisfies { [K in StreamMessage['type']]: z.ZodType<Message<K>> };

export const CONTROL_STREAMS = {
  /** Resume with `Last-Event-ID` (header) — see StreamMessage. */
  transcripts: stream({
    path: '/api/stream',
    events: TRANSCRIPT_STREAM_EVENTS,
    query: shape<{ view: StreamView; requestId?: string; lastEventId?: string }>(
      z.object({ view: z.enum(['events', 'summaries']), requestId: z.string().optional(), lastEventId: z.string().optional() }),
    ),
    summary: 'Live transcripts: hello, then every summary or one run\'s events; resume with Last-Event-ID (header or lastEventId), reset when it cannot',
  }),
  /** `info` first, then `line` for the last `tail` lines and each new one; `rotated` when the file was replaced. */
  appLog: stream({
    path: '/api/logs/stream',
    events: { info: appLogInfo, line: appLogLine, rotated: appLogInfo },
    query: shape<{ tail?: number } | undefined>(z.object({ tail: z.number().int().optional() }).optional()),
    summary: "The app log: info, the last tail lines, then each new line; rotated when the file was replaced",
  }),
} as const;
