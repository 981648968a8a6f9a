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
    GATEWAY_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address the gateway listens on. Anything beyond loopback is refused unless GATEWAY_API_KEYS is set.'),
    GATEWAY_PORT: int(0, 65535).default(8000).describe('Port of /v1, /api, /health and the dashboard.'),
    GATEWAY_API_KEYS: csv
      .default([])
      .describe('Comma-separated bearer keys accepted on /v1, besides the keys created on the dashboard (Settings); none at all = no auth, allowed on loopback only. A secret: masked over the control API, never logged.'),
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
    GATEWAY_MODELS: csv
      .default(['sonnet', 'opus', 'haiku'])
      .describe('Model ids listed by /v1/models (CLAUDE_MODEL is always listed first); any claude-* id is accepted too.'),
    DATA_DIR: z
      .string()
      .min(1)
      .default(defaultDataDir())
      .describe('Where transcripts, logs, the config file, the admin token and the workspace live.')
      .meta({ defaultText: '$XDG_DATA_HOME/claude-code-gateway (~/.local/share/claude-code-gateway)' }),
    CLAUDE_CWD: z
      .string()
      .default('')
      .describe('Holds the chat workspaces (chats/, one folder per conversation) and is the working directory of background tasks; mounted at /workspace in the docker runtime.')
      .meta({ defaultText: 'DATA_DIR/workspace' }),
    CLAUDE_ALLOWED_TOOLS: csv
      .default(['Bash', 'Read', 'Write', 'Edit', 'MultiEdit', 'Glob', 'Grep', 'LS', 'WebFetch', 'WebSearch', 'TodoWrite', 'Task', 'NotebookEdit'])
      .describe('Tools Claude may use without asking (add mcp__<server> for MCP tools); any other tool call waits for your approval in the app. A project whose policy lists allow rules uses those instead.'),
    CLAUDE_DISALLOWED_TOOLS: csv.default([]).describe('Tools taken away from Claude Code entirely.'),
    CLAUDE_PERMISSION_MODE: z
      .enum(PERMISSION_MODES)
      .default('default')
      .describe("Claude Code's permission mode (bypassPermissions is refused by Claude Code when it runs as root)."),
    CLAUDE_MODEL: z.string().min(1).default('sonnet').describe('Default model, listed first by /v1/models.'),
    CLAUDE_PATH: z.string().default('').describe('Explicit path to a claude binary.').meta({ defaultText: 'the one bundled with the Agent SDK' }),
    CLAUDE_MAX_TURNS: int(0, 10_000).default(0).describe('Cap on agentic turns per run (finish_reason "length" when hit); 0 = no limit.'),
    CLAUDE_RUNTIME: z.enum(['local', 'docker']).default('local').describe('Where Claude Code runs: on this machine, or inside the docker compose container.'),
    DEFAULT_POLICY: z
      .enum(DEFAULT_POLICY_SETTINGS)
      .default('auto')
      .describe(
        'What commands in chat workspaces may reach: auto (sandboxed where Claude Code\'s sandbox can run here, else full with a Health warning), read-only, sandboxed (never falls back: runs fail while the sandbox is unavailable), full.',
      ),
    DEFAULT_POLICY_DENY_READ: csv
      .pipe(z.array(z.string().regex(/^(~\/|\/)/, 'each path must be absolute or start with ~/')))
      .default([])
      .describe('Comma-separated paths (absolute or ~/…) sandboxed and read-only runs in chat workspaces may not read, beside ~/.ssh, ~/.aws, Claude\'s credentials and DATA_DIR.'),
    DEFAULT_POLICY_ALLOWED_DOMAINS: csv
      .default([])
      .describe('Comma-separated domains sandboxed commands in chat workspaces may reach (wildcards like *.npmjs.org); the model API always is reachable.'),
    CLAUDE_API_RETRIES: z
      .union([z.literal(''), int(0, 100)])
      .default('')
      .describe("How often Claude Code retries a failed model API call (sets its CLAUDE_CODE_MAX_RETRIES); empty = Claude Code's own (10). Lower it to fail fast when the API is down."),
    REQUEST_TIMEOUT_S: int(1, 86_400).default(300).describe('A run longer than this many seconds is stopped (HTTP 504).'),
    SSE_KEEPALIVE_S: z.coerce
      .number()
      .min(0.05)
      .max(300)
      .default(5)
      .describe("Seconds between keep-alive comments on every SSE stream (/v1 answers, dashboard and sign-in streams) while nothing else is written. Keep it below the shortest client timeout (n8n's restarts on every chunk)."),
    TOOL_OUTPUT_MAX_BYTES: int(256, 10_000_000).default(8_000).describe('Tool output longer than this (bytes) is truncated in the chat answer; the transcript keeps it whole.'),
    MAX_CONCURRENT_RUNS: int(1, 256).default(4).describe('Claude runs at once; more wait in the queue.'),
    MAX_QUEUED_RUNS: int(0, 10_000).default(32).describe('Requests waiting for a run slot; beyond, HTTP 429 with retry-after.'),
    SESSION_TTL_S: int(60, 30 * 86_400)
      .default(86_400)
      .describe('Seconds a conversation stays mapped to its Claude Code session after its last turn, a "for this conversation" approval is kept, and an unused, unpinned chat workspace is kept.'),
    CLAUDE_TASK_MODEL: z.string().min(1).default('haiku').describe('Model for OpenWebUI background tasks (titles, tags, follow-ups, queries): one turn, no tools.'),
    MAX_TASK_RUNS: int(1, 64).default(2).describe('Background tasks run beside the main answers, up to this many at once.'),
    CLAUDE_SPARE_PROCESSES: int(0, 8)
      .default(1)
      .describe('Pre-started Claude Code processes kept ready for the next request (each ≈250 MB), replaced when MCP servers, their sign-ins or the Claude credential change; 0 disables.'),
    CLIENT_TOOL_TIMEOUT_S: int(1, 86_400)
      .default(600)
      .describe("Seconds a run suspended on the caller's own functions (client tools) waits for their results before it is ended."),
    MAX_SUSPENDED_RUNS: int(1, 1_000)
      .default(16)
      .describe('Runs waiting for client tool results at once (each keeps its Claude process); the oldest is ended beyond.'),
    CONVERSATION_KEEPALIVE_S: int(0, 86_400)
      .default(300)
      .describe(
        "Seconds a finished turn's Claude process is kept for the conversation's next turn, which is then written into it (≈40 ms to first token) instead of resuming the session in a new process (≈0.7 s); 0 disables.",
      ),
    MAX_LIVE_CONVERSATIONS: int(0, 1_000)
      .default(defaultLiveConversations)
      .describe('Idle kept conversation processes at once (≈300 MB each); the oldest is closed beyond; 0 disables.')
      .meta({ defaultText: 'half the free memory at start ÷ 300 MB (at least 1)' }),
    APPROVAL_TIMEOUT_S: int(1, 86_400)
      .default(120)
      .describe('Seconds a tool call outside the allow-list waits for your approval in the app before it is denied.'),
    MAX_BODY_MB: z.coerce.number().min(0.01).max(512).default(25).describe('Request body limit in MB (HTTP 413 beyond).'),
    OAUTH_CALLBACK_HOST: z.string().min(1).default('127.0.0.1').describe("Address of the MCP OAuth callback listener."),
    OAUTH_CALLBACK_PORT: int(0, 65535).default(8888).describe('Port of the MCP OAuth callback listener (redirect URI http://localhost:<port>/callback).'),
    COMPOSE_FILE: z
      .string()
      .default('')
      .describe('Docker runtime: compose file(s), separated by ":" (";" on Windows), e.g. docker/compose.yaml:docker/compose.hostnet.yaml; keep docker/compose.yaml first.')
      .meta({ defaultText: 'the shipped docker/compose.yaml' }),
    COMPOSE_PROJECT: z.string().default('claude-code-gateway').describe('Docker runtime: compose project name.'),
    COMPOSE_SERVICE: z.string().default('claude').describe('Docker runtime: the compose service Claude Code runs in.'),
    DOCKER_IMAGE: z.string().default('claude-code-gateway-runtime:latest').describe('Docker runtime: the image the compose service uses (built by Up when missing).'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'verbose', 'debug', 'silly']).default('info').describe('Least severe level written to the console and DATA_DIR/logs/gateway.log.'),
    PROJECTS: projectListSchema
      .default([])
      .describe(
        'Projects: a JSON array of {name, folder, policy?} (in the environment, the same JSON as a string). Each is listed by /v1/models as <model>@<name> and its runs work in its folder. More can be added in the dashboard.',
      ),
    DASHBOARD: bool.default(true).describe('Headless mode: serve the dashboard at / and print its URL.'),
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
