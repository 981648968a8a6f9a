import type { StoreHealth } from '../transcripts/store.ts';

export type ComponentStatus = 'ok' | 'starting' | 'stopped' | 'error';

export interface ComponentHealth {
  name: string;
  status: ComponentStatus;
  reason: string | null;
  since: string;
  details?: Record<string, unknown>;
}

/** GET /health (no auth): is the gateway up, which Claude Code, how busy. */
export interface GatewayHealthBody {
  status: 'ok' | 'degraded';
  version: string;
  claudeCode: { version: string | null; runtime: string };
  activeRuns: number;
  queuedRuns: number;
  uptimeS: number;
  transcripts: StoreHealth;
  components: ComponentHealth[];
}
