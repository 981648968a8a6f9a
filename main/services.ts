import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Router, RequestHandler } from 'express';
import { claudeVersion, resolveClaudeBinary } from './claude/binary.ts';
import { createSdkRuntime } from './claude/local-runtime.ts';
import { ProcessTracker } from './claude/orphans.ts';
import { expectedSessionFromConfig, spareProfileFromConfig } from './claude/spare-pool.ts';
import type { ClaudeRuntime } from './claude/runtime.ts';
import type { Config } from './config/schema.ts';
import { createApp } from './gateway/app.ts';
import { ConversationMap } from './gateway/conversations.ts';
import { RunLimiter } from './gateway/limiter.ts';
import { ModelCatalog } from './gateway/models.ts';
import { RunExecutor } from './gateway/run.ts';
import type { ComponentHealth, GatewayHealthBody } from './health/gateway-health.ts';
import { configureLog, log, redact } from './log.ts';
import { createDockerRuntime, type DockerRuntime } from './claude/docker-runtime.ts';
import { ComposeOperations, composeOptionsFromConfig, createComposeManager, type ComposeManager, type ComposeStatus } from './compose/index.ts';
import { loadOrCreateAdminToken, tokenMatches } from './control/admin-token.ts';
import { adminAuth, localOnly } from './control/guard.ts';
import { dockerOffRouter } from './control/docker-off.ts';
import { dockerRouter } from './control/docker-router.ts';
import { dockerExec } from './oauth/docker-relay.ts';
import { createOAuthServices, type OAuthServices } from './oauth/index.ts';
import { describeOwner, findPortOwner } from './oauth/port-owner.ts';
import { mcpRouter } from './oauth/routes.ts';
import { ClaudeAccount } from './claude/account.ts';
import { dockerClaudeCommand, localClaudeCommand } from './claude/auth-status.ts';
import { dockerLoginLauncher, localLoginLauncher } from './claude/login-process.ts'; // helper-g: subscription sign-in
import type { SecretBox } from './claude/secret-box.ts';
import { ModelApiMonitor } from './health/model-api.ts';
import { HealthMonitor } from './health/monitor.ts';
import { TranscriptBus } from './transcripts/bus.ts';
import { TranscriptStore } from './transcripts/store.ts';
import { APP_VERSION } from './version.ts';
import type { GatewayState } from './contract/control-api.ts';

export interface BuildOptions {
  /** Runtime override (tests). Default: local, or docker when CLAUDE_RUNTIME=docker. */
  runtime?: ClaudeRuntime;
  /** Environment of Claude processes (default process.env: ANTHROPIC_*, HOME… reach Claude). */
  claudeEnv?: NodeJS.ProcessEnv;
  /** Electron: shell.openExternal for MCP logins and the Claude subscription sign-in (helper-g); headless: the URL is logged and shown in the dashboard. */
  openUrl?: (url: string) => void | Promise<void>;
  /** Start the MCP OAuth callback listener (default true). */
  oauth?: boolean;
  /** Log to console too (headless: yes; tests: no). */
  consoleLog?: boolean;
  /** Variables that came from the login shell (desktop launches), so Health can say where credentials came from. */
  fromLoginShell?: ReadonlySet<string>;
  /** Keeps the Claude credential pasted into the app (Electron: safeStorage); default: a 0600 file, not encrypted. */
  secretBox?: SecretBox;
}

/**
 * The composition root: every service is built here from one validated config. Entries (headless, Electron) and
 * tests only call this.
 */
export class Services {
  readonly bus = new TranscriptBus();
  readonly store: TranscriptStore;
  readonly runtime: ClaudeRuntime;
  readonly models: ModelCatalog;
  readonly limiter: RunLimiter;
  readonly taskLimiter: RunLimiter;
  readonly executor: RunExecutor;
  readonly conversations: ConversationMap;
  /** Built only for the docker runtime: a local-runtime install needs no docker/ folder and no docker CLI. */
  readonly compose: ComposeManager | null;
  /** Up/down/restart/rebuild of the compose project, one at a time, shared by the tray and /api/docker. */
  readonly composeOps: ComposeOperations | null;
  readonly oauth: OAuthServices | null;
  /** Every component's health and the one poll of the container (read by /health, the control API and the tray). */
  readonly monitor = new HealthMonitor();
  private readonly claudeEnv: NodeJS.ProcessEnv;
  private readonly fromLoginShell: ReadonlySet<string>;
  readonly startedAt = Date.now();
  readonly logFile: string;
  /** Local Claude processes while they live, so a start after a crash stops what the dead process left running. */
  readonly processes: ProcessTracker;
  private readonly dockerRuntime: DockerRuntime | null;
  claudeVersion: string | null = null;
  /** Claude's sign-in: the credential saved in the app, the env runs get, Claude Code's own status. */
  readonly claudeAccount: ClaudeAccount;
  private server: http.Server | null = null;
  /** Why the listener could not bind (the desktop window offers another port when it is EADDRINUSE). */
  listenFailure: { port: number; code: string; holder: string | null } | null = null;
  private state: GatewayState = 'stopped';
  private stateReason: string | null = null;
  /** /v1 accepts new requests. The listener outlives a gateway stop: the control API and dashboard live on it. */
  private serving = false;
  private readonly apiKeySources: Array<() => readonly string[]> = [];
  private readonly listeners = new Set<() => void>();
  private readonly mounts: Array<{ path: string; router: Router | RequestHandler }> = [];

