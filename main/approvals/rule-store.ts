import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Where "Always allow in this project" rules live. Behind this interface so the projects store can take it over
 * (the rules then show in the project's policy); until then a small file under DATA_DIR keyed by project name.
 */
export interface ProjectRuleStore {
  /** The rules granted in the app for a project (null: the chat workspaces). */
  rules(project: string | null): string[];
  /** Adds a rule (kept once); persisted before it resolves. */
  add(project: string | null, rule: string): Promise<void>;
}

/** The key chat workspaces use in the file: a project name is URL-safe, so it can never be this. */
const CHATS = '(chat workspaces)';

const fileSchema = z.object({ version: z.literal(1), projects: z.record(z.string(), z.array(z.string())) });

/** DATA_DIR/approval-rules.json, written atomically (temp file + rename), mode 0600. */
export class FileRuleStore implements ProjectRuleStore {
  private data: Record<string, string[]>;

  constructor(private readonly file: string, private readonly warn: (m: string) => void = () => undefined) {
    this.data = this.read();
  }

  static inDataDir(dataDir: string, warn?: (m: string) => void): FileRuleStore {
    return new FileRuleStore(path.join(dataDir, 'approval-rules.json'), warn);
  }

  rules(project: string | null): string[] {
    return [...(this.data[project ?? CHATS] ?? [])];
  }

  async add(project: string | null, rule: string): Promise<void> {
    const key = project ?? CHATS;
    const list = this.data[key] ?? [];
    if (list.includes(rule)) return;
    this.data = { ...this.data, [key]: [...list, rule] };
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, `${JSON.stringify({ version: 1, projects: this.data }, null, 2)}\n`, { mode: 0o600 });
    await fs.promises.rename(tmp, this.file);
  }

  private read(): Record<string, string[]> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return {};
    }
    try {
      return fileSchema.parse(JSON.parse(text)).projects;
    } catch (err) {
      // A damaged file must not stop the app: its rules are ignored (everything asks again) and it is said why.
      this.warn(`${this.file} is not a valid rules file (${err instanceof Error ? err.message.slice(0, 200) : String(err)}); approvals ask again until it is fixed`);
      return {};
    }
  }
}
