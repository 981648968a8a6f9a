import path from 'node:path';
import { findResourceDir } from '../app-paths.ts';
import type { Config } from '../config/schema.ts';
import type { ComposeManagerOptions } from './manager.ts';

/**
 * The app's docker/ folder (Dockerfile + compose files): beside the installed app (electron-builder extraResources —
 * the docker CLI cannot read inside app.asar) or in the checkout.
 */
export function findDockerDir(opts: { appRoot?: string; resourcesPath?: string | undefined } = {}): string | null {
  return findResourceDir('docker', 'compose.yaml', opts);
}

/** COMPOSE_FILE is a path list like compose's own (':' on POSIX, ';' on Windows); empty = docker/compose.yaml. */
export function resolveComposeFiles(composeFile: string, dockerDir: string | null = findDockerDir()): string[] {
  const listed = composeFile.split(path.delimiter).map((s) => s.trim()).filter(Boolean);
  if (listed.length) return listed.map((f) => path.resolve(f));
  if (!dockerDir) throw new Error('No compose file: set COMPOSE_FILE (docker/compose.yaml was not found next to the app)');
  return [path.join(dockerDir, 'compose.yaml')];
}

/**
 * Compose manager options from the app config: project, service, image, the run workspace mounted at /workspace,
 * and the OAuth callback port. Claude Code in the container must use the same port as the host listener: a login a
 * user starts in the container (`/mcp`) sends the browser to localhost:<that port>, where only our listener is, and
 * the listener relays unknown states to the container's 127.0.0.1:OAUTH_CALLBACK_PORT.
 */
export function composeOptionsFromConfig(config: Pick<Config, 'COMPOSE_FILE' | 'COMPOSE_PROJECT' | 'COMPOSE_SERVICE' | 'DOCKER_IMAGE' | 'OAUTH_CALLBACK_PORT' | 'claudeCwd'>, extra: Partial<ComposeManagerOptions> = {}): ComposeManagerOptions {
  const dockerDir = findDockerDir();
  // Port 0 (any free port, tests) has no fixed counterpart: the container keeps compose.yaml's default.
  const port: Record<string, string> = config.OAUTH_CALLBACK_PORT > 0 ? { CCG_OAUTH_CALLBACK_PORT: String(config.OAUTH_CALLBACK_PORT) } : {};
  return {
    files: resolveComposeFiles(config.COMPOSE_FILE, dockerDir),
    project: config.COMPOSE_PROJECT,
    service: config.COMPOSE_SERVICE,
    image: config.DOCKER_IMAGE,
    workspace: config.claudeCwd,
    ...extra,
    env: { ...port, ...extra.env },
  };
}
