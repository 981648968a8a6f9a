import fs from 'node:fs';
import path from 'node:path';
import type { Router, RequestHandler } from 'express';
import { claudeVersion, resolveClaudeBinary } from './claude/binary.ts';
import { createSdkRuntime } from './claude/local-runtime.ts';
import { ProcessTracker } from './claude/orphans.ts';
import { expectedSessionFromConfig, spareProfileFromConfig } from './claude/spare-pool.ts';
import type { ClaudeRuntime } from './claude/runtime.ts';
import type { Config } from './config/schema.ts';
import { createApp } from './gateway/app.ts';
import type { KeyGrant } from './gateway/auth.ts';
import { ConversationMap } from './gateway/conversations.ts';
import { RunLimiter } from './gateway/limiter.ts';
import { ModelCatalog } from './gateway/models.ts';
import { RunExecutor } from './gateway/run.ts';
import type { ComponentHealth, GatewayHealthBody } from './health/gateway-health.ts';
import { claudeComponent, dockerComponent, gatewayComponent, healthBody, publicHealthBody, transcriptsComponent } from './health/components.ts';
import { GatewayServer, type GatewayState, type ListenFailure } from './gateway/server.ts';
import { configureLog, log, redact } from './log.ts';
import { createDockerRuntime, type DockerRuntime } from './claude/docker-runtime.ts';
import { ComposeOperations, composeOptionsFromConfig, createComposeManager, type ComposeManager, type ComposeStatus } from './compose/index.ts';
import { loadOrCreateAdminToken, tokenMatches } from './control/admin-token.ts';
import { adminAuth, localOnly } from './control/guard.ts';
import { CONTROL_API_PREFIX } from './contract/control-api.ts';
import { dockerOffRouter } from './control/docker-off.ts';
import { dockerRouter } from './control/docker-router.ts';
import { dockerExec } from './oauth/docker-relay.ts';
import { createOAuthServices, type OAuthServices } from './oauth/index.ts';
import { mcpRouter } from './oauth/routes.ts';
import { ClaudeAccount } from './claude/account.ts';
import { dockerClaudeCommand, localClaudeCommand } from './claude/auth-status.ts';
import { dockerLoginLauncher, localLoginLauncher } from './claude/login-process.ts'; // helper-g: subscription sign-in
import type { SecretBox } from './claude/secret-box.ts';
import { ModelApiMonitor } from './health/model-api.ts';
import { HealthMonitor } from './health/monitor.ts';
import { installFileGuard } from './policy/file-guard.ts';
import { RunPolicy } from './policy/run-policy.ts';
import { TranscriptBus } from './transcripts/bus.ts';
import { ProjectStore } from './projects/store.ts';
import { ChatWorkspaces } from './projects/workspaces.ts';
import { projectCwdMapper, projectMounts, writeProjectsOverride } from './projects/docker-mounts.ts';
import { TranscriptStore } from './transcripts/store.ts';
import { ApprovalCenter } from './approvals/center.ts';
import { FileRuleStore } from './approvals/rule-store.ts';
import { PolicyRuleStore } from './approvals/policy-rule-store.ts';
import { silenceShadowedToolWarning } from './approvals/quiet-warning.ts';
import { approvalsRouter } from './control/approvals-router.ts';
import { acquireInstanceLocks } from './instance-lock.ts';
import { ANTHROPIC_API_URL, connectionCause } from './health/model-api-probe.ts';

