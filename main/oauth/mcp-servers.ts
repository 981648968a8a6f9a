/**
 * The runtime's MCP servers: list (with live status and token expiry), add, remove, log out — through the runtime's
 * own `claude mcp …` commands, so what we show is what Claude Code itself sees. Config details (client id, scope)
 * and token expiry come from Claude Code's files (`.claude.json`, `.credentials.json` under CLAUDE_CONFIG_DIR).
 * Both go through a small `ClaudeCli` seam: local = the bundled binary with the runtime's HOME/CLAUDE_CONFIG_DIR;
 * docker = `docker compose exec` (supplied by the docker runtime).
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { LoginEvent, McpActionResult, McpServerInfo, McpStatus, McpTransport } from '../contract/mcp-api.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClaudeCli {
  /** Runs `claude <args>` in the runtime; never rejects for a non-zero exit (see `code`). */
  run(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** Reads one of Claude Code's files in the runtime; null when absent. */
  readFile(which: 'config' | 'credentials'): Promise<string | null>;
}

export interface LocalCliOptions {
  claudePath: string;
  /** Full env of the claude process (HOME / CLAUDE_CONFIG_DIR decide which config is used). */
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Where Claude Code keeps its files for a given env (Linux/Windows layout; macOS keeps tokens in the keychain). */
export function claudeFiles(env: Record<string, string | undefined>): { config: string; credentials: string } {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const dir = env.CLAUDE_CONFIG_DIR;
  return dir
    ? { config: path.join(dir, '.claude.json'), credentials: path.join(dir, '.credentials.json') }
    : { config: path.join(home, '.claude.json'), credentials: path.join(home, '.claude', '.credentials.json') };
}

export function localClaudeCli(opts: LocalCliOptions): ClaudeCli {
  const files = claudeFiles(opts.env);
  return {
    run: (args, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        execFile(opts.claudePath, args, { env: opts.env as NodeJS.ProcessEnv, cwd: opts.cwd, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && !stdout ? err.message : '') });
        });
      }),
    readFile: async (which) => {
      try {
        return await fs.readFile(files[which], 'utf8');
      } catch {
        return null;
      }
    },
  };
}

/** An add/remove/logout: the contract's success, or why it failed (answered as the /api error body). */
export type McpActionOutcome = McpActionResult | { ok: false; error: string };

export interface AddMcpServer {
  name: string;
  url: string;
  transport: 'http' | 'sse';
  clientId?: string;
  /** Pin Claude Code's callback port for providers that need a pre-registered redirect URI. */
  callbackPort?: number;
  /** Default 'user' so every run (any working directory) sees it. */
  scope?: 'user' | 'local';
}

export const serverNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only (max 64)');
export const addMcpServerSchema = z.object({
  name: serverNameSchema,
  url: z.string().url().refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
  transport: z.enum(['http', 'sse']).default('http'),
  clientId: z.string().min(1).max(512).optional(),
  callbackPort: z.number().int().min(1).max(65535).optional(),
  scope: z.enum(['user', 'local']).default('user'),
});

/** One line of `claude mcp list`: `NAME: TARGET (HTTP) - ✔ Connected`. */
export interface ListedServer {
  name: string;
  target: string;
  transport: McpTransport;
  status: McpStatus;
  statusDetail: string | null;
}

export function parseStatus(text: string): { status: McpStatus; detail: string | null } {
  const t = text.trim();
  const after = t.split(/\s+—\s+|\s+-\s+/).slice(1).join(' — ').trim() || null;
  if (/✔|\bconnected\b/i.test(t) && !/failed|not connected/i.test(t)) return { status: 'connected', detail: null };
  if (/needs authentication|needs auth/i.test(t)) return { status: 'needs-auth', detail: null };
  if (/⏸|pending approval/i.test(t)) return { status: 'pending', detail: 'Pending approval' };
  if (/rejected/i.test(t)) return { status: 'disabled', detail: 'Rejected' };
  if (/disabled/i.test(t)) return { status: 'disabled', detail: after ?? 'Disabled' };
  if (/✘|failed/i.test(t)) return { status: 'failed', detail: after ?? t.replace(/^✘\s*/, '') };
  return { status: 'unknown', detail: t || null };
}