  constructor(readonly config: Config, opts: BuildOptions = {}) {
    fs.mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
    fs.mkdirSync(config.claudeCwd, { recursive: true });
    this.logFile = configureLog({ dataDir: config.DATA_DIR, level: config.LOG_LEVEL, console: opts.consoleLog ?? true });
    this.store = new TranscriptStore(config.DATA_DIR, this.bus, (err) => log.error(`transcript store cannot write: ${err.message}`));
    const inherited = opts.claudeEnv ?? process.env;
    // CLAUDE_API_RETRIES reaches Claude Code as its own variable (local and docker runs, spare processes alike).
    const claudeEnv = config.CLAUDE_API_RETRIES === '' ? inherited : { ...inherited, CLAUDE_CODE_MAX_RETRIES: String(config.CLAUDE_API_RETRIES) };
    this.claudeEnv = claudeEnv;
    this.fromLoginShell = opts.fromLoginShell ?? new Set();
    const compose = config.CLAUDE_RUNTIME === 'docker' ? createComposeManager(composeOptionsFromConfig(config)) : null;
    this.compose = compose;
    const composeOps = compose ? new ComposeOperations(compose) : null;
    this.composeOps = composeOps;
    composeOps?.on('operation', () => this.monitor.notify());
    // helper-g: built before the account, whose sign-in process it tracks too
    this.processes = new ProcessTracker(path.join(config.DATA_DIR, 'run', 'claude'));
    this.claudeAccount = new ClaudeAccount({
      dataDir: config.DATA_DIR, baseEnv: claudeEnv, runtime: config.CLAUDE_RUNTIME, box: opts.secretBox, fromLoginShell: this.fromLoginShell, warn: (m) => log.warn(m),
      command: compose ? dockerClaudeCommand({ container: () => compose.runningContainer({ timeoutMs: 15_000 }) }) : localClaudeCommand(resolveClaudeBinary(config.CLAUDE_PATH)),
      // helper-g: `claude auth login` where Claude runs; the sign-in page opens through the same opener as MCP logins
      info: (m) => log.info(m),
      login: {
        launcher: compose ? dockerLoginLauncher({ container: () => compose.runningContainer({ timeoutMs: 15_000 }), hostWorkspace: config.claudeCwd, tracker: this.processes }) : localLoginLauncher({ binary: resolveClaudeBinary(config.CLAUDE_PATH), tracker: this.processes }),
        ...(opts.openUrl ? { openUrl: opts.openUrl } : {}),
      },
    });
    // Read at every Claude start, so a credential saved in the app reaches the next run.
    const runEnv = (): NodeJS.ProcessEnv => this.claudeAccount.env();
    let dockerRuntime: DockerRuntime | null = null;
    if (opts.runtime) this.runtime = opts.runtime;
    else if (compose) {
      dockerRuntime = createDockerRuntime({ compose, hostWorkspace: config.claudeCwd, baseEnv: runEnv, tracker: this.processes, onStderr: (l) => log.debug(`[claude] ${redact(l)}`) });
      this.runtime = dockerRuntime;
    } else this.runtime = createSdkRuntime({
      kind: 'local',
      claudePath: config.CLAUDE_PATH,
      baseEnv: runEnv,
      tracker: this.processes,
      spares: { count: config.CLAUDE_SPARE_PROCESSES, profile: spareProfileFromConfig(config), expect: expectedSessionFromConfig(config) },
    });
    if (!dockerRuntime && this.runtime.kind === 'docker' && 'spawnHook' in this.runtime) dockerRuntime = this.runtime as DockerRuntime;
    this.dockerRuntime = dockerRuntime;
    this.claudeAccount.onEnvChange(() => this.runtime.envChanged?.());
    this.claudeAccount.monitor.onChange(() => this.monitor.notify());
    // built-in components first: the order is the Health page's
    this.registerHealth('gateway', () => ({ name: 'gateway', status: this.state === 'running' ? 'ok' : this.state, reason: this.stateReason, since: new Date(this.startedAt).toISOString(), details: { url: this.url } }));
    this.registerHealth('claude', () => ({ name: 'claude', status: this.claudeVersion ? 'ok' : 'error', reason: this.claudeVersion ? null : 'Claude Code binary not found or not runnable', since: new Date(this.startedAt).toISOString(), details: { version: this.claudeVersion, runtime: this.runtime.kind, authenticated: this.claudeAuth, spares: this.runtime.spares?.() ?? null } }));
    this.registerHealth('claude-auth', () => this.claudeAccount.health());
    this.registerHealth('transcripts', () => {
      const store = this.store.health();
      return { name: 'transcripts', status: store.writable ? 'ok' : 'error', reason: store.lastWriteError, since: new Date(this.startedAt).toISOString(), details: { dir: store.dir, count: store.count } };
    });
    if (compose) {
      this.monitor.watchCompose(compose);
      this.registerHealth('docker', () => this.dockerHealth(compose));
    }
    const modelApi = new ModelApiMonitor();
    // a retry seen or an answer after an outage moves the model API's health at once, not at the next poll
    this.bus.subscribe((e) => {
      modelApi.observe(e.event);
      if (e.event.type === 'api_retry' || e.event.type === 'end') this.monitor.notify();
    });
    this.registerHealth('model-api', () => modelApi.health());

    const adminToken = loadOrCreateAdminToken(config.DATA_DIR).token;
    // The OAuth driver runs Claude where the runtime does: in docker it needs the container's exec + spawn hook.
    const oauthPossible = config.CLAUDE_RUNTIME !== 'docker' || dockerRuntime !== null;
    this.oauth = opts.oauth === false || !oauthPossible ? null : createOAuthServices({
      config,
      claudeEnv,
      claudePath: resolveClaudeBinary(config.CLAUDE_PATH),
      checkAdminToken: (t) => t !== null && tokenMatches(adminToken, t),
      log,
      tracker: this.processes,
      ...(opts.openUrl ? { openUrl: opts.openUrl } : {}),
      ...(dockerRuntime && compose ? { docker: { exec: dockerExec(() => compose.runningContainer()), spawnHook: dockerRuntime.spawnHook } } : {}),
    });
    if (this.oauth) {
      const oauth = this.oauth;
      // Spares read MCP servers and sign-ins at start-up: any change (add, remove, sign-in, sign-out) replaces them.
      oauth.servers.on('changed', () => this.runtime.retireSpares?.('MCP servers or sign-ins changed'));
      this.registerHealth('oauth', () => oauth.health());
      // Before the control API's own /api router, behind the same loopback + admin-token guard.
      this.mount('/api/mcp', localOnly({}));
      this.mount('/api/mcp', adminAuth(() => adminToken));
      this.mount('/api/mcp', mcpRouter(oauth));
    }
    // Docker runtime controls (status, up/down/restart, logs): same guard, also before the /api router.
    this.mount('/api/docker', localOnly({}));
    this.mount('/api/docker', adminAuth(() => adminToken));
    this.mount('/api/docker', compose && composeOps ? dockerRouter({ compose, operations: composeOps, runtime: () => this.runtime.kind, readStatus: () => this.refreshCompose(), watch: { current: () => this.monitor.composeStatus(), onChange: (cb) => void this.monitor.on('change', cb) } }) : dockerOffRouter(() => this.runtime.kind));
    this.models = new ModelCatalog(config);
    this.limiter = new RunLimiter(config.MAX_CONCURRENT_RUNS, config.MAX_QUEUED_RUNS);
    this.taskLimiter = new RunLimiter(config.MAX_TASK_RUNS, config.MAX_QUEUED_RUNS);
    this.conversations = new ConversationMap(path.join(config.DATA_DIR, 'conversations.json'), config.SESSION_TTL_S * 1000);
    // A logged-in MCP server's tools are usable from requests: allow mcp__<server> for every configured server.
    const oauthServers = this.oauth?.servers;
    this.executor = new RunExecutor(config, this.runtime, this.store, oauthServers ? async () => (await oauthServers.names()).map((n) => `mcp__${n}`) : undefined, {
      onAuthFailure: (m) => this.claudeAccount.runFailedForAuth(m),
      onAnswered: () => this.claudeAccount.runAnswered(),
    });
  }

