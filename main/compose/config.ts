import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';
import type { ComposeManagerOptions } from './manager.ts';

/**
 * The app's docker/ folder (Dockerfile + compose files): found by walking up from this module, so it works from
 * the source tree and from a build that ships docker/ next to its code (electron-builder extraResources).
 */
export function findDockerDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'docker', 'compose.yaml');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** COMPOSE_FILE is a path list like compose's own (':' on POSIX, ';' on Windows); empty = docker/compose.yaml. */
export function resolveComposeFiles(composeFile: string, dockerDir: string | null = findDockerDir()): string[] {
  const listed = composeFile.split(path.delimiter).map((s) => s.trim()).filter(Boolean);
  if (listed.length) return listed.map((f) => path.resolve(f));
  if (!dockerDir) throw new Error('No compose file: set COMPOSE_FILE (docker/compose.yaml was not found next to the app)');
  return [path.join(dockerDir, 'compose.yaml')];
}

/** Compose manager options from the app config: project, service, image, and the run workspace mounted at /workspace. */
export function composeOptionsFromConfig(config: Pick<Config, 'COMPOSE_FILE' | 'COMPOSE_PROJECT' | 'COMPOSE_SERVICE' | 'DOCKER_IMAGE' | 'claudeCwd'>, extra: Partial<ComposeManagerOptions> = {}): ComposeManagerOptions {
  const dockerDir = findDockerDir();
  return {
    files: resolveComposeFiles(config.COMPOSE_FILE, dockerDir),
    project: config.COMPOSE_PROJECT,
    service: config.COMPOSE_SERVICE,
    image: config.DOCKER_IMAGE,
    workspace: config.claudeCwd,
    ...(dockerDir ? { dockerDir } : {}),
    ...extra,
  };
}
