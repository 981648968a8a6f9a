/**
 * What the desktop shell needs from the services, in one narrow interface, and the adapter that provides it from the
 * composition root and its optional parts (control API, compose manager, OAuth callback listener, MCP auth status).
 * The Electron code talks only to this, so it never reaches into services; this file is the one place that changes
 * when services grow.
 */
import path from 'node:path';
import type { ComposeOperations } from '../compose/operations.ts';
import { ComposeError, type ComposeAction, type ComposeManager, type ComposeOperation, type ComposeStatus } from '../compose/types.ts';
import type { Services } from '../services.ts';
import { waitForIdle, type QuitHandlers } from './quit-sequence.ts';
import type { ContainerStatus, GatewayStatus, ShellState } from './tray-model.ts';

export interface ShellBackend {
  gatewayStatus(): GatewayStatus;
  gatewayError(): string | null;
  /** The OpenAI-compatible API's base (no /v1). */
  gatewayUrl(): string;
  activeRuns(): number;
  /** Where the dashboard and the control API are served. */
  controlUrl(): string;
  adminToken(): string;
  oauthPort(): number | null;
  container(): ShellState['container'];
  mcpServers(): ShellState['mcpServers'];
  /** Whether Claude Code can answer (null: not known yet, or cannot be asked). */
  claudeSignedIn(): boolean | null;
  startGateway(): Promise<void>;
  stopGateway(): Promise<void>;
  /** Up (building the image when it is missing), down, and rebuild with a fresh Claude Code: the same operations the
   *  dashboard runs (one at a time across both); they reject when another one runs or when they fail. */
  containerUp(): Promise<void>;
  containerDown(): Promise<void>;
  containerRebuild(): Promise<void>;
  /** Starts an MCP OAuth sign-in (the login driver opens the provider's page in the browser). */
  mcpLogin(server: string): Promise<void>;
  /** Re-reads MCP servers' auth state (costly: `claude mcp list`); call at start and on a slow timer. */
  refreshMcp(): Promise<void>;
  logsDir(): string;
  /** Called on state changes the parts announce (active-run counts are polled by the shell). */
  onChange(cb: () => void): () => void;
  /** Reads the container's state now (the health monitor polls it on its own; this is for "right after start"). */
  poll(): Promise<void>;
  /** Handlers for the quit plan (see quit-sequence.ts), bound to these services. */
  quitHandlers(graceMs: number): QuitHandlers;
}

/** MCP servers' auth state and the login starter (main/shell/mcp-auth.ts builds it from the OAuth services). */
export interface McpAuthSource {
  servers(): ShellState['mcpServers'];
  login(server: string): Promise<void>;
  refresh?(): Promise<void>;
  onChange?(cb: () => void): () => void;
}

/** What the shell reads from the OAuth callback listener (main/oauth/listener.ts OAuthCallbackListener). */
export interface OAuthListenerView {
  health(): { boundPort: number | null; pendingLogins: ReadonlyArray<{ serverName: string }> };
  stop(): Promise<void>;
  on(event: 'status', listener: () => void): unknown;
}

export interface ShellParts {
  /** The installed control API (main/control/install.ts): its admin token. */
  control?: { token: string } | null;
  /** Given when Claude runs in docker: the container's status is read from it. */
  compose?: Pick<ComposeManager, 'status'> | null;
  /** The operations the dashboard shares (default: the composition root's, services.composeOps). */
  composeOps?: ComposeOperations | null;
  oauth?: OAuthListenerView | null;
  mcp?: McpAuthSource | null;
}

/** Grace given to running requests when the user stops the gateway from the tray. */
export const TRAY_STOP_GRACE_MS = 5_000;

/** The tray's container line from the compose manager's status, or from the operation under way (tray's or dashboard's). */
export function containerFromCompose(status: ComposeStatus | null, op: Pick<ComposeOperation, 'action' | 'stage' | 'step'> | null): NonNullable<ShellState['container']> {
  if (op?.stage === 'building') return op.step ? { status: 'building', detail: `step ${op.step.index}/${op.step.total}` } : { status: 'building' };
  if (op) return { status: op.action === 'down' ? 'stopping' : 'starting' };
  if (!status) return { status: 'unknown' };
  const problem = status.problem;
  const map: Record<ComposeStatus['overall'], ContainerStatus> = { running: 'running', starting: 'starting', unhealthy: 'error', stopped: 'stopped', error: 'error' };
  let s = map[status.overall];
  if (problem?.code === 'image-missing') s = 'missing';
  return problem && s !== 'running' ? { status: s, detail: problem.reason } : { status: s };
}

/** Pending browser logins the OAuth listener waits for, merged into the MCP servers' auth list. */
export function mergeMcpServers(servers: ShellState['mcpServers'], oauth: ReturnType<OAuthListenerView['health']> | null): ShellState['mcpServers'] {
  const pending = new Set((oauth?.pendingLogins ?? []).map((p) => p.serverName).filter(Boolean));
  const out = servers.map((s) => (pending.has(s.name) ? { ...s, status: 'login-pending' as const } : s));
  for (const name of pending) if (!out.some((s) => s.name === name)) out.push({ name, status: 'login-pending' });
  return out;
}