export function parseMcpList(stdout: string): ListedServer[] {
  const out: ListedServer[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    const m = /^([A-Za-z0-9_.-]+): (.+?) - (\S.*)$/.exec(line);
    if (!m) continue;
    let target = m[2];
    let transport: McpTransport = 'stdio';
    const t = /^(.*) \((HTTP|SSE|WS|WebSocket|STDIO)\)$/i.exec(target);
    if (t) {
      target = t[1];
      const kind = t[2].toLowerCase();
      transport = kind === 'http' ? 'http' : kind === 'sse' ? 'sse' : kind === 'stdio' ? 'stdio' : 'ws';
    }
    const { status, detail } = parseStatus(m[3]);
    out.push({ name: m[1], target, transport, status, statusDetail: detail });
  }
  return out;
}

const serverConfigSchema = z
  .object({
    type: z.string().optional(),
    url: z.string().optional(),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    oauth: z.object({ clientId: z.string().optional(), callbackPort: z.number().optional() }).partial().optional(),
  })
  .passthrough();
type ServerConfig = z.infer<typeof serverConfigSchema>;
const configFileSchema = z
  .object({
    mcpServers: z.record(z.string(), serverConfigSchema).optional(),
    projects: z.record(z.string(), z.object({ mcpServers: z.record(z.string(), serverConfigSchema).optional() }).passthrough()).optional(),
  })
  .passthrough();