  /** How Claude Code will authenticate (saved in the app, env key/token, or a login's credentials file); null = none found. */
  get claudeAuth(): string | null {
    return this.claudeAccount.sourceSentence();
  }

  /** Adds a router to the gateway's HTTP server (control API, dashboard); call before start(). */
  mount(path: string, router: Router | RequestHandler): void {
    this.mounts.push({ path, router });
  }

  /** Adds a component to /health and the dashboard's health view. */
  registerHealth(name: string, check: () => ComponentHealth): void {
    this.monitor.register(name, check);
  }

  /** Adds keys accepted on /v1 besides GATEWAY_API_KEYS (the dashboard's managed keys); read on every request. */
  addApiKeySource(source: () => readonly string[]): void {
    this.apiKeySources.push(source);
  }

  /** Every key /v1 accepts right now; empty = no auth (loopback only). */
  apiKeys(): string[] {
    return [...this.config.GATEWAY_API_KEYS, ...this.apiKeySources.flatMap((s) => s())];
  }

  get gatewayState(): GatewayState {
    return this.state;
  }

  get gatewayStateReason(): string | null {
    return this.stateReason;
  }

  /** This process's own server is listening (its URL is real, not just the configured port). */
  get listening(): boolean {
    return this.server !== null;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    const port = addr?.port ?? this.config.GATEWAY_PORT;
    const host = this.config.GATEWAY_HOST.includes(':') ? `[${this.config.GATEWAY_HOST}]` : this.config.GATEWAY_HOST;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  }

  onStateChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private setState(s: GatewayState, reason: string | null = null): void {
    this.state = s;
    this.stateReason = reason;
    for (const cb of this.listeners) cb();
    this.monitor.notify();
  }

  health(): GatewayHealthBody {
    const components = this.monitor.components();
    const store = this.store.health();
    return {
      status: components.every((c) => c.status === 'ok' || c.status === 'stopped') ? 'ok' : 'degraded',
      version: APP_VERSION,
      claudeCode: { version: this.claudeVersion, runtime: this.runtime.kind, authenticated: this.claudeAuth },
      activeRuns: this.executor.activeCount,
      queuedRuns: this.limiter.queuedCount,
      suspendedRuns: this.executor.suspended.size,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      transcripts: store,
      components,
    };
  }

  private dockerHealth(compose: ComposeManager): ComponentHealth {
    // while an operation (an image build takes minutes) is under way, say what it does, not "image missing"
    const op = this.composeOps?.busy() ? this.composeOps.current() : null;
    if (op) return { name: 'docker', status: 'starting', reason: `${op.action}: ${op.phase}`, since: op.startedAt, details: { operation: op.id } };
    const st = this.monitor.composeStatus();
    const since = st?.checkedAt ?? new Date(this.startedAt).toISOString();
    if (!st) return { name: 'docker', status: 'starting', reason: 'checking the container…', since };
    const status = st.overall === 'running' ? 'ok' : st.overall === 'starting' ? 'starting' : st.overall === 'stopped' ? 'stopped' : 'error';
    const reason = st.problem ? `${st.problem.reason} Fix: ${st.problem.fix}` : st.overall === 'stopped' ? `container not running. Fix: ${compose.commandLine('up', '-d')}` : null;
    return { name: 'docker', status, reason, since, details: { project: st.project, services: st.services, compose: st.compose } };
  }

  /** Re-reads the container's state (docker runtime); the health view shows the last reading. */
  refreshCompose(): Promise<ComposeStatus> {
    return this.monitor.refreshCompose();
  }

