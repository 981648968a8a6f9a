/**
 * Logs in to an OAuth-protected MCP server without a terminal, and reports each step.
 *
 * How the callback reaches Claude Code (measured with Claude Code 2.1.x, see control-session.ts for the transport):
 * `mcp_authenticate` accepts a `redirectUri`. We pass OUR listener's `http://localhost:<port>/callback`; Claude Code
 * then registers that redirect URI with the provider (dynamic client registration), opens no listener of its own
 * (redirectScheme "custom") and waits for the redirect URL to be submitted with `mcp_oauth_callback_url`. Our
 * listener matches the state and submits it over this same session's control channel (ControlChannelRelay). This is
 * one path for both runtimes — the control channel is the process's stdio, so it reaches Claude Code in the
 * container as well as on the host — and no two processes ever want the same port.
 *
 * Fallback (Claude Code answers redirectScheme "localhost": the server has a pre-registered `oauth.clientId`, or the
 * provider refused our redirect URI): Claude Code listens on MCP_OAUTH_CALLBACK_PORT, which the driver pins per
 * runtime (callback-port.ts): docker → 8888, so the browser lands on our listener and is submitted over the control
 * channel as above; local → a free port ≠ ours, the browser reaches Claude Code directly and we watch mcp_status.
 *
 * Steps: started → waiting_for_browser(authUrl) → code_received → tokens_stored → connected | failed(reason).
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { McpServerStatus } from '@anthropic-ai/claude-agent-sdk';
import type { LoginEvent, LoginSnapshot, LoginStep } from '../contract/mcp-api.ts';
import { claudeCallbackPortEnv } from './callback-port.ts';
import type { AuthenticateResult, ControlSessionFactory, McpControlSession } from './control-session.ts';
import type { ExpectedLogin, OAuthLogger } from './listener.ts';
import { ControlChannelRelay } from './relay.ts';

export interface LoginHandle {
  loginId: string;
  /** Settles (never rejects) when the login is connected or failed. */
  result: Promise<LoginSnapshot>;
}

/** What the driver needs from the callback listener. */
export interface CallbackRegistry {
  /** Our listener's redirect URI, or null when it is not listening (port busy). */
  redirectUri(): string | null;
  /** The bound port (null when not listening). */
  readonly port: number | null;
  expect(login: ExpectedLogin): () => void;
}

export interface LoginDriverOptions {
  runtime: 'local' | 'docker';
  /** Opens a Claude Code control session in the active runtime. */
  sessions: ControlSessionFactory;
  listener: CallbackRegistry;
  /** The configured OAUTH_CALLBACK_PORT (used to pin Claude Code's port in docker even if our listener failed). */
  callbackPort: number;
  /** Opens the authorization URL (Electron: shell.openExternal; headless: log it). Errors are logged, not fatal. */
  openUrl?: (url: string) => void | Promise<void>;
  /** How long the user has in the browser, from waiting_for_browser on; default 5 minutes (the listener's state lifetime). */
  timeoutMs?: number;
  /** How long Claude Code may take to start and answer mcp_authenticate; default 90 s. */
  startTimeoutMs?: number;
  /** How often mcp_status is polled while Claude Code's own listener waits (fallback path). */
  pollMs?: number;
  log?: OAuthLogger;
}

const KEEP = 20;

class LoginFailure extends Error {}

export class McpLoginDriver extends EventEmitter<{ event: [LoginEvent] }> {
  private readonly logins = new Map<string, LoginSnapshot>();
  private readonly active = new Map<string, { loginId: string; cancel: (reason: string) => void }>();

  constructor(private readonly opts: LoginDriverOptions) {
    super();
  }

