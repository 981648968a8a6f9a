/**
 * Projects in the docker runtime: each project's folder is mounted at /projects/<name> by a compose override the app
 * generates (DATA_DIR/compose.projects.yaml, after the configured compose files), and a run's host cwd inside a
 * project's folder becomes that path in the container. Chat workspaces need nothing: they live under the /workspace
 * mount. A changed project list reaches the container when it is recreated (Up).
 */
import path from 'node:path';
import type { Project } from '../contract/projects.ts';
import { writeFileAtomic } from '../json-file.ts';

export const CONTAINER_PROJECTS_DIR = '/projects';

export function containerProjectPath(name: string): string {
  return path.posix.join(CONTAINER_PROJECTS_DIR, name);
}

/** The override's text: JSON, which compose reads as YAML. Names are URL-safe, so they are safe in a path too. */
export function projectsOverride(service: string, projects: readonly Project[]): string {
  const volumes = projects.map((p) => ({ type: 'bind', source: p.folder, target: containerProjectPath(p.name) }));
  return `${JSON.stringify({ services: { [service]: volumes.length ? { volumes } : {} } }, null, 2)}\n`;
}

export function writeProjectsOverride(file: string, service: string, projects: readonly Project[]): void {
  writeFileAtomic(file, projectsOverride(service, projects), { mode: 0o644 });
}

/** The project mounts as host folder → container folder (the docker runtime translates settings' paths through them). */
export function projectMounts(projects: readonly Project[]): Array<{ host: string; container: string }> {
  return projects.map((p) => ({ host: path.resolve(p.folder), container: containerProjectPath(p.name) }));
}

/** The container path of a host cwd inside a project's folder, or null (then the workspace mapping applies). */
export function projectCwdMapper(projects: () => readonly Project[]): (cwd: string) => string | null {
  return (cwd) => {
    const abs = path.resolve(cwd);
    for (const p of projects()) {
      const rel = path.relative(p.folder, abs);
      if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return path.posix.join(containerProjectPath(p.name), ...rel.split(path.sep).filter(Boolean));
    }
    return null;
  };
}
