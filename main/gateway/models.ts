import type { Config } from '../config/schema.ts';
import type { Project } from '../contract/projects.ts';
import { GatewayError } from './openai-errors.ts';

const ALIASES = new Set(['sonnet', 'opus', 'haiku', 'default', 'opusplan']);

/** A requested model id resolved: the model Claude Code runs and the project it works in (null: none). */
export interface ModelTarget {
  model: string;
  project: Project | null;
  /** The id as conversations key it (`sonnet@myrepo`): a project's sessions are not another folder's. */
  key: string;
}

/**
 * The models /v1/models lists, and which requested ids Claude Code accepts. Each project adds `<model>@<project>`
 * for every listed model: clients show ids as they are, so the project sits next to the model in their dropdowns.
 */
export class ModelCatalog {
  readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly config: Pick<Config, 'CLAUDE_MODEL' | 'GATEWAY_MODELS'>, private readonly projects: () => readonly Project[] = () => []) {}

  /** The plain model ids (no project). */
  ids(): string[] {
    return [...new Set([this.config.CLAUDE_MODEL, ...this.config.GATEWAY_MODELS])];
  }

  /** Every id /v1/models lists: the plain ones, then each project's. */
  allIds(): string[] {
    const plain = this.ids();
    return [...plain, ...this.projects().flatMap((p) => plain.map((m) => `${m}@${p.name}`))];
  }

  /** The model to run for a requested id, or null when Claude Code has no such model. */
  resolve(requested: string): string | null {
    const id = requested.trim();
    if (this.ids().includes(id) || ALIASES.has(id) || /^claude-[a-z0-9.\-[\]]+$/i.test(id)) return id;
    return null;
  }

  /** `sonnet` or `sonnet@myrepo`; throws the 404 `model_not_found` naming what exists. */
  target(requested: string): ModelTarget {
    const id = requested.trim();
    const at = id.lastIndexOf('@');
    const model = this.resolve(at < 0 ? id : id.slice(0, at));
    if (!model) {
      throw new GatewayError(404, `The model '${requested}' does not exist. Available: ${this.ids().join(', ')}.`, 'invalid_request_error', 'model_not_found', 'model');
    }
    if (at < 0) return { model, project: null, key: model };
    const name = id.slice(at + 1);
    const projects = this.projects();
    const project = projects.find((p) => p.name === name) ?? null;
    if (!project) {
      const known = projects.length ? `Projects: ${projects.map((p) => p.name).join(', ')}.` : 'No projects are defined (add one in the dashboard or PROJECTS).';
      throw new GatewayError(404, `The model '${requested}' does not exist: there is no project '${name}'. ${known}`, 'invalid_request_error', 'model_not_found', 'model');
    }
    return { model, project, key: `${model}@${project.name}` };
  }

  list(): { object: 'list'; data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> } {
    return { object: 'list', data: this.allIds().map((id) => ({ id, object: 'model', created: this.created, owned_by: 'anthropic' })) };
  }
}