  /** Starts a login; a login already running for the same server is cancelled first. */
  start(serverName: string): LoginHandle {
    this.active.get(serverName)?.cancel('superseded by a new sign-in');
    const loginId = crypto.randomUUID();
    const snap: LoginSnapshot = { loginId, serverName, startedAt: Date.now(), step: 'started', authUrl: null, reason: null, done: false, events: [] };
    this.logins.set(loginId, snap);
    for (const id of [...this.logins.keys()].slice(0, Math.max(0, this.logins.size - KEEP))) {
      if (this.logins.get(id)?.done) this.logins.delete(id);
    }
    let cancel!: (reason: string) => void;
    const cancelled = new Promise<never>((_, reject) => {
      cancel = (reason) => reject(new LoginFailure(reason));
    });
    cancelled.catch(() => {});
    this.active.set(serverName, { loginId, cancel });
    const result = this.run(snap, cancelled).finally(() => {
      if (this.active.get(serverName)?.loginId === loginId) this.active.delete(serverName);
    });
    return { loginId, result };
  }

  /** Cancels the running login of a server (or by login id). Returns whether one was running. */
  cancel(serverNameOrLoginId: string, reason = 'cancelled'): boolean {
    for (const [server, a] of this.active) {
      if (server === serverNameOrLoginId || a.loginId === serverNameOrLoginId) {
        a.cancel(reason);
        return true;
      }
    }
    return false;
  }

  get(loginId: string): LoginSnapshot | null {
    return this.logins.get(loginId) ?? null;
  }

  /** Recent logins, newest first. */
  list(): LoginSnapshot[] {
    return [...this.logins.values()].reverse();
  }

  /** Cancels every running login. */
  close(): void {
    for (const a of this.active.values()) a.cancel('the app is shutting down');
  }

  private emitStep(snap: LoginSnapshot, step: LoginStep): void {
    const event: LoginEvent = { ...step, loginId: snap.loginId, serverName: snap.serverName, at: Date.now() };
    snap.events.push(event);
    snap.step = step.step;
    if (step.step === 'waiting_for_browser') snap.authUrl = step.authUrl;
    if (step.step === 'failed') snap.reason = step.reason;
    if (step.step === 'failed' || step.step === 'connected') snap.done = true;
    this.opts.log?.info(`[oauth] ${snap.serverName}: ${step.step}${step.step === 'failed' ? ` — ${step.reason}` : ''}`);
    this.emit('event', event);
  }

