/**
 * The Claude credential a user pasted into the app: one API key or OAuth token in DATA_DIR/claude-credential.json
 * (mode 0600), its value passed through a SecretBox. With the headless box that file holds the value unencrypted
 * and only its permissions protect it; the desktop app passes a safeStorage box. The value leaves this module only
 * as the environment of Claude runs (`env()`), never in `info()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ClaudeCredentialKind, StoredCredentialInfo } from '../contract/claude-auth-api.ts';
import { writeJsonAtomic } from '../json-file.ts';
import { CREDENTIAL_ENV, maskSecret } from './credential-shape.ts';
import { FILE_PERMISSIONS_BOX_KIND, filePermissionsBox, type SecretBox } from './secret-box.ts';

export const CREDENTIAL_FILE = 'claude-credential.json';

const fileSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['api_key', 'oauth_token']),
  /** The SecretBox kind that wrote `data`. */
  box: z.string().min(1),
  /** base64 of the box's output. */
  data: z.string(),
  hint: z.string(),
  savedAt: z.string(),
});
type CredentialFile = z.infer<typeof fileSchema>;

export interface CredentialStoreOptions {
  dataDir: string;
  box?: SecretBox;
  /** A stored credential this box cannot open, or a damaged file: said once, never with a value. */
  onProblem?: (message: string) => void;
}

export class ClaudeCredentialStore {
  readonly file: string;
  private readonly box: SecretBox;
  private record: CredentialFile | null = null;
  private secret: { kind: ClaudeCredentialKind; value: string } | null = null;
  private unreadable = false;

  constructor(private readonly opts: CredentialStoreOptions) {
    this.file = path.join(opts.dataDir, CREDENTIAL_FILE);
    this.box = opts.box ?? filePermissionsBox;
    this.load();
  }

  private load(): void {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch {
      return; // none saved
    }
    let parsed: ReturnType<typeof fileSchema.safeParse>;
    try {
      parsed = fileSchema.safeParse(JSON.parse(raw) as unknown);
    } catch {
      parsed = fileSchema.safeParse(null);
    }
    if (!parsed.success) {
      this.opts.onProblem?.(`${this.file} is damaged; the saved Claude credential is ignored until it is saved again`);
      return;
    }
    this.record = parsed.data;
    tightenMode(this.file);
    const data = Buffer.from(parsed.data.data, 'base64');
    try {
      if (parsed.data.box === this.box.kind) {
        this.secret = { kind: parsed.data.kind, value: this.box.decrypt(data) };
      } else if (parsed.data.box === FILE_PERMISSIONS_BOX_KIND) {
        // Saved headless, opened by the desktop app: move it into the stronger box.
        this.save(parsed.data.kind, filePermissionsBox.decrypt(data), parsed.data.savedAt);
      } else {
        throw new Error(`saved with ${parsed.data.box}, which this start of the app (${this.box.kind}) cannot open`);
      }
    } catch (err) {
      this.unreadable = true;
      this.opts.onProblem?.(`the saved Claude credential cannot be read (${err instanceof Error ? err.message : 'decryption failed'}); save it again`);
    }
  }

  /** What may be shown: kind, masked hint, when, how it is protected. Never the value. */
  info(): StoredCredentialInfo | null {
    const r = this.record;
    return r ? { kind: r.kind, hint: r.hint, savedAt: r.savedAt, protection: r.box, readable: !this.unreadable } : null;
  }

  /** The variable Claude Code reads the stored credential from, or {} when none is usable. */
  env(): Record<string, string> {
    return this.secret ? { [CREDENTIAL_ENV[this.secret.kind]]: this.secret.value } : {};
  }

  /** Saves (replacing any earlier one) atomically with mode 0600; the value must already be checked. */
  save(kind: ClaudeCredentialKind, value: string, savedAt = new Date().toISOString()): void {
    const record: CredentialFile = { version: 1, kind, box: this.box.kind, data: this.box.encrypt(value).toString('base64'), hint: maskSecret(value), savedAt };
    fs.mkdirSync(this.opts.dataDir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file, record);
    this.record = record;
    this.secret = { kind, value };
    this.unreadable = false;
  }

  /** Forgets the stored credential; true when there was one. */
  clear(): boolean {
    const had = this.record !== null;
    fs.rmSync(this.file, { force: true });
    this.record = null;
    this.secret = null;
    this.unreadable = false;
    return had;
  }
}

function tightenMode(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    // best effort (a read-only volume)
  }
}