  /** Loads transcripts, probes Claude Code, starts the OAuth listener and the HTTP gateway. */
  async start(): Promise<void> {
    this.store.init();
    const orphans = this.processes.reap();
    if (orphans.length) log.warn(`stopped ${orphans.length} Claude process(es) left running by a gateway that did not shut down (pids ${orphans.join(', ')})`);
    const docker = this.dockerRuntime;
    if (docker && typeof docker.killContainerRun === 'function') {
      // In the background: a docker exec per leftover run must not delay the start (new runs have new ids).
      void this.processes.reapContainerRuns((c, r) => docker.killContainerRun(c, r)).then(
        (runs) => { if (runs.length) log.warn(`stopped ${runs.length} Claude run(s) left running in the container by a gateway that did not shut down`); },
        (err: unknown) => log.warn(`could not check the container for runs left behind: ${redact(String(err))}`),
      );
    }
    // Claude Code's own sign-in status is read before serving, so a signed-out Claude is refused from the first request.
    [this.claudeVersion] = await Promise.all([claudeVersion(resolveClaudeBinary(this.config.CLAUDE_PATH)), this.claudeAccount.start()]);
    // Spare Claude processes start now, so the first request is already warm.
    this.runtime.start?.();
    if (this.compose) await this.refreshCompose().catch(() => null);
    this.monitor.start();
    if (this.oauth) {
      const h = await this.oauth.start();
      if (h.status === 'error') log.error(`OAuth callback listener: ${h.error ?? 'failed to start'} — the rest of the app keeps running`);
    }
    await this.startGateway();
  }

  async startGateway(): Promise<void> {
    if (this.server) {
      if (!this.serving) {
        this.serving = true;
        this.setState('running');
        log.info(`gateway serving again on ${this.url}/v1`);
      }
      return;
    }
    this.setState('starting');
    const app = createApp({
      config: this.config,
      models: this.models,
      limiter: this.limiter,
      taskLimiter: this.taskLimiter,
      conversations: this.conversations,
      runtime: this.runtime,
      executor: this.executor,
      signIn: this.claudeAccount,
      getApiKeys: () => this.apiKeys(),
      isServing: () => this.serving,
      health: () => this.health(),
      mounts: this.mounts,
    });
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    server.requestTimeout = 0; // long agentic runs: REQUEST_TIMEOUT_S governs instead
    // Requests Node's HTTP parser rejects (bad framing, invalid header characters, absurd lengths) still get a
    // clear OpenAI-shaped 4xx instead of a bare "400 Bad Request".
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({ error: { message: `Malformed HTTP request (${err.code ?? 'parse error'}).`, type: 'invalid_request_error', param: null, code: 'malformed_http' } });
      socket.end(`HTTP/1.1 ${status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.GATEWAY_PORT, this.config.GATEWAY_HOST, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const port = this.config.GATEWAY_PORT;
      const holder = e.code === 'EADDRINUSE' ? describeOwner(await findPortOwner(port)) : null;
      this.listenFailure = { port, code: e.code ?? 'error', holder };
      const reason = e.code === 'EADDRINUSE' ? `port ${port} is already in use by ${holder} (set GATEWAY_PORT)` : e.message;
      this.setState('error', reason);
      log.error(`gateway cannot listen: ${reason}`);
      return;
    }
    this.server = server;
    this.listenFailure = null;
    this.serving = true;
    this.setState('running');
    log.info(`gateway listening on ${this.url} (OpenAI base URL ${this.url}/v1)`);
  }

  /**
   * Stops serving /v1 (new requests get 503 gateway_stopped), lets running ones finish up to graceMs, then aborts
   * the rest. The listener stays up so the control API and dashboard remain reachable; stop() closes it.
   */
  async stopGateway(graceMs = 5_000, reason = 'stopped from the control API'): Promise<void> {
    if (!this.server || !this.serving) return;
    this.serving = false;
    const deadline = Date.now() + graceMs;
    while (this.executor.activeCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.executor.abortAll('shutdown');
    const waitAbort = Date.now() + 3_000;
    while (this.executor.activeCount > 0 && Date.now() < waitAbort) await new Promise((r) => setTimeout(r, 50));
    this.setState('stopped', reason);
    log.info(`gateway stopped serving /v1 (${reason})`);
  }

  async restartGateway(graceMs = 5_000): Promise<void> {
    await this.stopGateway(graceMs, 'restarting');
    await this.startGateway();
  }

  /** Process shutdown: stops the gateway, then closes the listener (and every open connection, SSE included). */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    // an image build runs for minutes: it is cancelled, not left running without its app (containers stay as they are)
    if (this.composeOps?.cancel()) await this.composeOps.idle();
    await this.stopGateway(opts.graceMs ?? 5_000, 'shutting down');
    await this.runtime.close?.();
    await this.claudeAccount.login?.close(); // helper-g: a running sign-in's process is gone before the app is
    this.claudeAccount.stop();
    this.monitor.stop();
    await this.oauth?.stop();
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    this.setState('stopped', 'shut down');
  }
}

export async function buildServices(config: Config, opts: BuildOptions = {}): Promise<Services> {
  return new Services(config, opts);
}