export type { GatewayState } from './gateway/server.ts';

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
  /** Origins besides loopback http(s) pages allowed on /api and the dashboard (the Electron window's private scheme). */
  extraOrigins?: readonly string[];
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
  /** Tool calls outside the allow-list waiting for the user's decision (control API, dashboard, notification). */
  readonly approvals: ApprovalCenter;
  /** Projects (PROJECTS + those added in the dashboard) and each conversation's own workspace folder. */
  readonly projects: ProjectStore;
  readonly workspaces: ChatWorkspaces;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly releaseLocks: () => void;
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
  /** The HTTP listener and /v1's running/stopped state (main/gateway/server.ts). */
  readonly server: GatewayServer;
  /** What runs may touch: the sandbox check, DEFAULT_POLICY, each run's confinement. */
  readonly policy: RunPolicy;
  private readonly adminToken: string;
  /** Origins besides loopback pages that may call /api and the dashboard (the desktop window's private scheme). */
  readonly controlOrigins: string[] = [];
  private readonly apiKeySources: Array<() => readonly KeyGrant[]> = [];
  private readonly mounts: Array<{ path: string; router: Router | RequestHandler }> = [];

  constructor(readonly config: Config, opts: BuildOptions = {}) {
    fs.mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
    fs.mkdirSync(config.claudeCwd, { recursive: true });
    // Before anything touches DATA_DIR or the chats folder: a second gateway would sweep the first's chats and stop
    // its Claude processes as orphans. Throws InstanceInUseError (the entries exit 78 saying who holds it).
    this.releaseLocks = acquireInstanceLocks(config.DATA_DIR, path.join(config.claudeCwd, 'chats'));
    this.logFile = configureLog({ dataDir: config.DATA_DIR, level: config.LOG_LEVEL, console: opts.consoleLog ?? true });
    this.store = new TranscriptStore(config.DATA_DIR, this.bus, (err) => log.error(`transcript store cannot write: ${err.message}`));
    const inherited = opts.claudeEnv ?? process.env;
    // CLAUDE_API_RETRIES reaches Claude Code as its own variable (local and docker runs, spare processes alike).
    const claudeEnv = config.CLAUDE_API_RETRIES === '' ? inherited : { ...inherited, CLAUDE_CODE_MAX_RETRIES: String(config.CLAUDE_API_RETRIES) };
    this.claudeEnv = claudeEnv;
    this.fromLoginShell = opts.fromLoginShell ?? new Set();
    this.projects = new ProjectStore(path.join(config.DATA_DIR, 'projects.json'), config.PROJECTS, () => this.models.ids());
    // Docker: one bind mount per project (/projects/<name>) in a generated override after the configured files.
    const composeOptions = config.CLAUDE_RUNTIME === 'docker' ? composeOptionsFromConfig(config) : null;
    const projectsOverrideFile = path.join(config.DATA_DIR, 'compose.projects.yaml');
    if (composeOptions) {
      const writeOverride = (): void => writeProjectsOverride(projectsOverrideFile, composeOptions.service, this.projects.list());
      writeOverride();
      this.projects.onChange(writeOverride);
    }
    const compose = composeOptions ? createComposeManager({ ...composeOptions, files: [...composeOptions.files, projectsOverrideFile] }) : null;
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
    // Under CLAUDE_CWD, so the docker runtime's /workspace mount holds them too.
    this.workspaces = new ChatWorkspaces({ root: path.join(config.claudeCwd, 'chats'), file: path.join(config.DATA_DIR, 'workspaces.json'), ttlMs: config.SESSION_TTL_S * 1000 });
    // Read at every Claude start, so a credential saved in the app reaches the next run.
    const runEnv = (): NodeJS.ProcessEnv => this.claudeAccount.env();
    // One deny rule for the chats root (the run's own folder carved out): settings never depend on which chats exist.
    const fileGuard = installFileGuard(path.join(config.DATA_DIR, 'run'));
    this.policy = new RunPolicy({ config, claudeEnv: runEnv, chatsRoot: this.workspaces.root, configFile: process.env.CONFIG_FILE || null, fileGuard });
    // Spares start with the default place's policy settings, so default runs can claim them.
    const defaultConfinement = this.policy.confine(this.policy.placeFor(undefined));
    const defaultSettings = defaultConfinement.settings;
    // Spares' tools as a run's (live-run.ts): the configured disallowed tools, then the policy's (WebSearch…).
    const spareProfile = spareProfileFromConfig(config);
    spareProfile.disallowedTools = [...new Set([...config.CLAUDE_DISALLOWED_TOOLS, ...defaultConfinement.disallowedTools])];
    let dockerRuntime: DockerRuntime | null = null;
    if (opts.runtime) this.runtime = opts.runtime;
    else if (compose) {
      dockerRuntime = createDockerRuntime({ compose, hostWorkspace: config.claudeCwd, mapCwd: projectCwdMapper(() => this.projects.list()), mounts: () => projectMounts(this.projects.list()), baseEnv: runEnv, tracker: this.processes, onStderr: (l) => log.debug(`[claude] ${redact(l)}`) });
      this.runtime = dockerRuntime;
    } else this.runtime = createSdkRuntime({
      kind: 'local',
      claudePath: config.CLAUDE_PATH,
      clientToolTimeoutMs: config.CLIENT_TOOL_TIMEOUT_S * 1000 + 60_000,
      baseEnv: runEnv,
      tracker: this.processes,
      // each spare waits in a fresh chat workspace (the new conversation that takes it works there) with that folder's policy settings; askHost: every gateway run asks through live approvals (main/approvals), so spares forward canUseTool
      spares: { count: config.CLAUDE_SPARE_PROCESSES, profile: { ...spareProfile, ...(defaultSettings ? { settings: defaultSettings } : {}), ...(defaultConfinement.settingSources ? { settingSources: defaultConfinement.settingSources } : {}) }, expect: expectedSessionFromConfig(config), askHost: true, freshCwd: () => this.workspaces.allocate(), settingsFor: (cwd) => this.policy.chatSettings(cwd) },
      live: { keepAliveS: config.CONVERSATION_KEEPALIVE_S, max: config.MAX_LIVE_CONVERSATIONS },
    });
    if (!dockerRuntime && this.runtime.kind === 'docker' && 'spawnHook' in this.runtime) dockerRuntime = this.runtime as DockerRuntime;
    this.dockerRuntime = dockerRuntime;
    this.claudeAccount.onEnvChange(() => this.runtime.envChanged?.());
    this.claudeAccount.monitor.onChange(() => this.monitor.notify());
    this.server = new GatewayServer({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT, activeRuns: () => this.executor.activeCount, abortAll: (r) => this.executor.abortAll(r) });
    this.server.onStateChange(() => this.monitor.notify());
    // built-in components first: the order is the Health page's
    const since = new Date(this.startedAt).toISOString();
    this.registerHealth('gateway', () => gatewayComponent(this.server, since));
    this.registerHealth('claude', () => claudeComponent(this.claudeVersion, this.runtime, this.claudeAuth, since));
    this.registerHealth('claude-auth', () => this.claudeAccount.health());
    this.registerHealth('transcripts', () => transcriptsComponent(this.store, since));
    if (compose) {
      this.monitor.watchCompose(compose);
      this.registerHealth('docker', () => dockerComponent(compose, this.composeOps, this.monitor, since));
    }
    const modelApi = new ModelApiMonitor();
    // a retry seen or an answer after an outage moves the model API's health at once, not at the next poll
    this.bus.subscribe((e) => {
      modelApi.observe(e.event);
      if (e.event.type === 'api_retry' || e.event.type === 'end') this.monitor.notify();
    });
    this.registerHealth('model-api', () => modelApi.health());
    // What a refused or old credential left there says nothing about the new one.
    this.claudeAccount.onEnvChange(() => {
      modelApi.reset();
      this.monitor.notify();
    });
    this.registerHealth('sandbox', () => this.policy.health());

    const adminToken = loadOrCreateAdminToken(config.DATA_DIR).token;
    this.adminToken = adminToken;
    // One guard for all of /api, mounted before any area's router: loopback client, loopback Host, no proxy, an
    // allowed Origin (loopback pages, the desktop window), then the admin token. Areas mount only their routes.
    this.controlOrigins.push(...(opts.extraOrigins ?? []));
    this.mount(CONTROL_API_PREFIX, localOnly({ extraOrigins: this.controlOrigins }));
    this.mount(CONTROL_API_PREFIX, adminAuth(() => adminToken));
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
      oauth.servers.on('changed', () => this.runtime.retireProcesses?.('MCP servers or sign-ins changed'));
      this.registerHealth('oauth', () => oauth.health());
      // Before the control API's own /api router, behind the one /api guard.
      this.mount('/api/mcp', mcpRouter(oauth, { keepAliveMs: config.SSE_KEEPALIVE_S * 1000 }));
    }
    // Docker runtime controls (status, up/down/restart, logs): behind the one /api guard, before the /api router.
    this.mount('/api/docker', compose && composeOps ? dockerRouter({ compose, operations: composeOps, runtime: () => this.runtime.kind, readStatus: () => this.refreshCompose(), watch: { current: () => this.monitor.composeStatus(), onChange: (cb) => void this.monitor.on('change', cb) }, keepAliveMs: config.SSE_KEEPALIVE_S * 1000 }) : dockerOffRouter(() => this.runtime.kind, config.SSE_KEEPALIVE_S * 1000));
    silenceShadowedToolWarning();
    // A logged-in MCP server's tools are usable from requests: allow mcp__<server> for every configured server.
    const oauthServers = this.oauth?.servers;
    const mcpAllowed = oauthServers ? async (): Promise<string[]> => (await oauthServers.names()).map((n) => `mcp__${n}`) : undefined;
    // "Always allow": into an app project's own policy (seeded with what its empty list meant), else the rule file.
    const ruleFile = FileRuleStore.inDataDir(config.DATA_DIR, (m) => log.warn(m));
    // A rule file that could not be read (kept aside) or saved is said on Health, not only in the log.
    this.registerHealth('approval-rules', () => ruleFile.health());
    const rules = new PolicyRuleStore(this.projects, ruleFile, async () => [
      ...config.CLAUDE_ALLOWED_TOOLS, ...(mcpAllowed ? await mcpAllowed().catch(() => []) : []),
    ]);
    this.approvals = new ApprovalCenter({ timeoutMs: config.APPROVAL_TIMEOUT_S * 1000, rules, grantTtlMs: config.SESSION_TTL_S * 1000 });
    this.mount('/api/approvals', approvalsRouter(this.approvals, config.SSE_KEEPALIVE_S * 1000, rules));
    this.models = new ModelCatalog(config, () => this.projects.list());
    this.limiter = new RunLimiter(config.MAX_CONCURRENT_RUNS, config.MAX_QUEUED_RUNS);
    this.taskLimiter = new RunLimiter(config.MAX_TASK_RUNS, config.MAX_QUEUED_RUNS);
    this.conversations = new ConversationMap(path.join(config.DATA_DIR, 'conversations.json'), config.SESSION_TTL_S * 1000);
    this.executor = new RunExecutor(config, this.runtime, this.store, mcpAllowed, {
      onAuthFailure: (m) => this.claudeAccount.runFailedForAuth(m),
      onAnswered: () => this.claudeAccount.runAnswered(),
      // From the host the probe sees what a local Claude sees; inside the container the network differs.
      ...(config.CLAUDE_RUNTIME === 'local' ? { unreachableCause: () => connectionCause(this.claudeAccount.env().ANTHROPIC_BASE_URL?.trim() || ANTHROPIC_API_URL) } : {}),
    }, this.approvals, this.policy);
  }

  /** How Claude Code will authenticate (saved in the app, env key/token, or a login's credentials file); null = none found. */
  get claudeAuth(): string | null {
    return this.claudeAccount.sourceSentence();
  }

  /** Adds a router to the gateway's HTTP server (control API, dashboard); call before start(). */
  mount(path: string, router: Router | RequestHandler): void {
    this.mounts.push({ path, router });
  }

  /** More Origins for /api and the dashboard (read on every request, so the one guard sees them). */
  allowControlOrigins(origins: readonly string[]): void {
    for (const o of origins) if (!this.controlOrigins.includes(o)) this.controlOrigins.push(o);
  }

  /** Adds a component to /health and the dashboard's health view. */
  registerHealth(name: string, check: () => ComponentHealth): void {
    this.monitor.register(name, check);
  }

  /** Adds keys accepted on /v1 besides GATEWAY_API_KEYS (the dashboard's managed keys, with their scopes); read on every request. */
  addApiKeySource(source: () => readonly KeyGrant[]): void {
    this.apiKeySources.push(source);
  }

  /** Every key /v1 accepts right now with what it may use; GATEWAY_API_KEYS are unlimited. Empty = no auth (loopback only). */
  keyGrants(): KeyGrant[] {
    return [...this.config.GATEWAY_API_KEYS.map((secret) => ({ secret, scope: null })), ...this.apiKeySources.flatMap((s) => s())];
  }

  /** Every key /v1 accepts right now; empty = no auth (loopback only). */
  apiKeys(): string[] {
    return this.keyGrants().map((k) => k.secret);
  }

  get gatewayState(): GatewayState {
    return this.server.state;
  }

  get gatewayStateReason(): string | null {
    return this.server.reason;
  }

  /** This process's own server is listening (its URL is real, not just the configured port). */
  get listening(): boolean {
    return this.server.listening;
  }

  /** Why the listener could not bind (the desktop window offers another port when it is EADDRINUSE). */
  get listenFailure(): ListenFailure | null {
    return this.server.listenFailure;
  }

  get url(): string {
    return this.server.url;
  }

  onStateChange(cb: () => void): () => void {
    return this.server.onStateChange(cb);
  }

  health(): GatewayHealthBody {
    return healthBody({
      monitor: this.monitor, store: this.store, runtime: this.runtime, account: this.claudeAccount, claudeVersion: this.claudeVersion,
      activeRuns: this.executor.activeCount, queuedRuns: this.limiter.queuedCount, suspendedRuns: this.executor.suspended.size, startedAt: this.startedAt,
    });
  }

  /** Re-reads the container's state (docker runtime); the health view shows the last reading. */
  refreshCompose(): Promise<ComposeStatus> {
    return this.monitor.refreshCompose();
  }

  sweepWorkspaces(): string[] {
    try {
      return this.workspaces.sweep(new Set(this.runtime.spareFolders?.() ?? []));
    } catch (err) {
      log.warn(`chat workspace cleanup failed: ${redact(String(err))}`);
      return [];
    }
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
    // Old chat workspaces go (SESSION_TTL_S, unless pinned) now and then; no spare's folder survives a restart.
    this.sweepWorkspaces();
    this.sweepTimer = setInterval(() => this.sweepWorkspaces(), Math.min(this.config.SESSION_TTL_S * 250, 600_000));
    this.sweepTimer.unref();
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

  /** Listens (the express app is built once, on the first start), or serves /v1 again after a stop. */
  startGateway(): Promise<void> {
    return this.server.start(() => createApp({
      config: this.config,
      models: this.models,
      limiter: this.limiter,
      taskLimiter: this.taskLimiter,
      conversations: this.conversations,
      runtime: this.runtime,
      executor: this.executor,
      signIn: this.claudeAccount,
      places: { workspaces: this.workspaces, spareFolder: () => this.runtime.takeSpareFolder?.() ?? null, defaultPolicy: () => this.policy.defaults.policy },
      getApiKeys: () => this.keyGrants(),
      isServing: () => this.server.serving,
      health: () => this.health(),
      publicHealth: () => publicHealthBody(this.health()),
      isAdmin: (req) => {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
        return m !== null && tokenMatches(this.adminToken, m[1]);
      },
      mounts: this.mounts,
    }));
  }

  /** Stops serving /v1, running requests get graceMs to finish; the listener (control API, dashboard) stays up. */
  async stopGateway(graceMs = 5_000, reason = 'stopped from the control API'): Promise<void> {
    await this.server.stop(graceMs, reason);
    // Kept processes wait for turns that /v1 no longer takes.
    this.runtime.closeLiveConversations?.(`/v1 stopped (${reason})`);
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
    this.approvals.close();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    // The conversation map and chat folders, saved in the background as turns end, are on disk before the process
    // may exit.
    this.conversations.flush();
    this.workspaces.flush();
    await this.runtime.close?.();
    await this.claudeAccount.login?.close(); // helper-g: a running sign-in's process is gone before the app is
    this.claudeAccount.stop();
    this.monitor.stop();
    await this.oauth?.stop();
    await this.server.close();
    // A turn that ended while the processes closed saved in the background: on disk before stop() resolves, and
    // nothing is written after it.
    this.conversations.flush();
    this.workspaces.flush();
    await Promise.all([this.conversations.settled(), this.workspaces.settled()]);
    this.releaseLocks();
  }
}

export async function buildServices(config: Config, opts: BuildOptions = {}): Promise<Services> {
  return new Services(config, opts);
}
