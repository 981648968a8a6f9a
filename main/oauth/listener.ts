/**
 * The OAuth callback listener (default 127.0.0.1:8888). Providers redirect the browser to
 * `http://localhost:<port>/callback?code=…&state=…`; we match `state` to a login we know about and hand the full
 * redirect URL to the Claude Code process waiting for it, through that login's CallbackRelay.
 *
 * - Logins our driver starts call `expect()` (state → relay). Logins started by other tools are registered with
 *   `POST /oauth/register` (admin token). In the docker runtime, logins a user starts inside the container (`/mcp`)
 *   are unknown to us: the composition root may pass `unknownStateRelay` (the container's listener, which checks
 *   the state itself); otherwise an unknown state is an error page.
 * - Each state is relayed at most once: the entry is consumed before relaying, and consumed states are remembered,
 *   so a replayed callback gets an error page and nothing is relayed.
 * - A provider `error=` is relayed too (so the waiting Claude Code flow ends at once instead of timing out) and the
 *   page shows the provider's reason.
 * - A busy port never throws: start() resolves with status `error` naming the owner when knowable.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ListenerHealth, ListenerStatus } from '../contract/mcp-api.ts';
import { renderCallbackPage, type CallbackPage } from './pages.ts';
import { describeOwner, findPortOwner } from './port-owner.ts';
import { localRelayFactory, relayTargetSchema, type CallbackRelay, type RelayFactory } from './relay.ts';

export const DEFAULT_STATE_TTL_MS = 5 * 60_000;

export interface OAuthLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
const silentLogger: OAuthLogger = { info: () => {}, warn: () => {}, error: () => {} };

export interface CallbackListenerOptions {
  host: string;
  /** 0 = any free port (tests). */
  port: number;
  /** Admin-token check for POST /oauth/register (the composition root's). Absent = the register API answers 403. */
  checkAdminToken?: (token: string | null) => boolean;
  /** Builds relays for registered targets. Default: local targets only. The docker runtime passes its own. */
  relayFactory?: RelayFactory;
  /** Where a callback with an unknown state goes (docker runtime: Claude Code's listener in the container). */
  unknownStateRelay?: CallbackRelay | null;
  /** Human description of where callbacks go, for /health (e.g. "local Claude Code", "container claude"). */
  relayTarget?: string;
  /** Default 5 minutes. */
  stateTtlMs?: number;
  /** How long a relay may take (the token exchange happens inside it). Default 60 s. */
  relayTimeoutMs?: number;
  log?: OAuthLogger;
}

export interface ExpectedLogin {
  state: string;
  serverName: string;
  relay: CallbackRelay;
  /** Default: the listener's stateTtlMs. */
  ttlMs?: number;
}

export type CallbackOutcome =
  | { kind: 'relayed'; detail: string | null }
  | { kind: 'relay_failed'; reason: string }
  | { kind: 'provider_error'; error: string; description: string | null }
  | { kind: 'unknown_state' }
  | { kind: 'expired' }
  | { kind: 'replayed' }
  | { kind: 'missing_state' };

export interface CallbackEvent {
  at: number;
  state: string | null;
  serverName: string | null;
  outcome: CallbackOutcome;
}

interface Pending {
  state: string;
  serverName: string | null;
  relay: CallbackRelay;
  createdAt: number;
  expiresAt: number;
  source: 'app' | 'registered';
}

const registerBodySchema = z.object({
  state: z.string().min(8).max(512),
  serverName: z.string().max(200).optional(),
  target: relayTargetSchema,
  ttlS: z.number().int().min(1).max(3600).optional(),
});

/** Bounded memory of consumed/expired states so replays are recognised without growing forever. */
const MAX_REMEMBERED = 2000;

