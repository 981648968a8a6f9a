import type { StoreHealth } from '../transcripts/store.ts';

// The component shape is part of the control API contract; main re-exports it from there (one definition).
import type { ComponentHealth, LiveConversationsHealth } from '../contract/control-api.ts';
export type { ComponentHealth, ComponentStatus } from '../contract/control-api.ts';

/** GET /health (no auth): is the gateway up, which Claude Code, how busy. */
export interface GatewayHealthBody {
  status: 'ok' | 'degraded';
  version: string;
  claudeCode: { version: string | null; runtime: string; authenticated: string | null };
  activeRuns: number;
  queuedRuns: number;
  /** Runs waiting for a caller's client tool results (each keeps its Claude process). */
  suspendedRuns: number;
  /** Conversations whose Claude process is kept for their next turn: count, limit, each one's model and idle time. */
  liveConversations: LiveConversationsHealth | null;
  uptimeS: number;
  transcripts: StoreHealth;
  components: ComponentHealth[];
}
