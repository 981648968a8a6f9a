/**
 * The projects and chat workspaces route table (`/api/projects`, `/api/workspaces`, main/control/projects-router.ts),
 * with the schemas the renderer validates answers with (types in projects.ts).
 */
import { z } from 'zod';
import { POLICY_MODES, type ChatWorkspace, type ProjectEntry, type ProjectInput, type ProjectListResponse, type ProjectPolicy, type WorkspaceListResponse } from './projects.ts';
import { route, shape } from './route.ts';

const policy: z.ZodType<ProjectPolicy> = z.object({
  mode: z.enum(POLICY_MODES),
  allow: z.array(z.string()),
  denyRead: z.array(z.string()),
  allowedDomains: z.array(z.string()),
  trustFolderConfig: z.boolean().optional(),
});

const projectEntry: z.ZodType<ProjectEntry> = z.object({
  name: z.string(),
  folder: z.string(),
  policy,
  source: z.enum(['config', 'app']),
  modelIds: z.array(z.string()),
});
const projectList: z.ZodType<ProjectListResponse> = z.object({ projects: z.array(projectEntry) });

const projectInput: z.ZodType<ProjectInput> = z.object({
  name: z.string().describe('1–63 lower-case letters, digits, ".", "_", "-"; unique'),
  folder: z.string().describe('An absolute path of an existing, readable directory'),
  policy: z.object({
    mode: z.enum(POLICY_MODES), allow: z.array(z.string()), denyRead: z.array(z.string()), allowedDomains: z.array(z.string()),
    trustFolderConfig: z.boolean().describe("Load the folder's own .mcp.json, .claude/ settings and CLAUDE.md under read-only and sandboxed (default false: they would start servers and hooks outside the sandbox)"),
  }).partial().optional(),
});

const workspace: z.ZodType<ChatWorkspace> = z.object({ id: z.string(), folder: z.string(), createdAt: z.string(), lastUsedAt: z.string(), pinned: z.boolean() });
const workspaceList: z.ZodType<WorkspaceListResponse> = z.object({ workspaces: z.array(workspace), ttlS: z.number() });

export const PROJECT_ROUTES = {
  projects: route({ method: 'GET', path: '/api/projects', response: projectList, summary: 'Every project (from the config file and the dashboard) with its model ids' }),
  addProject: route({
    method: 'POST',
    path: '/api/projects',
    response: projectEntry,
    ok: [201],
    body: shape<ProjectInput>(projectInput),
    summary: 'Adds a project; 400 invalid_project naming the field, 409 project_exists',
  }),
  /** Only projects added in the dashboard (`source: 'app'`); those of the config file answer 409. */
  updateProject: route({
    method: 'PUT',
    path: '/api/projects/:name',
    response: projectEntry,
    body: shape<ProjectInput>(projectInput),
    summary: 'Replaces a dashboard project (rename allowed); 409 defined_in_config for one from PROJECTS',
  }),
  removeProject: route({ method: 'DELETE', path: '/api/projects/:name', response: z.undefined(), ok: [204], summary: 'Removes a project; its folder is left as it is' }),
} as const;

export const WORKSPACE_ROUTES = {
  workspaces: route({ method: 'GET', path: '/api/workspaces', response: workspaceList, summary: 'Chat workspaces and how long an unused one is kept (ttlS)' }),
  /** Pinned: kept past SESSION_TTL_S. */
  pin: route({ method: 'PUT', path: '/api/workspaces/:id/pin', response: workspace, summary: 'Pins a chat workspace: kept past SESSION_TTL_S' }),
  unpin: route({ method: 'DELETE', path: '/api/workspaces/:id/pin', response: workspace, summary: 'Unpins a chat workspace' }),
} as const;
