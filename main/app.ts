/**
 * One assembly for both entries (Electron, headless): the services, the control API and the shell's view of them,
 * plus the one shutdown both use. Entries add only what is theirs (a window and a tray; a terminal banner).
 */
import type { Config } from './config/schema.ts';
import { installControlApi, type ControlApi } from './control/install.ts';
import { buildServices, type BuildOptions, type Services } from './services.ts';
import { servicesBackend, type ShellBackend } from './shell/backend.ts';
import { mcpAuthFromOAuth } from './shell/mcp-auth.ts';
import { planQuit, runQuit, type QuitReport, type QuitStepResult } from './shell/quit-sequence.ts';

export interface AppOptions extends BuildOptions {
  /** Serve the dashboard at `/` over HTTP (default: config.DASHBOARD). */
  serveDashboard?: boolean;
  /** Origins besides loopback http(s) allowed to call the control API (the Electron window's private scheme). */
  extraOrigins?: readonly string[];
}

export interface BuiltApp {
  config: Config;
  services: Services;
  control: ControlApi;
  backend: ShellBackend;
  /**
   * Stops taking requests, gives running ones up to graceMs, stops Claude processes, the OAuth listener and the
   * server. Containers stay as they are. Every step is bounded (quit-sequence.ts).
   */
  shutdown(graceMs: number, onStep?: (r: QuitStepResult) => void): Promise<QuitReport>;
}

export async function buildApp(config: Config, opts: AppOptions = {}): Promise<BuiltApp> {
  const services = await buildServices(config, opts);
  const control = installControlApi(services, {
    ...(opts.serveDashboard !== undefined ? { serveDashboard: opts.serveDashboard } : {}),
    ...(opts.extraOrigins ? { extraOrigins: opts.extraOrigins } : {}),
  });
  const o = services.oauth;
  const backend = servicesBackend(services, {
    control,
    compose: services.compose,
    ...(o ? { oauth: { health: () => o.listener.health(), stop: () => o.stop(), on: (e: 'status', cb: () => void) => o.listener.on(e, cb) }, mcp: mcpAuthFromOAuth(o) } : {}),
  });
  let stopping: Promise<QuitReport> | null = null;
  const shutdown = (graceMs: number, onStep?: (r: QuitStepResult) => void): Promise<QuitReport> => {
    // every step is bounded by runQuit; a second call (Ctrl-C twice, quit from the tray during a SIGTERM) joins the first
    stopping ??= runQuit(planQuit({ activeRuns: backend.activeRuns(), graceMs }), backend.quitHandlers(graceMs), onStep ? { onStep } : {});
    return stopping;
  };
  return { config, services, control, backend, shutdown };
}
