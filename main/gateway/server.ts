/**
 * The gateway's HTTP server and its lifecycle: listen (a port taken is a state with its holder named, not a crash),
 * malformed requests answered in OpenAI's error shape, stop/start of /v1 while the listener (control API, dashboard)
 * stays up, and close. The composition root builds the express app; this owns what happens to it on the wire.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayState } from '../contract/control-api.ts';
import { log } from '../log.ts';
import { describeOwner, findPortOwner } from '../oauth/port-owner.ts';

export type { GatewayState } from '../contract/control-api.ts';

export interface GatewayServerOptions {
  host: string;
  port: number;
  /** Runs still going (the executor's count): a stop waits for them up to its grace period. */
  activeRuns: () => number;
  /** Aborts every run left after the grace period. */
  abortAll: (reason: 'shutdown') => void;
}

/** Why the listener could not bind (the desktop window offers another port when it is EADDRINUSE). */
export interface ListenFailure {
  port: number;
  code: string;
  holder: string | null;
}

/** Answers what Node's HTTP parser rejects (bad framing, invalid header characters, absurd lengths) with a clear
 * OpenAI-shaped 4xx instead of a bare "400 Bad Request". */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({ error: { message: `Malformed HTTP request (${err.code ?? 'parse error'}).`, type: 'invalid_request_error', param: null, code: 'malformed_http' } });
  socket.end(`HTTP/1.1 ${status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GatewayServer {
  private server: http.Server | null = null;
  private stateValue: GatewayState = 'stopped';
  private reasonValue: string | null = null;
  /** /v1 accepts new requests. The listener outlives a stop: the control API and dashboard live on it. */
  private servingValue = false;
  listenFailure: ListenFailure | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: GatewayServerOptions) {}

  get state(): GatewayState {
    return this.stateValue;
  }

  get reason(): string | null {
    return this.reasonValue;
  }

  get serving(): boolean {
    return this.servingValue;
  }

  /** This process's own server is listening (its URL is real, not just the configured port). */
  get listening(): boolean {
    return this.server !== null;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    const port = addr?.port ?? this.opts.port;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  }

  onStateChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private setState(s: GatewayState, reason: string | null = null): void {
    this.stateValue = s;
    this.reasonValue = reason;
    for (const cb of this.listeners) cb();
  }

  /** Listens (the app is built on the first start only), or serves /v1 again after a stop. */
  async start(buildApp: () => RequestListener): Promise<void> {
    if (this.server) {
      if (!this.servingValue) {
        this.servingValue = true;
        this.setState('running');
        log.info(`gateway serving again on ${this.url}/v1`);
      }
      return;
    }
    this.setState('starting');
    const server = http.createServer(buildApp());
    server.keepAliveTimeout = 65_000;
    server.requestTimeout = 0; // long agentic runs: REQUEST_TIMEOUT_S governs instead
    server.on('clientError', answerClientError);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const port = this.opts.port;
      const c: unknown = Reflect.get(e, 'code');
      const code = typeof c === 'string' ? c : undefined;
      const holder = code === 'EADDRINUSE' ? describeOwner(await findPortOwner(port)) : null;
      this.listenFailure = { port, code: code ?? 'error', holder };
      const reason = code === 'EADDRINUSE' ? `port ${port} is already in use by ${holder} (set GATEWAY_PORT)` : e.message;
      this.setState('error', reason);
      log.error(`gateway cannot listen: ${reason}`);
      return;
    }
    this.server = server;
    this.listenFailure = null;
    this.servingValue = true;
    this.setState('running');
    log.info(`gateway listening on ${this.url} (OpenAI base URL ${this.url}/v1)`);
  }

  /**
   * Stops serving /v1 (new requests get 503 gateway_stopped), lets running ones finish up to graceMs, then aborts
   * the rest. The listener stays up so the control API and dashboard remain reachable; close() ends it.
   */
  async stop(graceMs: number, reason: string): Promise<void> {
    if (!this.server || !this.servingValue) return;
    this.servingValue = false;
    const deadline = Date.now() + graceMs;
    while (this.opts.activeRuns() > 0 && Date.now() < deadline) await pause(50);
    this.opts.abortAll('shutdown');
    const waitAbort = Date.now() + 3_000;
    while (this.opts.activeRuns() > 0 && Date.now() < waitAbort) await pause(50);
    this.setState('stopped', reason);
    log.info(`gateway stopped serving /v1 (${reason})`);
  }

  /** Closes the listener and every open connection (SSE included). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    this.setState('stopped', 'shut down');
  }
}
