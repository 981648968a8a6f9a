import path from 'node:path';
import { z } from 'zod';
import type { ComponentHealth } from '../contract/control-api.ts';
import { readJsonFile, writeJsonAtomicAsync } from '../json-file.ts';

/**
 * Where "Always allow in this project" rules live. A project added in the app keeps them in its own policy
 * (PolicyRuleStore); a config-file project and the chat workspaces keep them here, in a small file under DATA_DIR.
 */
export interface ProjectRuleStore {
  /** The rules granted in the app for a project (null: the chat workspaces). */
  rules(project: string | null): string[];
  /** Adds a rule (kept once): in force only once persisted; true when it was not there before. */
  add(project: string | null, rule: string): Promise<boolean>;
  /** Removes a rule (undoes an add whose approval ended meanwhile); false when it was not there. */
  remove(project: string | null, rule: string): Promise<boolean>;
}

/** The key chat workspaces use in the file: a project name is URL-safe, so it can never be this. */
const CHATS = '(chat workspaces)';

const fileSchema = z.object({ version: z.literal(1), projects: z.record(z.string(), z.array(z.string())) });

/**
 * DATA_DIR/approval-rules.json, mode 0600. Changes are serialized and each is in force only after its atomic write
 * succeeded. A file that is not valid at start is set aside (kept for repair) and shown on Health: its rules are not in
 * force, so calls ask again, never the reverse.
 */
export class FileRuleStore implements ProjectRuleStore {
  private data: Record<string, string[]> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private loadProblem: string | null = null;
  private saveProblem: string | null = null;
  private readonly since = new Date().toISOString();

  constructor(private readonly file: string, private readonly warn: (m: string) => void = () => undefined) {
    this.read();
  }

  static inDataDir(dataDir: string, warn?: (m: string) => void): FileRuleStore {
    return new FileRuleStore(path.join(dataDir, 'approval-rules.json'), warn);
  }

  rules(project: string | null): string[] {
    return [...(this.data[project ?? CHATS] ?? [])];
  }

  /** Every place with rules here: project name, or null for the chat workspaces. */
  places(): Array<{ project: string | null; rules: string[] }> {
    return Object.entries(this.data).filter(([, r]) => r.length > 0).map(([k, r]) => ({ project: k === CHATS ? null : k, rules: [...r] }));
  }

  add(project: string | null, rule: string): Promise<boolean> {
    const key = project ?? CHATS;
    return this.change((data) => {
      const list = data[key] ?? [];
      return list.includes(rule) ? null : { ...data, [key]: [...list, rule] };
    });
  }

  /** Removes a rule; false when it was not there. */
  remove(project: string | null, rule: string): Promise<boolean> {
    const key = project ?? CHATS;
    return this.change((data) => {
      const list = data[key] ?? [];
      if (!list.includes(rule)) return null;
      const rest = Object.fromEntries(Object.entries(data).filter(([k]) => k !== key));
      return list.length > 1 ? { ...rest, [key]: list.filter((r) => r !== rule) } : rest;
    });
  }

  /** The "approval rules" Health card: a file that could not be read or saved is an error naming it. */
  health(): ComponentHealth {
    const reason = [this.loadProblem, this.saveProblem].filter((p): p is string => p !== null).join(' ');
    return { name: 'approval-rules', status: reason ? 'error' : 'ok', reason: reason || null, since: this.since, details: { file: this.file, places: this.places().length } };
  }

  /** One change at a time, computed from what is in force when its turn comes; null: nothing to change. */
  private change(next: (data: Record<string, string[]>) => Record<string, string[]> | null): Promise<boolean> {
    const run = this.queue.then(async () => {
      const data = next(this.data);
      if (!data) return false;
      try {
        await writeJsonAtomicAsync(this.file, { version: 1, projects: data });
      } catch (err) {
        this.saveProblem = `The last "always allow" change could not be saved to ${this.file} (${err instanceof Error ? err.message : String(err)}): it is not in force.`;
        throw err;
      }
      this.saveProblem = null;
      this.data = data;
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private read(): void {
    const r = readJsonFile(this.file, fileSchema);
    if (r.state === 'ok') this.data = r.value.projects;
    if (r.state !== 'corrupt') return;
    const kept = r.keptAs ? `kept as ${r.keptAs}` : 'left in place';
    this.loadProblem = `${this.file} was not a valid rules file (${r.reason}); ${kept}. Its rules are not in force (approvals ask again): repair it and put it back while the app is stopped.`;
    // A damaged file must not stop the app: its rules are ignored (everything asks again) and it is said why.
    this.warn(`${this.file} is not a valid rules file (${r.reason}); ${kept}; approvals ask again until it is fixed`);
  }
}