  private async run(snap: LoginSnapshot, cancelled: Promise<never>): Promise<LoginSnapshot> {
    const name = snap.serverName;
    const timeoutMs = this.opts.timeoutMs ?? 5 * 60_000;
    let session: McpControlSession | null = null;
    let opening: Promise<McpControlSession> | null = null;
    let withdraw: (() => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    let poll: NodeJS.Timeout | null = null;
    this.emitStep(snap, { step: 'started' });
    let expire!: (reason: string) => void;
    const timedOut = new Promise<never>((_, reject) => {
      expire = (reason) => reject(new LoginFailure(reason));
    });
    timedOut.catch(() => {});
    const startTimeoutMs = this.opts.startTimeoutMs ?? 90_000;
    timer = setTimeout(() => expire(`Claude Code did not start the sign-in within ${Math.round(startTimeoutMs / 1000)} s`), startTimeoutMs);
    try {
      const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, cancelled, timedOut, ...(session ? [session.ended.then((): never => { throw new LoginFailure(`Claude Code exited during the sign-in${session?.stderrTail() ? `: ${session.stderrTail()}` : ''}`); })] : [])]);

      const pinned = await claudeCallbackPortEnv(this.opts.runtime, this.opts.listener.port ?? this.opts.callbackPort);
      opening = this.opts.sessions(pinned);
      session = await guard(opening);
      const redirectUri = this.opts.listener.redirectUri();
      const auth: AuthenticateResult = await guard(session.authenticate(name, redirectUri));

      if (!auth.authUrl || auth.requiresUserAction === false) {
        // Already authorized (valid tokens): just make sure it is connected.
        return await this.finish(snap, session, guard);
      }

      // Resolved by the relay once Claude Code stored tokens; rejected with the provider's / exchange's reason.
      let settle!: { ok: () => void; fail: (reason: string) => void };
      const exchanged = new Promise<void>((resolve, reject) => {
        settle = { ok: resolve, fail: (reason) => reject(new LoginFailure(reason)) };
      });
      exchanged.catch(() => {});
      const active = session;
      const relay = new ControlChannelRelay(`Claude Code control channel (${this.opts.runtime})`, async (url) => {
        const u = new URL(url);
        const providerError = u.searchParams.get('error');
        if (!providerError) this.emitStep(snap, { step: 'code_received' });
        try {
          await active.submitCallbackUrl(name, url);
        } catch (err) {
          const reason = providerError
            ? `the provider refused: ${providerError}${u.searchParams.get('error_description') ? ` — ${u.searchParams.get('error_description')}` : ''}`
            : `token exchange failed: ${err instanceof Error ? err.message : String(err)}`;
          settle.fail(reason);
          throw new Error(reason);
        }
        if (providerError) {
          settle.fail(`the provider refused: ${providerError}`);
          throw new Error(`the provider refused: ${providerError}`);
        }
        this.emitStep(snap, { step: 'tokens_stored' });
        settle.ok();
      });
      if (auth.state) withdraw = this.opts.listener.expect({ state: auth.state, serverName: name, relay, ttlMs: timeoutMs });

      const viaOurs = auth.redirectScheme === 'custom' || (auth.callbackPort !== undefined && auth.callbackPort === this.opts.listener.port && this.opts.runtime === 'docker');
      const shownRedirect = auth.redirectScheme === 'custom' ? redirectUri : auth.callbackPort ? `http://localhost:${auth.callbackPort}/callback` : null;
      clearTimeout(timer);
      timer = setTimeout(() => expire(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for the browser sign-in`), timeoutMs);
      this.emitStep(snap, { step: 'waiting_for_browser', authUrl: auth.authUrl, redirectUri: shownRedirect, via: viaOurs ? 'gateway-listener' : 'claude-listener' });
      if (this.opts.openUrl) {
        Promise.resolve()
          .then(() => this.opts.openUrl?.(auth.authUrl as string))
          .catch((err: unknown) => this.opts.log?.warn(`[oauth] could not open the browser for ${name}; open the link from the dashboard`, err));
      }

      if (!viaOurs) {
        // Claude Code's own listener receives the redirect: it exchanges the code and reconnects by itself.
        const statusConnected = new Promise<void>((resolve) => {
          const tick = async (): Promise<void> => {
            try {
              const row = (await active.status()).find((s) => s.name === name);
              if (row?.status === 'connected') return resolve();
            } catch {
              // session gone: `ended` reports it
            }
            poll = setTimeout(() => void tick(), this.opts.pollMs ?? 1000);
          };
          poll = setTimeout(() => void tick(), this.opts.pollMs ?? 1000);
        });
        await guard(Promise.race([exchanged, statusConnected]));
        if (snap.step === 'waiting_for_browser') this.emitStep(snap, { step: 'tokens_stored' });
      } else {
        await guard(exchanged);
      }
      return await this.finish(snap, session, guard);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (!snap.done) this.emitStep(snap, { step: 'failed', reason });
      return snap;
    } finally {
      if (timer) clearTimeout(timer);
      if (poll) clearTimeout(poll);
      withdraw?.();
      if (session) await session.close();
      // Ended (cancel, timeout) while the process was still starting: close it once it is up.
      else if (opening) void opening.then((s) => s.close(), () => {});
    }
  }

  /** Reconnect so the new tokens are used now, then read the status: connected, or failed with why. */
  private async finish(snap: LoginSnapshot, session: McpControlSession, guard: <T>(p: Promise<T>) => Promise<T>): Promise<LoginSnapshot> {
    const name = snap.serverName;
    let reconnectError: string | null = null;
    try {
      await guard(session.reconnect(name));
    } catch (err) {
      if (err instanceof LoginFailure) throw err;
      reconnectError = err instanceof Error ? err.message : String(err);
    }
    const row: McpServerStatus | undefined = (await guard(session.status())).find((s) => s.name === name);
    if (row?.status === 'connected') {
      this.emitStep(snap, { step: 'connected', tools: (row.tools ?? []).map((t) => t.name) });
    } else {
      const why = row ? `${row.status}${row.error ? `: ${row.error}` : ''}` : 'the server is not configured in this runtime';
      this.emitStep(snap, { step: 'failed', reason: `not connected after sign-in (${why})${reconnectError ? `; reconnect: ${reconnectError}` : ''}` });
    }
    return snap;
  }
}
