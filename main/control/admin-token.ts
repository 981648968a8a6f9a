import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../json-file.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The control API's admin token: generated once per install (DATA_DIR/admin-token, mode 0600) and reused on every
 * start, so a dashboard tab or the Electron window keeps working across restarts. Deleting the file rotates it.
 */
export function loadOrCreateAdminToken(dataDir: string): { token: string; file: string } {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(existing)) {
      tightenMode(file);
      return { token: existing, file };
    }
  } catch {
    // missing: create below
  }
  const token = crypto.randomBytes(32).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${token}\n`);
  return { token, file };
}

function tightenMode(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    // best effort (e.g. a read-only volume)
  }
}

/** Constant-time comparison of a presented token (hashing first makes lengths equal). */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(presented).digest();
  return crypto.timingSafeEqual(a, b);
}
