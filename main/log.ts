import path from 'node:path';
import log from 'electron-log/node';

/**
 * The app's one logger (electron-log works in plain Node and in Electron). Console plus a rotating file under
 * DATA_DIR/logs once `configureLog` ran. Nothing secret is ever passed to it: callers log ids, counts and
 * outcomes, and `redact` scrubs bearer tokens and keys from any free text (Claude's stderr, error messages).
 */
export { log };

const SECRET_PATTERNS: RegExp[] = [
  /(authorization:\s*bearer\s+)[^\s"']+/gi,
  /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(sk-[A-Za-z0-9_-]{6,})/g,
  /((?:api[_-]?key|token|secret|password)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) out = out.replace(re, (_m, prefix: string) => (prefix.startsWith('sk-') ? 'sk-***' : `${prefix}***`));
  return out;
}

export function configureLog(opts: { dataDir: string; level: 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly'; console?: boolean }): string {
  const file = path.join(opts.dataDir, 'logs', 'gateway.log');
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.level = opts.level;
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.transports.console.level = opts.console === false ? false : opts.level;
  log.transports.console.format = '{h}:{i}:{s}.{ms} [{level}] {text}';
  return file;
}

export function logFilePath(): string {
  return log.transports.file.getFile().path;
}