export function servicesBackend(services: Services, parts: ShellParts = {}): ShellBackend {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const cb of listeners) cb();
  };
  // the container's state is the health monitor's one reading (it polls; the tray only reads)
  const composeStatus = (): ComposeStatus | null => services.monitor.composeStatus();
  let stopping: Promise<void> | null = null;
  // pending logins and the listener's port change the tray (badge, tooltip)
  parts.oauth?.on('status', changed);

  const killLeftovers = () => {
    for (const pid of services.runtime.livePids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const compose = parts.compose ?? null;
  const ops = compose ? (parts.composeOps ?? services.composeOps) : null;
  const oauth = parts.oauth ?? null;
  // Every step of an operation (whoever started it) moves the container line; its end re-reads the status.
  let afterOp: Promise<void> = Promise.resolve();
  ops?.on('operation', (op) => {
    if (op.state === 'running' || !compose) return changed();
    afterOp = services.refreshCompose().then(
      () => undefined,
      () => undefined,
    ).finally(changed);
  });
  const runOp = async (action: ComposeAction): Promise<void> => {
    if (!ops) throw new Error('Claude runs locally: there is no container');
    const op = await ops.run(action, 'tray');
    await afterOp;
    if (op.state === 'failed' && op.problem) throw new ComposeError(op.problem);
  };

  return {
    gatewayStatus: () => services.gatewayState,
    gatewayError: () => services.gatewayStateReason,
    gatewayUrl: () => services.url,
    activeRuns: () => services.executor.activeCount,
    controlUrl: () => services.url,
    adminToken: () => parts.control?.token ?? '',
    oauthPort: () => oauth?.health().boundPort ?? null,
    container: () => (compose ? containerFromCompose(composeStatus(), ops?.busy() ? ops.current() : null) : null),
    mcpServers: () => mergeMcpServers(parts.mcp?.servers() ?? [], oauth?.health() ?? null),
    claudeSignedIn: () => {
      const state = services.claudeAccount.status().state;
      return state === 'signed_in' ? true : state === 'signed_out' ? false : null;
    },
    startGateway: () => services.startGateway(),
    stopGateway: () => services.stopGateway(TRAY_STOP_GRACE_MS, 'stopped from the tray'),
    containerUp: () => runOp('up'),
    containerDown: () => runOp('down'),
    containerRebuild: () => runOp('rebuild'),
    mcpLogin: (server) => (parts.mcp ? parts.mcp.login(server) : Promise.reject(new Error(`MCP login is not available (${server})`))),
    refreshMcp: async () => {
      await parts.mcp?.refresh?.();
    },
    logsDir: () => path.dirname(services.logFile),
    onChange: (cb) => {
      listeners.add(cb);
      // the monitor's change covers the gateway's state, the container and every other component
      services.monitor.on('change', cb);
      const offs = [parts.mcp?.onChange?.(cb), () => services.monitor.off('change', cb)];
      return () => {
        listeners.delete(cb);
        for (const off of offs) off?.();
      };
    },
    poll: async () => {
      // a read now (e.g. right after start), through the monitor's one read; its change event moves the tray
      if (!compose || ops?.busy()) return;
      await services.refreshCompose();
    },
    quitHandlers: (graceMs) => ({
      // stopGateway stops /v1 taking requests at once (503), waits for running ones up to graceMs, then aborts them.
      'stop-accepting': async () => {
        stopping ??= services.stopGateway(graceMs, 'quitting');
      },
      drain: (signal) => waitForIdle(() => services.executor.activeCount, signal),
      'stop-claude': async () => {
        await (stopping ?? services.stopGateway(0, 'quitting'));
        killLeftovers();
      },
      ...(oauth ? { 'stop-oauth': () => oauth.stop() } : {}),
      // closes the listener (control API, dashboard, open SSE streams); containers are left as they are, but a
      // compose command under way (an image build runs for minutes) is cancelled rather than left without its app
      'stop-services': async () => {
        if (ops?.cancel()) await ops.idle();
        await services.stop({ graceMs: 0 });
      },
    }),
  };
}

/** The tray's state object, assembled from the backend plus the shell's own settings. */
export function shellState(
  backend: ShellBackend,
  shell: { startAtLogin: boolean; startAtLoginSupported: boolean; keepRunningInTray: boolean; quitting: boolean },
): ShellState {
  const gateway = backend.gatewayStatus();
  const error = gateway === 'error' ? backend.gatewayError() : null;
  return {
    gateway,
    ...(error ? { gatewayError: error } : {}),
    gatewayUrl: backend.gatewayUrl(),
    oauthPort: backend.oauthPort(),
    activeRuns: backend.activeRuns(),
    container: backend.container(),
    mcpServers: backend.mcpServers(),
    claudeSignedIn: backend.claudeSignedIn(),
    ...shell,
  };
}
