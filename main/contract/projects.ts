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
  /** Domains commands may reach (sandboxed mode); a remote model API is always reachable. */
  allowedDomains: string[];
  /**
   * Load the folder's own Claude Code configuration under read-only and sandboxed: its `.mcp.json` servers,
   * `.claude/settings*.json` (hooks, permissions) and `CLAUDE.md`. Those start processes outside the sandbox, so a
   * chat that planted one would escape it: off unless the owner turns it on (absent: off). `full` always loads them.
   */
  trustFolderConfig?: boolean;
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

/**
 * The policy a project gets when it names none: sandboxed. Not the DEFAULT_POLICY setting (chat workspaces' policy,
 * `auto` by default, resolved per machine in main/policy/default-policy.ts).
 */
export const SANDBOXED_PROJECT_POLICY: ProjectPolicy = { mode: 'sandboxed', allow: [], denyRead: [], allowedDomains: [] };

/** A project as the control API lists it: where it is defined decides whether the dashboard may change it. */
export interface ProjectEntry extends Project {
  /** config: the PROJECTS key (edit the config file); app: added in the dashboard (DATA_DIR/projects.json). */
  source: 'config' | 'app';
  /** Model ids that run in this project (`<model>@<name>`). */
  modelIds: string[];
}

/** POST /api/projects, PUT /api/projects/:name (policy fields may be left out: the defaults apply). */
export interface ProjectInput {
  name: string;
  folder: string;
  policy?: Partial<ProjectPolicy>;
}

export interface ProjectListResponse {
  projects: ProjectEntry[];
}

/** A conversation's own folder under CLAUDE_CWD/chats (runs without a project); the map lives in DATA_DIR/workspaces.json. */
export interface ChatWorkspace {
  /** The folder's name under CLAUDE_CWD/chats: the id used by /api/workspaces. */
  id: string;
  folder: string;
  createdAt: string;
  lastUsedAt: string;
  /** Pinned workspaces are never removed after SESSION_TTL_S. */
  pinned: boolean;
}

export interface WorkspaceListResponse {
  workspaces: ChatWorkspace[];
  /** Unpinned workspaces unused for this long are removed (SESSION_TTL_S). */
  ttlS: number;
}
