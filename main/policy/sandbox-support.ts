import fs from 'node:fs';
import path from 'node:path';

/** The Debian/Ubuntu command that brings what Claude Code's Linux sandbox needs. */
export const SANDBOX_INSTALL_COMMAND = 'apt-get install bubblewrap socat';

/** Whether Claude Code's command sandbox can run on this machine, and if not, why in words. */
export interface SandboxSupport {
  platform: NodeJS.Platform;
  /** Null when the sandbox can run; else the reason (missing tools with the install command, or the platform). */
  unavailable: string | null;
  /** Linux: where bwrap and socat were found (null = missing); other platforms: empty. */
  dependencies: Record<string, string | null>;
}

/** First executable file named `name` on a PATH string, or null. */
export function findOnPath(name: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Checks the sandbox's dependencies as Claude Code needs them: bubblewrap and socat on Linux (looked up on the PATH
 * Claude Code gets), Seatbelt (`sandbox-exec`, part of macOS) on macOS; Windows has no Claude Code sandbox.
 */
export function checkSandboxSupport(platform: NodeJS.Platform = process.platform, pathEnv: string = process.env.PATH ?? ''): SandboxSupport {
  if (platform === 'linux') {
    const dependencies = { bwrap: findOnPath('bwrap', pathEnv), socat: findOnPath('socat', pathEnv) };
    const missing = [dependencies.bwrap ? null : 'bubblewrap (bwrap)', dependencies.socat ? null : 'socat'].filter((m): m is string => m !== null);
    const unavailable = missing.length ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed — install with \`${SANDBOX_INSTALL_COMMAND}\`` : null;
    return { platform, unavailable, dependencies };
  }
  if (platform === 'darwin') return { platform, unavailable: null, dependencies: {} };
  if (platform === 'win32') return { platform, unavailable: 'Windows has no Claude Code command sandbox', dependencies: {} };
  return { platform, unavailable: `Claude Code has no command sandbox on ${platform}`, dependencies: {} };
}