export class OAuthCallbackListener extends EventEmitter<{ callback: [CallbackEvent]; status: [ListenerHealth] }> {
  private server: http.Server | null = null;
  private status: ListenerStatus = 'stopped';
  private error: string | null = null;
  private boundPort: number | null = null;
  private readonly pending = new Map<string, Pending>();
  /** state → why it can no longer be used. */
  private readonly spent = new Map<string, { reason: 'used' | 'expired'; serverName: string | null }>();
  private completed = 0;
  private failed = 0;
  private readonly ttlMs: number;
  private readonly log: OAuthLogger;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CallbackListenerOptions) {
    super();
    this.ttlMs = opts.stateTtlMs ?? DEFAULT_STATE_TTL_MS;
    this.log = opts.log ?? silentLogger;
  }

  /** Resolves with the health once listening or failed; never rejects (a busy port must not stop the app). */
  async start(): Promise<ListenerHealth> {
    if (this.server) return this.health();
    this.setStatus('starting', null);
    const server = http.createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => {
        this.log.error('[oauth] callback handler failed', err);
        if (!res.headersSent) this.page(res, 500, { ok: false, heading: 'Callback failed', message: 'The gateway hit an internal error handling this sign-in.', next: 'Start the sign-in again from the dashboard.', detail: String(err) });
        else res.end();
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      let message: string;
      if (code === 'EADDRINUSE') message = `port ${this.opts.port} in use by ${describeOwner(await findPortOwner(this.opts.port))}`;
      else if (code === 'EACCES') message = `port ${this.opts.port} not allowed (permission denied)`;
      else message = `cannot listen on ${this.opts.host}:${this.opts.port}: ${(err as Error).message}`;
      this.log.error(`[oauth] callback listener: ${message}`);
      this.setStatus('error', message);
      return this.health();
    }
    server.on('error', (err) => this.log.error('[oauth] callback listener error', err));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.sweepTimer = setInterval(() => this.sweep(), 30_000);
    this.sweepTimer.unref();
    this.log.info(`[oauth] callback listener on http://${this.opts.host}:${this.boundPort}/callback`);
    this.setStatus('listening', null);
    return this.health();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const server = this.server;
    this.server = null;
    this.boundPort = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.setStatus('stopped', null);
  }

  /** The port actually bound (null unless listening). */
  get port(): number | null {
    return this.boundPort;
  }

  /** What providers must redirect to: Claude Code's own path on localhost (the only host/path it can register). */
  redirectUri(): string | null {
    return this.boundPort === null ? null : `http://localhost:${this.boundPort}/callback`;
  }

  /** Announces a login: the callback carrying `state` goes to `relay`, once. Returns a function that withdraws it. */
  expect(login: ExpectedLogin): () => void {
    const now = Date.now();
    this.pending.set(login.state, { state: login.state, serverName: login.serverName, relay: login.relay, createdAt: now, expiresAt: now + (login.ttlMs ?? this.ttlMs), source: 'app' });
    this.emitStatus();
    return () => {
      if (this.pending.get(login.state)?.relay === login.relay) {
        this.pending.delete(login.state);
        this.remember(login.state, 'expired', login.serverName);
        this.emitStatus();
      }
    };
  }

  health(): ListenerHealth {
    const now = Date.now();
    return {
      status: this.status,
      error: this.error,
      host: this.opts.host,
      port: this.opts.port,
      boundPort: this.boundPort,
      redirectUri: this.redirectUri(),
      pendingLogins: [...this.pending.values()]
        .filter((p) => p.expiresAt > now)
        .map((p) => ({ serverName: p.serverName ?? '(unnamed)', relay: p.relay.target, ageS: Math.round((now - p.createdAt) / 1000), expiresInS: Math.max(0, Math.round((p.expiresAt - now) / 1000)), source: p.source })),
      completed: this.completed,
      failed: this.failed,
      relayTarget: this.opts.relayTarget ?? 'local Claude Code',
    };
  }

  private setStatus(status: ListenerStatus, error: string | null): void {
    this.status = status;
    this.error = error;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit('status', this.health());
  }

  private remember(state: string, reason: 'used' | 'expired', serverName: string | null): void {
    this.spent.set(state, { reason, serverName });
    if (this.spent.size > MAX_REMEMBERED) {
      const oldest = this.spent.keys().next().value;
      if (oldest !== undefined) this.spent.delete(oldest);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of this.pending.values()) {
      if (p.expiresAt <= now) {
        this.pending.delete(p.state);
        this.remember(p.state, 'expired', p.serverName);
      }
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (req.method === 'GET' && (url.pathname === '/callback' || url.pathname === '/oauth/callback')) return this.handleCallback(url, res);
    if (req.method === 'GET' && url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(this.health()));
      return;
    }
    if (url.pathname === '/oauth/register') {
      if (req.method !== 'POST') return this.json(res, 405, { error: 'use POST' });
      return this.handleRegister(req, res);
    }
    this.page(res, 404, { ok: false, heading: 'Not found', message: 'This is the Claude Code Gateway OAuth callback listener. It only handles /callback and /oauth/callback.', next: 'If a provider sent you here, start the sign-in again from the dashboard.' });
  }

  private async handleCallback(url: URL, res: http.ServerResponse): Promise<void> {
    const state = url.searchParams.get('state');
    const providerError = url.searchParams.get('error');
    const errorDescription = url.searchParams.get('error_description');
    const report = (serverName: string | null, outcome: CallbackOutcome): void => {
      this.emit('callback', { at: Date.now(), state, serverName, outcome });
    };
    if (!state) {
      this.failed++;
      report(null, { kind: 'missing_state' });
      this.page(res, 400, { ok: false, heading: 'Sign-in link incomplete', message: 'This callback carries no state parameter, so it cannot be matched to a sign-in.', next: 'Start the sign-in again from the dashboard (MCP servers → Log in).', detail: providerError ? `${providerError}: ${errorDescription ?? ''}` : null });
      return;
    }
    let entry = this.pending.get(state);
    if (entry && entry.expiresAt <= Date.now()) {
      this.pending.delete(state);
      this.remember(state, 'expired', entry.serverName);
      this.failed++;
      report(entry.serverName, { kind: 'expired' });
      this.emitStatus();
      this.page(res, 400, { ok: false, serverName: entry.serverName, heading: 'Sign-in expired', message: `This sign-in was started more than ${Math.round(this.ttlMs / 60_000)} minutes ago and is no longer waiting.`, next: 'Start the sign-in again from the dashboard (MCP servers → Log in) and finish it within 5 minutes.' });
      return;
    }
    if (!entry) {
      const spent = this.spent.get(state);
      if (spent) {
        this.failed++;
        report(spent.serverName, { kind: spent.reason === 'used' ? 'replayed' : 'expired' });
        this.page(res, 400, spent.reason === 'used'
          ? { ok: false, serverName: spent.serverName, heading: 'Sign-in link already used', message: 'This callback was already delivered once; it is not delivered again (a replayed link is refused).', next: 'If the server still shows “needs auth”, start the sign-in again from the dashboard.' }
          : { ok: false, serverName: spent.serverName, heading: 'Sign-in expired', message: 'This sign-in is no longer waiting (it expired or was cancelled).', next: 'Start the sign-in again from the dashboard (MCP servers → Log in).' });
        return;
      }
      const fallback = this.opts.unknownStateRelay;
      if (!fallback) {
        this.failed++;
        report(null, { kind: 'unknown_state' });
        this.page(res, 400, { ok: false, heading: 'Unknown sign-in', message: 'This callback does not belong to any sign-in the gateway is waiting for. Nothing was forwarded.', next: 'Start the sign-in from the dashboard (MCP servers → Log in), or register the login with POST /oauth/register if another tool started it.', detail: providerError ? `${providerError}: ${errorDescription ?? ''}` : null });
        return;
      }
      entry = { state, serverName: null, relay: fallback, createdAt: Date.now(), expiresAt: Date.now() + this.ttlMs, source: 'registered' };
    }
    // Consume before relaying: a second request with this state, even concurrent, is a replay.
    this.pending.delete(state);
    this.remember(state, 'used', entry.serverName);
    this.emitStatus();
    const serverName = entry.serverName;
    const timeout = AbortSignal.timeout(this.opts.relayTimeoutMs ?? 60_000);
    const result = await entry.relay.deliver(url.href, timeout);
    if (providerError) {
      this.failed++;
      report(serverName, { kind: 'provider_error', error: providerError, description: errorDescription });
      this.page(res, 400, { ok: false, serverName, heading: 'Sign-in refused by the provider', message: `The provider answered “${providerError}”${errorDescription ? `: ${errorDescription}` : ''}. No tokens were stored.`, next: 'If this was a mistake, start the sign-in again from the dashboard and approve access.', detail: result.ok ? null : `relay: ${result.reason}` });
      return;
    }
    if (!result.ok) {
      this.failed++;
      report(serverName, { kind: 'relay_failed', reason: result.reason });
      this.page(res, 502, { ok: false, serverName, heading: 'Sign-in could not be completed', message: `The provider approved the sign-in, but handing it to Claude Code (${entry.relay.target}) failed.`, next: 'Start the sign-in again from the dashboard. If it keeps failing, check that the runtime is running (Health).', detail: result.reason });
      return;
    }
    this.completed++;
    report(serverName, { kind: 'relayed', detail: result.detail ?? null });
    this.emitStatus();
    this.page(res, 200, { ok: true, serverName, heading: serverName ? `Signed in to ${serverName}` : 'Sign-in completed', message: result.detail ? `Claude Code received the authorization (${result.detail}).` : 'Claude Code received the authorization.', next: 'You can close this tab and return to Claude Code Gateway; the server’s status updates there.' });
  }

  private async handleRegister(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const check = this.opts.checkAdminToken;
    if (!check) return this.json(res, 403, { error: 'the registration API is disabled' });
    const auth = req.headers.authorization;
    const token = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : (typeof req.headers['x-admin-token'] === 'string' ? req.headers['x-admin-token'] : null);
    if (!check(token || null)) return this.json(res, 401, { error: 'admin token required (Authorization: Bearer <token>)' });
    let raw: unknown;
    try {
      const text = await readBody(req, REGISTER_BODY_LIMIT);
      if (text === null) return this.json(res, 413, { error: `body too large (limit ${REGISTER_BODY_LIMIT} bytes)` });
      raw = JSON.parse(text);
    } catch {
      return this.json(res, 400, { error: 'body must be JSON: {"state":"…","serverName":"…","target":{"runtime":"local"|"docker","callbackPort":N}}' });
    }
    const parsed = registerBodySchema.safeParse(raw);
    if (!parsed.success) return this.json(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    const { state, serverName, target, ttlS } = parsed.data;
    if (this.pending.has(state) || this.spent.has(state)) return this.json(res, 409, { error: 'state already known' });
    const relay = (this.opts.relayFactory ?? localRelayFactory)(target);
    if (!relay) return this.json(res, 400, { error: `no relay for runtime "${target.runtime}" in this app` });
    const now = Date.now();
    const expiresAt = now + (ttlS !== undefined ? ttlS * 1000 : this.ttlMs);
    this.pending.set(state, { state, serverName: serverName ?? null, relay, createdAt: now, expiresAt, source: 'registered' });
    this.emitStatus();
    this.json(res, 201, { registered: true, relay: relay.target, expiresAt: new Date(expiresAt).toISOString() });
  }

  private page(res: http.ServerResponse, status: number, page: CallbackPage): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.end(renderCallbackPage(page));
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }
}

const REGISTER_BODY_LIMIT = 16_384;

/**
 * The body as text, or null past `limit` bytes. The rest of an oversized body is read and dropped rather than the
 * socket destroyed: a client still sending would get a reset connection instead of our 413.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
