/**
 * The projects a run can be placed in: those of the PROJECTS config key (changed in the config file) and those added
 * in the dashboard, kept in DATA_DIR/projects.json. Names are unique across both.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { Project, ProjectEntry, ProjectInput } from '../contract/projects.ts';
import { writeJsonAtomic } from '../json-file.ts';
import { log } from '../log.ts';
import { projectSchema } from './schema.ts';

export class ProjectError extends Error {
  constructor(readonly status: 400 | 404 | 409, readonly code: string, message: string) {
    super(message);
  }
}

const storedSchema = z.object({ projects: z.array(z.unknown()).default([]) });

export class ProjectStore {
  private app: Project[] = [];
  /** Saved entries that are not valid now (their folder is gone): kept in the file, so nothing is lost. */
  private skipped: unknown[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly file: string, private readonly configured: readonly Project[], private readonly modelIds: () => string[]) {
    this.load();
  }

  list(): ProjectEntry[] {
    return [
      ...this.configured.map((p) => this.entry(p, 'config')),
      ...this.app.map((p) => this.entry(p, 'app')),
    ];
  }

  get(name: string): Project | null {
    return this.configured.find((p) => p.name === name) ?? this.app.find((p) => p.name === name) ?? null;
  }

  /** Whether a folder is a project's (the desktop app opens only such folders and chat workspaces). */
  hasFolder(folder: string): boolean {
    return [...this.configured, ...this.app].some((p) => p.folder === folder);
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  add(input: unknown): ProjectEntry {
    const p = parse(input);
    if (this.get(p.name)) throw new ProjectError(409, 'project_exists', `A project named "${p.name}" already exists.`);
    this.commit([...this.app, p]);
    return this.entry(p, 'app');
  }

  /** Replaces a dashboard project (renaming allowed); a config-file project is changed in the config file. */
  update(name: string, input: unknown): ProjectEntry {
    const i = this.indexOfApp(name);
    const p = parse(input);
    if (p.name !== name && this.get(p.name)) throw new ProjectError(409, 'project_exists', `A project named "${p.name}" already exists.`);
    this.commit(this.app.map((q, j) => (j === i ? p : q)));
    return this.entry(p, 'app');
  }

  /**
   * "Always allow in this project" for a dashboard project: the rule is appended to its policy's allow list. An empty
   * list means the configured default (`seed`), so it first takes that list: one rule never narrows the project.
   */
  addAllowRule(name: string, rule: string, seed: readonly string[]): ProjectEntry {
    const i = this.indexOfApp(name);
    const p = this.app[i];
    const base = p.policy.allow.length ? p.policy.allow : [...new Set(seed)];
    if (base.includes(rule) && p.policy.allow.length) return this.entry(p, 'app');
    return this.replaceAllow(i, [...base.filter((r) => r !== rule), rule]);
  }

  /** Removes one allow rule of a dashboard project; an emptied list means the configured default again. */
  removeAllowRule(name: string, rule: string): ProjectEntry {
    const i = this.indexOfApp(name);
    const p = this.app[i];
    if (!p.policy.allow.includes(rule)) throw new ProjectError(404, 'rule_not_found', `Project "${name}" has no allow rule ${JSON.stringify(rule)}.`);
    return this.replaceAllow(i, p.policy.allow.filter((r) => r !== rule));
  }

  /** Whether a project's policy belongs to the app (dashboard) rather than the config file. */
  isAppProject(name: string): boolean {
    return this.app.some((p) => p.name === name) && !this.configured.some((p) => p.name === name);
  }

  private replaceAllow(i: number, allow: string[]): ProjectEntry {
    const p = this.app[i];
    const next = parse({ ...p, policy: { ...p.policy, allow } });
    this.commit(this.app.map((q, j) => (j === i ? next : q)));
    return this.entry(next, 'app');
  }

  remove(name: string): void {
    const i = this.indexOfApp(name);
    this.commit(this.app.filter((_q, j) => j !== i));
  }

  private indexOfApp(name: string): number {
    if (this.configured.some((p) => p.name === name)) {
      throw new ProjectError(409, 'defined_in_config', `Project "${name}" is defined in the config file (PROJECTS): change it there.`);
    }
    const i = this.app.findIndex((p) => p.name === name);
    if (i < 0) throw new ProjectError(404, 'not_found', `No project named "${name}".`);
    return i;
  }

  private entry(p: Project, source: ProjectEntry['source']): ProjectEntry {
    return { ...p, source, modelIds: this.modelIds().map((m) => `${m}@${p.name}`) };
  }

  private load(): void {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return; // none saved yet
    }
    const stored = storedSchema.safeParse(raw);
    for (const item of stored.success ? stored.data.projects : []) {
      const p = projectSchema.safeParse(item);
      // A folder removed since is not fatal: that project is left out, with a warning, until it is valid again.
      if (p.success && !this.get(p.data.name)) this.app.push(p.data);
      else {
        this.skipped.push(item);
        log.warn(`project ${JSON.stringify(nameOf(item))} in ${this.file} skipped: ${p.success ? 'its name is taken by a PROJECTS entry' : p.error.issues[0]?.message}`);
      }
    }
  }

  /** Writes the new list, then puts it in force: a failed write (it throws) changes nothing. */
  private commit(next: Project[]): void {
    writeJsonAtomic(this.file, { projects: [...next, ...this.skipped] });
    this.app = next;
    for (const cb of this.listeners) cb();
  }
}

function nameOf(item: unknown): string {
  const r = z.object({ name: z.string() }).safeParse(item);
  return r.success ? r.data.name : '?';
}

function parse(input: unknown): Project {
  const r = projectSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ProjectError(400, 'invalid_project', `${where}${issue?.message ?? 'invalid project'}`);
}

export type { ProjectInput };
