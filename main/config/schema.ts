import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectListSchema } from '../projects/schema.ts';
import { DEFAULT_POLICY_SETTINGS } from '../policy/default-policy.ts';

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
/** An exact web origin (what a browser sends in `Origin`), not a pattern: `*` and `null` would let any page in. */
function isOriginEntry(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.replace(/\/$/, '');
  } catch {
    return false;
  }
}
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

export const PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk'] as const;

/** MAX_LIVE_CONVERSATIONS by default: half the memory free at start, ≈300 MB per kept Claude process, at least 1. */
export function defaultLiveConversations(): number {
  return Math.min(1_000, Math.max(1, Math.floor(os.freemem() / 2 / (300 * 1024 * 1024))));
}

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'claude-code-gateway');
}

/**
 * The whole configuration, keyed by the same names in env and in the JSON config file. Defaults < file < env.
 * Everything the app does is decided from one parsed value of this schema.
 */
export const configSchema = z
  .object({
    GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_PORT: int(0, 65535).default(8000),
    /** Bearer keys accepted on /v1; empty = no auth (allowed on loopback only). */
    GATEWAY_API_KEYS: csv.default([]),
    GATEWAY_ALLOWED_ORIGINS: csv
      .pipe(z.array(z.string().refine(isOriginEntry, 'each entry must be a web origin like https://chat.example.com (scheme://host[:port], no path; never * or null)')))
      .default([])
      .describe('Web pages (origins, e.g. https://chat.example.com) whose browser-side requests /v1 and /health answer, besides loopback pages and the desktop window — for OpenWebUI "Direct Connections". Requests without an Origin (servers, SDKs, curl) never need this.'),
    GATEWAY_ALLOWED_HOSTS: csv
      .pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/i, 'each entry must be a host name without scheme or port, e.g. gateway.example.com')))
      .default([])
      .describe('Host names /v1 and /health answer to besides loopback names, IP addresses and host.docker.internal: the DNS names clients use to reach the gateway when it is bound beyond loopback or behind a proxy. Any other Host is refused (DNS-rebinding defence).'),
    TRUSTED_PROXY: csv
      .default([])
      .describe('Addresses of a reverse proxy in front of the gateway (e.g. loopback, or 10.0.0.2): requests from it are attributed to the client in X-Forwarded-For. Setting it requires API keys (the proxy makes remote clients look local); the control API and dashboard are never served through a proxy.'),
    /** Model ids listed by /v1/models (CLAUDE_MODEL is always listed first). */
    GATEWAY_MODELS: csv.default(['sonnet', 'opus', 'haiku']),
    DATA_DIR: z.string().min(1).default(defaultDataDir()),
    /** Working directory of Claude runs; default DATA_DIR/workspace. */
    CLAUDE_CWD: z.string().default(''),
    CLAUDE_ALLOWED_TOOLS: csv.default(['Bash', 'Read', 'Write', 'Edit', 'MultiEdit', 'Glob', 'Grep', 'LS', 'WebFetch', 'WebSearch', 'TodoWrite', 'Task', 'NotebookEdit']),
    CLAUDE_DISALLOWED_TOOLS: csv.default([]),
    CLAUDE_PERMISSION_MODE: z.enum(PERMISSION_MODES).default('default'),
    CLAUDE_MODEL: z.string().min(1).default('sonnet'),
    /** Explicit path to a claude binary; default the one bundled with the Agent SDK. */
    CLAUDE_PATH: z.string().default(''),
    CLAUDE_MAX_TURNS: int(0, 10_000).default(0),
    CLAUDE_RUNTIME: z.enum(['local', 'docker']).default('local'),
    /**
     * What commands in chat workspaces may reach: auto (sandboxed where Claude Code's sandbox can run here, else full
     * with a Health warning), read-only, sandboxed (never falls back: runs fail while the sandbox is unavailable), full.
     */
    DEFAULT_POLICY: z.enum(DEFAULT_POLICY_SETTINGS).default('auto'),
    /** Paths sandboxed and read-only runs may not read, beside ~/.ssh, ~/.aws, Claude's credentials and DATA_DIR. */
    DEFAULT_POLICY_DENY_READ: csv.pipe(z.array(z.string().regex(/^(~\/|\/)/, 'each path must be absolute or start with ~/'))).default([]),
    /** Domains sandboxed commands may reach (wildcards like *.npmjs.org); the model API is always reachable. */
    DEFAULT_POLICY_ALLOWED_DOMAINS: csv.default([]),
    /** Retries of a failed model API call inside Claude Code (CLAUDE_CODE_MAX_RETRIES); '' = Claude Code's own (10). */
    CLAUDE_API_RETRIES: z.union([z.literal(''), int(0, 100)]).default(''),
    REQUEST_TIMEOUT_S: int(1, 86_400).default(300),
    /** SSE comment keep-alive interval while Claude is quiet (tool runs). */
    SSE_KEEPALIVE_S: z.coerce.number().min(0.05).max(300).default(5),
    /** Tool output longer than this (bytes) is truncated in the chat answer (the transcript keeps it whole). */
    TOOL_OUTPUT_MAX_BYTES: int(256, 10_000_000).default(8_000),
    MAX_CONCURRENT_RUNS: int(1, 256).default(4),
    MAX_QUEUED_RUNS: int(0, 10_000).default(32),
    /** Conversations map to Claude Code sessions for this long after their last turn. */
    SESSION_TTL_S: int(60, 30 * 86_400).default(86_400),
    /** Model for OpenWebUI background tasks (titles, tags, follow-ups): one turn, no tools. */
    CLAUDE_TASK_MODEL: z.string().min(1).default('haiku'),
    /** Background tasks run beside the main answers, up to this many at once. */
    MAX_TASK_RUNS: int(1, 64).default(2),
    /** Pre-started Claude Code processes kept ready for the next request (each ~250 MB); 0 disables. */
    CLAUDE_SPARE_PROCESSES: int(0, 8).default(1),
    /** How long a run suspended on a client tool call waits for the caller's result before it is ended. */
    CLIENT_TOOL_TIMEOUT_S: int(1, 86_400).default(600),
    /** Runs suspended on client tool calls at once (each keeps its Claude process); the oldest is ended beyond. */
    MAX_SUSPENDED_RUNS: int(1, 1_000).default(16),
    /**
     * Seconds a finished turn's Claude process is kept for the conversation's next turn, which is then written into
     * it (≈40 ms to first token) instead of resuming the session in a new process (≈0.7 s); 0 disables.
     */
    CONVERSATION_KEEPALIVE_S: int(0, 86_400).default(300),
    /** Conversations kept live at once (≈300 MB each), the oldest closed beyond; 0 disables. Default: from free memory. */
    MAX_LIVE_CONVERSATIONS: int(0, 1_000).default(defaultLiveConversations),
    /** How long a tool call outside the allow-list waits for the user's approval in the app before it is denied. */
    APPROVAL_TIMEOUT_S: int(1, 86_400).default(120),
    MAX_BODY_MB: z.coerce.number().min(0.01).max(512).default(25),
    OAUTH_CALLBACK_HOST: z.string().min(1).default('127.0.0.1'),
    OAUTH_CALLBACK_PORT: int(0, 65535).default(8888),
    COMPOSE_FILE: z.string().default(''),
    COMPOSE_PROJECT: z.string().default('claude-code-gateway'),
    COMPOSE_SERVICE: z.string().default('claude'),
    DOCKER_IMAGE: z.string().default('claude-code-gateway-runtime:latest'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'verbose', 'debug', 'silly']).default('info'),
    /**
     * Projects: a JSON array of {name, folder, policy?} (a JSON string of one in the environment). Each is listed by
     * /v1/models as `<model>@<name>` and its runs work in its folder. More can be added in the dashboard.
     */
    PROJECTS: projectListSchema.default([]),
    /** Headless mode: serve the dashboard and print its URL. */
    DASHBOARD: bool.default(true),
  })
  .strict();

export type RawConfig = z.output<typeof configSchema>;

export interface Config extends RawConfig {
  /** Resolved absolute working directory for Claude runs. */
  claudeCwd: string;
}

export const CONFIG_KEYS = Object.keys(configSchema.shape) as Array<keyof RawConfig>;
/** Keys whose values are secrets: masked when config is read over the control API, never logged. */
export const SECRET_KEYS: ReadonlyArray<keyof RawConfig> = ['GATEWAY_API_KEYS'];
