import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ApiKeyInfo, ApiKeyScope } from '../contract/control-api.ts';
import { apiKeyScopeSchema } from '../contract/control-routes.ts';
import type { KeyGrant } from '../gateway/auth.ts';
import { writeJsonAtomic } from '../json-file.ts';

export const API_KEYS_FILE = 'api-keys.json';

const fileSchema = z.object({
  // keys written before scopes existed have none: unlimited, as they were
  keys: z.array(z.object({ id: z.string(), name: z.string(), secret: z.string().min(16), createdAt: z.string(), scope: apiKeyScopeSchema.nullable().default(null) })),
});
type StoredKey = z.infer<typeof fileSchema>['keys'][number];

/**
 * API keys created from the dashboard: DATA_DIR/api-keys.json (mode 0600, like the admin token). The secret is shown
 * once at creation and never again over the control API; /v1 auth reads `secrets()` on every request, so a revoked
 * key stops working at once.
 */
export class ApiKeyStore {
  readonly file: string;
  private keys: StoredKey[] = [];

  constructor(dataDir: string) {
    this.file = path.join(dataDir, API_KEYS_FILE);
    this.load();
  }

  private load(): void {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const parsed = fileSchema.safeParse(JSON.parse(raw) as unknown);
    if (!parsed.success) throw new Error(`${this.file} is not a valid API key file: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.keys = parsed.data.keys;
  }

  private save(): void {
    writeJsonAtomic(this.file, { keys: this.keys });
  }

  list(): ApiKeyInfo[] {
    return this.keys.map(info);
  }

  secrets(): string[] {
    return this.keys.map((k) => k.secret);
  }

  /** What /v1 checks on every request: each secret with its scope. */
  grants(): KeyGrant[] {
    return this.keys.map((k) => ({ secret: k.secret, scope: k.scope }));
  }

  create(name: string, scope: ApiKeyScope | null = null): { key: ApiKeyInfo; secret: string } {
    const secret = `sk-ccg-${crypto.randomBytes(24).toString('base64url')}`;
    const stored: StoredKey = { id: `key_${crypto.randomBytes(6).toString('hex')}`, name: name.trim() || 'key', secret, createdAt: new Date().toISOString(), scope };
    this.keys.push(stored);
    this.save();
    return { key: info(stored), secret };
  }

  /** A new scope for a key, in force from its next request; null when there is no such key. */
  setScope(id: string, scope: ApiKeyScope | null): ApiKeyInfo | null {
    const key = this.keys.find((k) => k.id === id);
    if (!key) return null;
    key.scope = scope;
    this.save();
    return info(key);
  }

  revoke(id: string): boolean {
    const before = this.keys.length;
    this.keys = this.keys.filter((k) => k.id !== id);
    if (this.keys.length === before) return false;
    this.save();
    return true;
  }
}

function info(k: StoredKey): ApiKeyInfo {
  return { id: k.id, name: k.name, prefix: `${k.secret.slice(0, 11)}…`, createdAt: k.createdAt, scope: k.scope };
}
