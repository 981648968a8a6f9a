import crypto from 'node:crypto';
import path from 'node:path';
import { CONTROL_API_PREFIX } from '../contract/control-api.ts';
import type { Services } from '../services.ts';
import { loadOrCreateAdminToken } from './admin-token.ts';
import { ApiKeyStore } from './api-keys.ts';
import { ConfigEditor } from './config-edit.ts';
import { dashboardRouter, defaultDashboardDir, isDashboardBuilt } from './dashboard.ts';
import { localOnly } from './guard.ts';
import { controlRouter } from './router.ts';

export interface ControlInstallOptions {
  /** Serve the dashboard at `/` (default: config.DASHBOARD). The control API is always mounted. */
  serveDashboard?: boolean;
  /** Built renderer (default: <app>/dist/renderer). */
  dashboardDir?: string;
  /** Environment the config was loaded from (to tell env-set keys apart; default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra allowed Origins, e.g. 'null' for an Electron window loaded from file://. */
  extraOrigins?: readonly string[];
}

export interface ControlApi {
  token: string;
  tokenFile: string;
  apiKeys: ApiKeyStore;
  bootId: string;
  dashboardDir: string | null;
  /** The dashboard's URL with the admin token in the fragment (never sent to a server, kept out of logs). */
  dashboardUrl(): string;
}

/**
 * Wires the control API (and, in headless mode, the dashboard) into the composition root. Call before
 * services.start(): mounts are read when the server is created.
 */
export function installControlApi(services: Services, opts: ControlInstallOptions = {}): ControlApi {
  const { config } = services;
  const { token, file: tokenFile } = loadOrCreateAdminToken(config.DATA_DIR);
  services.allowControlOrigins(opts.extraOrigins ?? []);
  const apiKeys = new ApiKeyStore(config.DATA_DIR);
  services.addApiKeySource(() => apiKeys.grants());
  const env = opts.env ?? process.env;
  const configEditor = new ConfigEditor({ config, env, file: env.CONFIG_FILE || path.join(config.DATA_DIR, 'config.json') });
  const bootId = crypto.randomBytes(6).toString('hex');
  services.mount(CONTROL_API_PREFIX, controlRouter({ services, bootId, apiKeys, configEditor }));
  const serve = opts.serveDashboard ?? config.DASHBOARD;
  const dir = serve ? (opts.dashboardDir ?? defaultDashboardDir()) : null;
  if (dir) {
    services.mount('/', localOnly({ extraOrigins: services.controlOrigins }));
    services.mount('/', dashboardRouter(dir));
  }
  return {
    token,
    tokenFile,
    apiKeys,
    bootId,
    dashboardDir: dir && isDashboardBuilt(dir) ? dir : null,
    dashboardUrl: () => `${services.url}/#token=${token}`,
  };
}
