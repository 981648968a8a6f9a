import fs from 'node:fs';
import path from 'node:path';
import {
  EDITABLE_CONFIG_KEYS,
  SECRET_MASK,
  type ConfigResponse,
  type ConfigUpdateResponse,
  type ConfigValue,
  type EditableConfigKey,
} from '../contract/control-api.ts';
import { isLoopbackHost } from '../config/load.ts';
import { writeJsonAtomic } from '../json-file.ts';
import { CONFIG_KEYS, SECRET_KEYS, configSchema, type Config, type RawConfig } from '../config/schema.ts';

export class ConfigUpdateError extends Error {
  constructor(message: string, readonly issues: Array<{ key: string; message: string }>) {
    super(message);
  }
}

const EDITABLE: ReadonlySet<string> = new Set(EDITABLE_CONFIG_KEYS);

/** A strict schema for exactly the editable keys present (the full schema's defaults must not fill the others in). */
function schemaFor(input: Record<string, unknown>) {
  const keys = Object.keys(input).filter((k) => EDITABLE.has(k)) as EditableConfigKey[];
  return configSchema.pick(Object.fromEntries(keys.map((k) => [k, true])) as { [K in EditableConfigKey]?: true }).strict();
}

export interface ConfigEditorOptions {
  config: Config;
  /** The JSON file loadConfig reads: CONFIG_FILE, else DATA_DIR/config.json. */
  file: string;
  /** The environment the running config was loaded from (its keys override the file). */
  env: NodeJS.ProcessEnv;
}

function asValue(v: unknown): ConfigValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return String(v);
}

/**
 * Reads the running configuration for the dashboard (secrets masked) and saves the settings it edits into the config
 * file. Saved values apply on the next start; the answer says which keys differ from the running ones.
 */
export class ConfigEditor {
  constructor(private readonly opts: ConfigEditorOptions) {}

  private readFile(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(this.opts.file, 'utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  private fromEnv(): string[] {
    return CONFIG_KEYS.filter((k) => this.opts.env[k] !== undefined && this.opts.env[k] !== '');
  }

  read(): ConfigResponse {
    const values: Record<string, ConfigValue> = {};
    const running = this.opts.config as RawConfig;
    for (const key of CONFIG_KEYS) {
      const v = running[key];
      values[key] = SECRET_KEYS.includes(key) ? (Array.isArray(v) ? v.map(() => SECRET_MASK) : SECRET_MASK) : asValue(v);
    }
    const pending: ConfigResponse['pending'] = {};
    const fileValues = pick(this.readFile());
    const file = schemaFor(fileValues).safeParse(fileValues);
    if (file.success) {
      for (const [k, v] of Object.entries(file.data) as Array<[EditableConfigKey, unknown]>) {
        if (v !== undefined && JSON.stringify(v) !== JSON.stringify(running[k])) pending[k] = asValue(v);
      }
    }
    return { values, editable: [...EDITABLE_CONFIG_KEYS], fromEnv: this.fromEnv(), pending, file: this.opts.file };
  }

  update(patch: unknown): ConfigUpdateResponse {
    const input: Record<string, unknown> = patch && typeof patch === 'object' && !Array.isArray(patch) ? (patch as Record<string, unknown>) : {};
    if (input !== patch) throw new ConfigUpdateError('send a JSON object of settings', [{ key: '(body)', message: 'expected an object' }]);
    const parsed = schemaFor(input).safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        key: i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.map(String).join('.'),
        message: i.code === 'unrecognized_keys' ? 'not a setting the dashboard can change' : i.message,
      }));
      throw new ConfigUpdateError(issues.map((i) => `${i.key}: ${i.message}`).join('; '), issues);
    }
    const fileLayer = this.readFile();
    const next: Record<string, unknown> = { ...fileLayer };
    for (const [k, v] of Object.entries(parsed.data)) if (v !== undefined) next[k] = v;
    const whole = configSchema.safeParse(next);
    if (!whole.success) {
      const issues = whole.error.issues.map((i) => ({ key: i.path.map(String).join('.') || 'config file', message: i.message }));
      throw new ConfigUpdateError(`the config file would be invalid: ${issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`, issues);
    }
    const host = (this.opts.env.GATEWAY_HOST || whole.data.GATEWAY_HOST).trim();
    const configuredKeys = this.opts.env.GATEWAY_API_KEYS ? this.opts.config.GATEWAY_API_KEYS.length : whole.data.GATEWAY_API_KEYS.length;
    // Same rule loadConfig applies at start (it only counts GATEWAY_API_KEYS): never save a config that cannot start.
    if (!isLoopbackHost(host) && configuredKeys === 0) {
      const msg = `refusing to listen on ${host} (beyond loopback) without GATEWAY_API_KEYS set in the environment or config file`;
      throw new ConfigUpdateError(msg, [{ key: 'GATEWAY_HOST', message: msg }]);
    }
    fs.mkdirSync(path.dirname(this.opts.file), { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.opts.file, next);
    const res = this.read();
    return { ...res, restartRequired: Object.keys(res.pending) as EditableConfigKey[] };
  }
}

function pick(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of EDITABLE_CONFIG_KEYS) if (k in o) out[k] = o[k];
  return out;
}
