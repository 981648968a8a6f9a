import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The claude binary shipped in the Agent SDK's platform package (or CLAUDE_PATH when set). */
export function resolveClaudeBinary(explicit = ''): string | null {
  if (explicit) return fs.existsSync(explicit) ? explicit : null;
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const candidates = [`@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}`, `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}-musl`];
  for (const pkg of candidates) {
    try {
      const dir = path.dirname(require.resolve(`${pkg}/package.json`));
      // Inside a packaged app the binary is unpacked next to app.asar (an archive cannot be executed).
      const bin = path.join(dir, exe).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
      if (fs.existsSync(bin)) return bin;
    } catch {
      // platform package not installed: try the next
    }
  }
  return null;
}

/** `claude --version` → "2.1.330", or null when it cannot run. */
export function claudeVersion(binary: string | null): Promise<string | null> {
  if (!binary) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 15_000 }, (err, stdout) => {
      if (err) return resolve(null);
      const m = /(\d+\.\d+\.\d+)/.exec(stdout);
      resolve(m ? m[1] : stdout.trim() || null);
    });
  });
}
