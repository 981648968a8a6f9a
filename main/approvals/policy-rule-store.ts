import type { AllowRulePlace } from '../contract/approvals.ts';
import type { ProjectStore } from '../projects/store.ts';
import type { FileRuleStore, ProjectRuleStore } from './rule-store.ts';

/**
 * "Always allow in this project", written where the project's policy lives: a project added in the app gets the rule
 * in its own `policy.allow` (DATA_DIR/projects.json, so it reaches Claude Code's allowedTools and shows on the
 * Projects page); a project of the config file (read-only from the app) and the chat workspaces keep theirs in the
 * separate rule file, applied by the gateway on top of the policy.
 */
export class PolicyRuleStore implements ProjectRuleStore {
  constructor(
    private readonly projects: ProjectStore,
    private readonly file: FileRuleStore,
    /** What an empty `allow` list means today (CLAUDE_ALLOWED_TOOLS + the MCP servers' tools): a project's seed. */
    private readonly defaultAllow: () => Promise<string[]>,
  ) {}

  /** The rules that let a call through without asking: an app project's whole allow list, plus any rule-file ones. */
  rules(project: string | null): string[] {
    const own = project !== null && this.projects.isAppProject(project) ? this.projects.get(project)?.policy.allow ?? [] : [];
    return [...new Set([...own, ...this.file.rules(project)])];
  }

  async add(project: string | null, rule: string): Promise<boolean> {
    if (project !== null && this.projects.isAppProject(project)) {
      const allow = this.projects.get(project)?.policy.allow ?? [];
      if (allow.includes(rule)) return false;
      // The project store writes before the new list is in force (it throws otherwise).
      this.projects.addAllowRule(project, rule, allow.length ? [] : await this.defaultAllow());
      return true;
    }
    return this.file.add(project, rule);
  }

  /** Undoes an add (its approval ended while it was saved). */
  async remove(project: string | null, rule: string): Promise<boolean> {
    if (project !== null && this.projects.isAppProject(project)) {
      if (!(this.projects.get(project)?.policy.allow ?? []).includes(rule)) return false;
      this.projects.removeAllowRule(project, rule);
      return true;
    }
    return this.file.remove(project, rule);
  }

  /** The rule file's grants per place (config-file projects, chat workspaces, and any left from before). */
  places(): AllowRulePlace[] {
    return this.file.places();
  }

  /** Removes a rule-file grant; false when there was none. */
  removeGranted(project: string | null, rule: string): Promise<boolean> {
    return this.file.remove(project, rule);
  }
}
