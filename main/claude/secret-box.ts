/**
 * How the app keeps a secret at rest (the Claude credential a user pasted). The Electron side passes a box backed
 * by safeStorage (the OS keychain's key); without one (headless, tests) the default box does not encrypt at all and
 * the secret is protected only by its 0600 file's permissions — said as much wherever it is shown.
 */
export interface SecretBox {
  /** Recorded next to the data and shown to people: `file-permissions`, `electron-safe-storage`… */
  readonly kind: string;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export const FILE_PERMISSIONS_BOX_KIND = 'file-permissions';

/** Headless default: the bytes are the UTF-8 text; only the file mode (0600) protects them. */
export const filePermissionsBox: SecretBox = {
  kind: FILE_PERMISSIONS_BOX_KIND,
  encrypt: (plain) => Buffer.from(plain, 'utf8'),
  decrypt: (data) => data.toString('utf8'),
};
