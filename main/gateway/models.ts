import type { Config } from '../config/schema.ts';

const ALIASES = new Set(['sonnet', 'opus', 'haiku', 'default', 'opusplan']);

/** The models /v1/models lists, and which requested ids Claude Code accepts. */
export class ModelCatalog {
  readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly config: Pick<Config, 'CLAUDE_MODEL' | 'GATEWAY_MODELS'>) {}

  ids(): string[] {
    return [...new Set([this.config.CLAUDE_MODEL, ...this.config.GATEWAY_MODELS])];
  }

  /** The model to run for a requested id, or null when Claude Code has no such model. */
  resolve(requested: string): string | null {
    const id = requested.trim();
    if (this.ids().includes(id) || ALIASES.has(id) || /^claude-[a-z0-9.\-[\]]+$/i.test(id)) return id;
    return null;
  }

  list(): { object: 'list'; data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> } {
    return { object: 'list', data: this.ids().map((id) => ({ id, object: 'model', created: this.created, owned_by: 'anthropic' })) };
  }
}
