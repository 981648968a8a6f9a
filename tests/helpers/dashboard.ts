import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../main/config/load.ts';
import type { Config, RawConfig } from '../../main/config/schema.ts';
import { installControlApi, type ControlApi, type ControlInstallOptions } from '../../main/control/install.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { startScriptedAnthropic, type Script, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { claudeTestEnv } from './gateway.ts';
import { removeDataDir } from './remove-data-dir.ts';

export interface TestDashboard {
  baseUrl: string;
  v1: string;
  services: Services;
  config: Config;
  api: ScriptedAnthropic;
  control: ControlApi;
  token: string;
  dataDir: string;
  /** fetch against the control API with the admin token. */
  call(pathname: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Like startTestGateway, with the control API (and optionally the dashboard) installed before the server starts:
 * a real gateway on 127.0.0.1:0 whose Claude Code runs against a scripted Anthropic API.
 */
export async function startTestDashboard(opts: {
  script: Script;
  config?: Partial<Record<keyof RawConfig, unknown>>;
  control?: ControlInstallOptions;
  /** Reuse a data dir (restart scenarios); not deleted on close. */
  dataDir?: string;
  /** Changes to the Claude processes' environment; `undefined` removes a variable (e.g. ANTHROPIC_API_KEY). */
  claudeEnv?: Record<string, string | undefined>;
}): Promise<TestDashboard> {
  const api = await startScriptedAnthropic(opts.script);
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-dash-'));
  const claudeEnv = claudeTestEnv(api.url, path.join(dataDir, 'home'));
  const env = { DATA_DIR: dataDir } as NodeJS.ProcessEnv;
  const config = loadConfig(env, {
    GATEWAY_PORT: 0,
    OAUTH_CALLBACK_PORT: 0,
    // no warm spare Claude processes: each test file starts its own gateway on a 2-core machine
    CLAUDE_SPARE_PROCESSES: 0,
    // no Claude process kept between turns either (each ≈300 MB); live-conversations tests turn it on
    MAX_LIVE_CONVERSATIONS: 0,
    CLAUDE_ALLOWED_TOOLS: 'Bash,Read,Write,Edit,Glob,Grep',
    LOG_LEVEL: 'warn',
    DASHBOARD: false,
    ...opts.config,
  });
  const merged: NodeJS.ProcessEnv = { ...process.env, ...claudeEnv, ...opts.claudeEnv };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const services = await buildServices(config, { claudeEnv: merged, consoleLog: false });
  const control = installControlApi(services, { env, ...opts.control });
  await services.start();
  const baseUrl = services.url;
  return {
    baseUrl,
    v1: `${baseUrl}/v1`,
    services,
    config,
    api,
    control,
    token: control.token,
    dataDir,
    call(pathname, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${control.token}`);
      return fetch(`${baseUrl}${pathname}`, { ...init, headers });
    },
    async close() {
      await services.stop({ graceMs: 0 });
      await api.close();
      if (ownDir) removeDataDir(dataDir);
    },
  };
}
