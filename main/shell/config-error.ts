/**
 * A configuration the app cannot start with, told to a person: which key, where it was set (the file or the
 * environment), and what fixes it. Shown in a dialog after `ready` (before it, Linux has no dialog: only stderr).
 */
import path from 'node:path';

export interface ConfigProblem {
  title: string;
  /** Dialog body: the problem, the key's source, the fix. */
  detail: string;
  key: string | null;
  file: string;
}

/** Exit code of an invalid configuration (EX_CONFIG), shared with headless mode. */
export const EXIT_CONFIG = 78;

export function describeConfigProblem(err: { message: string; key: string | null }, env: NodeJS.ProcessEnv, defaultDataDir: string): ConfigProblem {
  const file = env.CONFIG_FILE || path.join(env.DATA_DIR || defaultDataDir, 'config.json');
  const key = err.key;
  const fromEnv = key !== null && key !== 'CONFIG_FILE' && env[key] !== undefined && env[key] !== '';
  const where = key === 'CONFIG_FILE' ? `the config file ${file}` : fromEnv ? `the environment variable ${key}` : `the config file ${file}`;
  const fix = key === 'CONFIG_FILE'
    ? `Fix or remove ${file} (it must hold one JSON object), or point CONFIG_FILE at a valid file.`
    : fromEnv
      ? `Correct or unset ${key} in the environment the app starts with (your shell profile, or the launcher's settings), then start the app again.`
      : `Open ${file}, correct "${key ?? 'the named key'}" (or delete the line to use the default), then start the app again.`;
  return {
    title: 'Claude Code Gateway cannot start: invalid configuration',
    detail: `${err.message}\n\nSet in: ${where}\n\nFix: ${fix}\n\nEvery setting is listed in docs/configuration.md.`,
    key,
    file,
  };
}