const credentialsSchema = z
  .object({
    mcpOAuth: z
      .record(
        z.string(),
        z
          .object({
            serverName: z.string().optional(),
            serverUrl: z.string().optional(),
            accessToken: z.string().optional(),
            refreshToken: z.string().optional(),
            expiresAt: z.number().optional(),
            scope: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

function parseJson<T>(text: string | null, schema: z.ZodType<T>): T | null {
  if (!text) return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export interface McpServersOptions {
  cli: ClaudeCli;
  /** Working directory runs use (local-scope servers are per project directory). */
  cwd: string;
  now?: () => number;
}

/**
 * How long names() answers from what it read last without reading again. Every request asks (to allow
 * `mcp__<name>`), and reading the config is a `docker exec` in the docker runtime (≈ 0.1 s) and a parse of a file
 * that grows with every chat folder locally. After that a request still gets the last names at once while a new read
 * starts in the background: a server added with `claude mcp add` in a terminal counts a few seconds later (from the
 * first request after that read). One added or removed in the app (`changed`) counts from the next request.
 */
export const MCP_NAMES_FRESH_MS = 3_000;

export class McpServers extends EventEmitter<{ changed: [] }> {
  private namesRead: { at: number; names: Promise<string[]> } | null = null;
  private namesReading: { epoch: number; names: Promise<string[]> } | null = null;
  /** Bumped by `changed`: a read begun before a change neither answers after it nor is kept. */
  private namesEpoch = 0;

  constructor(private readonly opts: McpServersOptions) {
    super();
    this.on('changed', () => {
      this.namesEpoch++;
      this.namesRead = null;
    });
  }

  /** Re-emit `changed` when a login ends, so the dashboard refreshes the status without a restart. */
  watchLogins(driver: EventEmitter<{ event: [LoginEvent] }>): void {
    driver.on('event', (e) => {
      if (e.step === 'connected' || e.step === 'failed') this.emit('changed');
    });
  }

  /**
   * Names of the servers configured for runs (user scope + this project's local scope), read from Claude Code's
   * config file without a health check, and read again at most once per MCP_NAMES_FRESH_MS (see there).
   */
  names(): Promise<string[]> {
    const now = (this.opts.now ?? Date.now)();
    const last = this.namesRead;
    if (last && now - last.at >= MCP_NAMES_FRESH_MS) this.refreshNames(now);
    return last ? last.names : this.refreshNames(now);
  }

  /** One read at a time; a failed read is not kept (the next request reads again). */
  private refreshNames(now: number): Promise<string[]> {
    const epoch = this.namesEpoch;
    if (this.namesReading?.epoch === epoch) return this.namesReading.names;
    const names = this.readNames();
    const reading = { epoch, names };
    this.namesReading = reading;
    const settle = (ok: boolean): void => {
      if (this.namesReading === reading) this.namesReading = null;
      if (ok && epoch === this.namesEpoch) this.namesRead = { at: now, names };
    };
    names.then(() => settle(true), () => settle(false));
    return names;
  }

  private async readNames(): Promise<string[]> {
    const config = parseJson(await this.opts.cli.readFile('config'), configFileSchema);
    return [...new Set([...Object.keys(config?.mcpServers ?? {}), ...Object.keys(config?.projects?.[this.opts.cwd]?.mcpServers ?? {})])];
  }

  async list(): Promise<McpServerInfo[]> {
    // Files are read after the CLI: its health check may refresh tokens and rewrite the credentials.
    const listed = await this.opts.cli.run(['mcp', 'list'], 120_000);
    const [configText, credText] = await Promise.all([this.opts.cli.readFile('config'), this.opts.cli.readFile('credentials')]);
    if (listed.code !== 0 && !listed.stdout.trim()) throw new Error(`claude mcp list failed: ${(listed.stderr || listed.stdout).trim().slice(0, 500)}`);
    const config = parseJson(configText, configFileSchema);
    const creds = parseJson(credText, credentialsSchema);
    const user = config?.mcpServers ?? {};
    const local = config?.projects?.[this.opts.cwd]?.mcpServers ?? {};
    const tokens = Object.values(creds?.mcpOAuth ?? {});
    return parseMcpList(listed.stdout).map((s): McpServerInfo => {
      const cfg: ServerConfig | undefined = local[s.name] ?? user[s.name];
      const scope = local[s.name] ? 'local' : user[s.name] ? 'user' : 'project';
      const isRemote = s.transport === 'http' || s.transport === 'sse' || s.transport === 'ws';
      const url = isRemote ? cfg?.url ?? s.target : null;
      const tok = isRemote ? tokens.find((t) => t.serverName === s.name && (!url || !t.serverUrl || t.serverUrl === url)) : undefined;
      return {
        name: s.name,
        transport: s.transport,
        url,
        command: isRemote ? null : s.target,
        status: s.status,
        statusDetail: s.statusDetail,
        scope,
        clientId: cfg?.oauth?.clientId ?? null,
        callbackPort: cfg?.oauth?.callbackPort ?? null,
        oauth: tok ? { hasTokens: Boolean(tok.accessToken), expiresAt: tok.accessToken ? tok.expiresAt ?? null : null, hasRefreshToken: Boolean(tok.refreshToken), scope: tok.scope ?? null } : null,
      };
    });
  }

  async add(input: AddMcpServer): Promise<McpActionOutcome> {
    const parsed = addMcpServerSchema.safeParse(input);
    if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const a = parsed.data;
    const args = ['mcp', 'add', '--transport', a.transport, '--scope', a.scope];
    if (a.clientId) args.push('--client-id', a.clientId);
    if (a.callbackPort) args.push('--callback-port', String(a.callbackPort));
    args.push(a.name, a.url);
    return this.act(args, `added ${a.name}`);
  }

  async remove(name: string): Promise<McpActionOutcome> {
    const n = serverNameSchema.safeParse(name);
    if (!n.success) return { ok: false, error: `name: ${n.error.issues[0]?.message}` };
    return this.act(['mcp', 'remove', n.data], `removed ${n.data}`);
  }

  /** Forgets the stored tokens (Claude Code's `mcp logout`); the server then needs auth again. */
  async logout(name: string): Promise<McpActionOutcome> {
    const n = serverNameSchema.safeParse(name);
    if (!n.success) return { ok: false, error: `name: ${n.error.issues[0]?.message}` };
    return this.act(['mcp', 'logout', n.data], `logged out of ${n.data}`);
  }

  private async act(args: string[], done: string): Promise<McpActionOutcome> {
    const r = await this.opts.cli.run(args);
    if (r.code !== 0) return { ok: false, error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') || `claude ${args.join(' ')} exited ${r.code}` };
    this.emit('changed');
    return { ok: true, message: r.stdout.trim().split('\n')[0] || done };
  }
}
