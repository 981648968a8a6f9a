import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../main/config/load.ts';
import type { Config, RawConfig } from '../../main/config/schema.ts';
import { buildServices, type Services } from '../../main/services.ts';
import { startScriptedAnthropic, type Script, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { removeDataDir } from './remove-data-dir.ts';

export interface TestGateway {
  baseUrl: string;
  /** OpenAI base URL (…/v1). */
  v1: string;
  services: Services;
  config: Config;
  api: ScriptedAnthropic;
  dataDir: string;
  close(): Promise<void>;
}

/** Environment that points the real Claude Code binary at the scripted model and a throwaway home. */
export function claudeTestEnv(apiUrl: string, home: string): Record<string, string> {
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  return {
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'sk-test-gateway',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
  };
}

/**
 * A real gateway on 127.0.0.1:0 whose Claude Code runs against a scripted Anthropic API. Process env is left
 * untouched: the Claude env goes through the runtime's base env.
 */
export async function startTestGateway(opts: {
  script: Script;
  config?: Partial<Record<keyof RawConfig, unknown>>;
  /** Reuse a data dir (a restart between turns); it is then left in place by close(). */
  dataDir?: string;
  /** Reuse a running scripted model (restart tests); it is then left running by close(). */
  api?: ScriptedAnthropic;
  /** Extra environment for the Claude processes (e.g. CLAUDE_CODE_MAX_RETRIES). */
  claudeEnv?: Record<string, string>;
}): Promise<TestGateway> {
  const api = opts.api ?? (await startScriptedAnthropic(opts.script));
  if (opts.api) api.setScript(opts.script);
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-test-'));
  const home = path.join(dataDir, 'home');
  const claudeEnv = { ...claudeTestEnv(api.url, home), ...opts.claudeEnv };
  const config = loadConfig({ DATA_DIR: dataDir } as NodeJS.ProcessEnv, {
    GATEWAY_PORT: 0,
    OAUTH_CALLBACK_PORT: 0,
    CLAUDE_ALLOWED_TOOLS: 'Bash,Read,Write,Edit,Glob,Grep',
    CLAUDE_SPARE_PROCESSES: 0,
    // no Claude process kept between turns either (each ≈300 MB); live-conversations tests turn it on
    MAX_LIVE_CONVERSATIONS: 0,
    LOG_LEVEL: 'warn',
    ...opts.config,
  });
  const services = await buildServices(config, { claudeEnv: { ...process.env, ...claudeEnv }, consoleLog: false });
  await services.start();
  return {
    baseUrl: services.url,
    v1: `${services.url}/v1`,
    services,
    config,
    api,
    dataDir,
    async close() {
      await services.stop({ graceMs: 0 });
      if (!opts.api) await api.close();
      if (!opts.dataDir) removeDataDir(dataDir);
    },
  };
}

/** fetch init carrying the install's admin token: /health answers in full only with it. */
export function adminInit(dataDir: string): RequestInit {
  return { headers: { authorization: `Bearer ${fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()}` } };
}
