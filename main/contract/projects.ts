/**
 * Projects, policies and approvals as the control API and the dashboard see them. A project is a name, a folder and
 * a policy; a chat without a project works in its own workspace folder under the default policy.
 */

export const POLICY_MODES = ['read-only', 'sandboxed', 'full'] as const;
/** read-only: no command tools, file tools confined to the folder; sandboxed: Claude Code's Bash sandbox; full: unconfined. */
export type PolicyMode = (typeof POLICY_MODES)[number];

export interface ProjectPolicy {
  mode: PolicyMode;
  /** Tool rules run without asking (Claude Code permission-rule syntax: "Read", "Bash(npm test:*)"). */
  allow: string[];
  /** Paths Claude's commands may not read (sandboxed mode), on top of the built-in secret paths. */
  denyRead: string[];
  /** Domains commands may reach (sandboxed mode); the model API is always reachable. */
  allowedDomains: string[];
}

export interface Project {
  /** URL-safe, unique: also the suffix of its model ids (`sonnet@<name>`). */
  name: string;
  /** Absolute path of an existing, readable directory. */
  folder: string;
  policy: ProjectPolicy;
}

/** Where one run works and what it may do. */
export interface RunPlace {
  /** The project's name, or null for a conversation's own workspace. */
  project: string | null;
  folder: string;
  policy: ProjectPolicy;
}
