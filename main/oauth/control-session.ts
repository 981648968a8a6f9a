/**
 * A Claude Code process held open in stream-json input mode, used only for its MCP control requests
 * (mcp_authenticate, mcp_oauth_callback_url, mcp_reconnect, mcp_status, mcp_clear_auth). No user turn is ever
 * sent, so no model call is made.
 *
 * Why the Agent SDK's query() and not `claude mcp login` under a pseudo-terminal: the SDK already speaks the
 * stream-json control protocol, correlates request ids, surfaces errors as rejections and accepts the docker
 * runtime's spawn hook, so the same code drives a local or a containerised Claude Code; a PTY would need a native
 * module (node-pty), scraping of human-oriented output, and a terminal inside the container. The OAuth methods exist
 * in sdk.mjs (mcpAuthenticate, mcpSubmitOAuthCallbackUrl, mcpClearAuth) but are not declared in its .d.ts yet, so
 * they are typed here by a narrow interface and checked at runtime before use.
 */
import { query, type McpServerStatus, type Options, type Query, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';
import type { ProcessTracker } from '../claude/orphans.ts';
import { isAlive, killTree, spawnInOwnGroup } from '../claude/process-tree.ts';
import type { SpawnHook } from '../claude/runtime.ts';

/** mcp_authenticate's answer (Claude Code 2.1.x). */
export const authenticateResultSchema = z.object({
  authUrl: z.string().optional(),
  requiresUserAction: z.boolean().optional(),
  callbackExpected: z.boolean().optional(),
  /** 'custom' = our redirect URI was accepted and Claude Code opened no listener; 'localhost' = its own listener on callbackPort. */
  redirectScheme: z.enum(['custom', 'localhost']).optional(),
  state: z.string().optional(),
  callbackPort: z.number().optional(),
});
export type AuthenticateResult = z.infer<typeof authenticateResultSchema>;

/** The undeclared methods of the SDK's Query we use, exactly as sdk.mjs defines them. */
interface QueryOAuthMethods {
  mcpAuthenticate(serverName: string, redirectUri?: string, options?: { redirectUriOnly?: boolean }): Promise<unknown>;
  mcpSubmitOAuthCallbackUrl(serverName: string, callbackUrl: string): Promise<unknown>;
  mcpClearAuth(serverName: string): Promise<unknown>;
}

function hasOAuthMethods(q: Query): q is Query & QueryOAuthMethods {
  const r = q as unknown as Record<string, unknown>;
  return typeof r.mcpAuthenticate === 'function' && typeof r.mcpSubmitOAuthCallbackUrl === 'function' && typeof r.mcpClearAuth === 'function';
}

export interface McpControlSession {
  authenticate(serverName: string, redirectUri: string | null): Promise<AuthenticateResult>;
  /** Resolves once Claude Code exchanged the code and stored tokens; rejects with the provider's / exchange's error. */
  submitCallbackUrl(serverName: string, callbackUrl: string): Promise<void>;
  reconnect(serverName: string): Promise<void>;
  status(): Promise<McpServerStatus[]>;
  clearAuth(serverName: string): Promise<void>;
  /** Resolves when the Claude process ended (closed, crashed, or killed). */
  readonly ended: Promise<void>;
  /** Last stderr lines, for error messages. */
  stderrTail(): string;
  /** Ends the process; resolves once it is gone (at most a few seconds). */
  close(): Promise<void>;
}

/** Opens a session; `extraEnv` is laid over the factory's env (the driver pins MCP_OAUTH_CALLBACK_PORT through it). */
export type ControlSessionFactory = (extraEnv?: Record<string, string>) => Promise<McpControlSession>;

export interface SdkControlSessionOptions {
  /** Claude Code binary; default the SDK's own resolution (the bundled one). */
  claudePath?: string | null;
  /** Full environment of the Claude process (HOME, CLAUDE_CONFIG_DIR, ANTHROPIC_*, MCP_OAUTH_CALLBACK_PORT…). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** The docker runtime's spawn hook, to run Claude Code inside the container. */
  spawnHook?: SpawnHook;
  /** Lists the local process while it lives (crash recovery, see claude/orphans.ts). */
  tracker?: ProcessTracker;
}

export function sdkControlSessionFactory(opts: SdkControlSessionOptions): ControlSessionFactory {
  return async (extraEnv = {}) => {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    // Streaming input that never yields a user turn: the process stays up for control requests until close().
    async function* noTurns(): AsyncGenerator<SDKUserMessage> {
      await released;
    }
    const stderr: string[] = [];
    const onStderr = (d: string): void => {
      for (const line of d.split('\n')) if (line.trim()) stderr.push(line);
      if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
    };
    // Locally we spawn the process ourselves (own process group) so close() can wait for its exit and kill its tree.
    let child: ChildProcess | null = null;
    let exited: Promise<void> | null = null;
    const spawnLocal: SpawnHook = (o) =>
      spawnInOwnGroup(o, (c) => {
        child = c;
        opts.tracker?.track(c);
        exited = new Promise((r) => c.once('exit', () => r()));
        c.stderr?.setEncoding('utf8');
        c.stderr?.on('data', onStderr);
      });
    const options: Options = {
      cwd: opts.cwd,
      env: { ...opts.env, ...extraEnv },
      stderr: onStderr,
      spawnClaudeCodeProcess: opts.spawnHook ?? spawnLocal,
      ...(opts.claudePath ? { pathToClaudeCodeExecutable: opts.claudePath } : {}),
    };
    const q = query({ prompt: noTurns(), options });
    if (!hasOAuthMethods(q)) {
      release();
      q.close();
      throw new Error('this Agent SDK version lacks mcpAuthenticate/mcpSubmitOAuthCallbackUrl/mcpClearAuth');
    }
    // Drain messages (init, status lines) so the SDK's queue never blocks; the loop ends with the process.
    const ended = (async () => {
      try {
        for await (const _m of q) {
          // nothing to do with them
        }
      } catch {
        // process died or was closed: callers see it through `ended` and rejected requests
      }
    })();
    let closed = false;
    const close = async (): Promise<void> => {
      if (!closed) {
        closed = true;
        release();
        try {
          q.close();
        } catch {
          // already gone
        }
      }
      // Wait for the process so nothing writes into its HOME after the caller moves on.
      const wait = (ms: number): Promise<void> => Promise.race([exited ?? ended, new Promise<void>((r) => setTimeout(r, ms).unref())]);
      await wait(3_000);
      const c = child as ChildProcess | null;
      if (c?.pid && isAlive(c.pid) && c.exitCode === null) {
        killTree(c, 500);
        await wait(2_000);
      }
    };
    return {
      async authenticate(serverName, redirectUri) {
        return authenticateResultSchema.parse((await q.mcpAuthenticate(serverName, redirectUri ?? undefined)) ?? {});
      },
      async submitCallbackUrl(serverName, callbackUrl) {
        await q.mcpSubmitOAuthCallbackUrl(serverName, callbackUrl);
      },
      reconnect: (serverName) => q.reconnectMcpServer(serverName),
      status: () => q.mcpServerStatus(),
      async clearAuth(serverName) {
        await q.mcpClearAuth(serverName);
      },
      ended,
      stderrTail: () => stderr.slice(-10).join('\n'),
      close,
    };
  };
}
