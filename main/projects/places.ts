import { SANDBOXED_PROJECT_POLICY, type Project, type ProjectPolicy, type RunPlace } from '../contract/projects.ts';
import type { ChatWorkspaces } from './workspaces.ts';

export interface PlaceDeps {
  workspaces: ChatWorkspaces;
  /** A spare Claude process's own fresh folder, handed over to a new conversation (null: none waiting). */
  spareFolder?: () => string | null;
  /** Chat workspaces' policy (the DEFAULT_POLICY setting resolved for this machine: main/policy); else sandboxed. */
  defaultPolicy?: () => ProjectPolicy;
}

/**
 * Where a run works: its project's folder and policy, else its conversation's own workspace under the default
 * policy. A conversation without a folder yet takes a spare's (`mayUseSpare`: the run can start on a spare), so
 * the spare, already started in that folder, fits it.
 */
export function placeFor(deps: PlaceDeps, project: Project | null, workspaceKey: string, mayUseSpare: boolean): RunPlace {
  if (project) return { project: project.name, folder: project.folder, policy: project.policy };
  const folder = deps.workspaces.forConversation(workspaceKey, () => (mayUseSpare ? (deps.spareFolder?.() ?? null) : null));
  return { project: null, folder, policy: deps.defaultPolicy?.() ?? SANDBOXED_PROJECT_POLICY };
}
