import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CONFIG_KEYS, configSchema, type Config, type RawConfig } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string, readonly key: string | null) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Reads the optional JSON config file: CONFIG_FILE, else DATA_DIR/config.json when present. */
function readFileLayer(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const explicit = env.CONFIG_FILE;
  const dataDir = env.DATA_DIR || (configSchema.shape.DATA_DIR.parse(undefined) as string);
  const file = explicit || path.join(dataDir, 'config.json');
  if (!fs.existsSync(file)) {
    if (explicit) throw new ConfigError(`CONFIG_FILE: ${file} does not exist`, 'CONFIG_FILE');
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE: ${file} is not valid JSON (${(err as Error).message})`, 'CONFIG_FILE');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`CONFIG_FILE: ${file} must hold a JSON object`, 'CONFIG_FILE');
  return parsed as Record<string, unknown>;
}

/** defaults < config file < environment; throws ConfigError naming the first bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof RawConfig, unknown>> = {}): Config {
  const merged: Record<string, unknown> = { ...readFileLayer(env) };
  for (const key of CONFIG_KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') merged[key] = v;
    else if (v === '' && key === 'GATEWAY_API_KEYS') merged[key] = '';
  }
  Object.assign(merged, overrides);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssue(result.error, merged), firstKey(result.error));
  const raw = result.data;
  if (!isLoopbackHost(raw.GATEWAY_HOST) && raw.GATEWAY_API_KEYS.length === 0) {
    throw new ConfigError(
      `GATEWAY_HOST: refusing to listen on ${raw.GATEWAY_HOST} (beyond loopback) without an API key — set GATEWAY_API_KEYS`,
      'GATEWAY_HOST',
    );
  }
  // Behind a proxy every remote client arrives from loopback: only a key tells them apart from this machine's users.
  if (raw.TRUSTED_PROXY.length > 0 && raw.GATEWAY_API_KEYS.length === 0) {
    throw new ConfigError(
      `TRUSTED_PROXY: refusing to serve behind a proxy (${raw.TRUSTED_PROXY.join(', ')}) without an API key — set GATEWAY_API_KEYS (remote clients would reach /v1 as if they were on this machine)`,
      'TRUSTED_PROXY',
    );
  }
  const dataDir = path.resolve(raw.DATA_DIR);
  return { ...raw, DATA_DIR: dataDir, claudeCwd: path.resolve(raw.CLAUDE_CWD || path.join(dataDir, 'workspace')) };
}

function firstKey(err: z.ZodError): string | null {
  const p = err.issues[0]?.path[0];
  return typeof p === 'string' ? p : null;
}

function describeIssue(err: z.ZodError, input: Record<string, unknown>): string {
  return err.issues
    .map((i) => {
      const key = i.path.map(String).join('.') || '(root)';
      if (i.code === 'unrecognized_keys') return `unknown config key(s): ${i.keys.join(', ')}`;
      const got = i.path[0] !== undefined ? input[String(i.path[0])] : undefined;
      return `${key}: ${i.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
    })
    .join('; ');
}
