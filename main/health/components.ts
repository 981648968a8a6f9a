/**
 * The built-in components' health checks and the /health body, read from the state each part keeps (never I/O).
 * The composition root registers them with the monitor; nothing here builds a service.
 */
import type { ClaudeAccount } from '../claude/account.ts';
import type { ClaudeRuntime } from '../claude/runtime.ts';
import type { ComposeManager, ComposeOperations } from '../compose/index.ts';
import type { GatewayServer } from '../gateway/server.ts';
import type { TranscriptStore } from '../transcripts/store.ts';
import { APP_VERSION } from '../version.ts';
import type { ComponentHealth, GatewayHealthBody } from './gateway-health.ts';
import type { HealthMonitor } from './monitor.ts';

export function gatewayComponent(server: GatewayServer, since: string): ComponentHealth {
  return { name: 'gateway', status: server.state === 'running' ? 'ok' : server.state, reason: server.reason, since, details: { url: server.url } };
}

export function claudeComponent(version: string | null, runtime: ClaudeRuntime, authenticated: string | null, since: string): ComponentHealth {
  return {
    name: 'claude', status: version ? 'ok' : 'error', reason: version ? null : 'Claude Code binary not found or not runnable', since,
    details: { version, runtime: runtime.kind, authenticated, spares: runtime.spares?.() ?? null },
  };
}

export function transcriptsComponent(store: TranscriptStore, since: string): ComponentHealth {
  const h = store.health();
  return { name: 'transcripts', status: h.writable ? 'ok' : 'error', reason: h.lastWriteError, since, details: { dir: h.dir, count: h.count } };
}

/** The container, from the monitor's last reading; while an operation (an image build takes minutes) runs, what it does. */
export function dockerComponent(compose: ComposeManager, ops: ComposeOperations | null, monitor: HealthMonitor, startedAt: string): ComponentHealth {
  const op = ops?.busy() ? ops.current() : null;
  if (op) return { name: 'docker', status: 'starting', reason: `${op.action}: ${op.phase}`, since: op.startedAt, details: { operation: op.id } };
  const st = monitor.composeStatus();
  const since = st?.checkedAt ?? startedAt;
  if (!st) return { name: 'docker', status: 'starting', reason: 'checking the container…', since };
  const status = st.overall === 'running' ? 'ok' : st.overall === 'starting' ? 'starting' : st.overall === 'stopped' ? 'stopped' : 'error';
  const reason = st.problem ? `${st.problem.reason} Fix: ${st.problem.fix}` : st.overall === 'stopped' ? `container not running. Fix: ${compose.commandLine('up', '-d')}` : null;
  return { name: 'docker', status, reason, since, details: { project: st.project, services: st.services, compose: st.compose } };
}

export interface HealthBodyParts {
  monitor: HealthMonitor;
  store: TranscriptStore;
  runtime: ClaudeRuntime;
  account: Pick<ClaudeAccount, 'sourceSentence'>;
  claudeVersion: string | null;
  activeRuns: number;
  queuedRuns: number;
  suspendedRuns: number;
  startedAt: number;
}

/** GET /health: every component, `degraded` while any is in error. */
export function healthBody(p: HealthBodyParts): GatewayHealthBody {
  const components = p.monitor.components();
  return {
    status: components.every((c) => c.status === 'ok' || c.status === 'stopped') ? 'ok' : 'degraded',
    version: APP_VERSION,
    claudeCode: { version: p.claudeVersion, runtime: p.runtime.kind, authenticated: p.account.sourceSentence() },
    activeRuns: p.activeRuns,
    queuedRuns: p.queuedRuns,
    suspendedRuns: p.suspendedRuns,
    liveConversations: p.runtime.liveConversations?.() ?? null,
    uptimeS: Math.round((Date.now() - p.startedAt) / 1000),
    transcripts: p.store.health(),
    components,
  };
}

/** GET /health without the admin token: whether it is up and each component's state — no reasons or details (they
 * carry the account's email, paths and versions), no version but the app's. */
export interface PublicHealthBody {
  status: GatewayHealthBody['status'];
  version: string;
  components: Array<Pick<ComponentHealth, 'name' | 'status'>>;
}

export function publicHealthBody(full: GatewayHealthBody): PublicHealthBody {
  return { status: full.status, version: full.version, components: full.components.map((c) => ({ name: c.name, status: c.status })) };
}
