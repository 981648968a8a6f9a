import fs from 'node:fs';
import path from 'node:path';
import type { ComponentHealth } from '../contract/control-api.ts';
import type { RunPlace } from '../contract/projects.ts';
import { confineRun, modelApiHosts, type RunConfinement } from './confine.ts';
import { resolveDefaultPolicy, sandboxHealth, type DefaultPolicyConfig, type ResolvedDefaultPolicy } from './default-policy.ts';
import { checkSandboxSupport, type SandboxSupport } from './sandbox-support.ts';

export interface RunPolicyOptions {
  config: DefaultPolicyConfig & { DATA_DIR: string; claudeCwd: string };
  /** The environment Claude runs get (read per run: ANTHROPIC_BASE_URL, PATH, CLAUDE_CONFIG_DIR). */
  claudeEnv: () => NodeJS.ProcessEnv;
  /** Overrides the dependency check (tests); default: this platform and the Claude env's PATH. */
  support?: SandboxSupport;
  /**
   * Folders allocated ahead that hold nothing of any chat yet (spares' fresh folders: ChatWorkspaces.vacant):
   * left out of other runs' deny rules, so a spare's settings, computed when it started, still fit the chat that
   * takes it over although more spares started since. A folder is named again once a conversation owns it.
   */
  vacantFolders?: () => string[];
}

/**
 * What the app keeps in DATA_DIR, named ahead of time: the file tools' deny rules then stay the same once these
 * appear (a spare process started with them stays claimable), and hold before they exist.
 */
const KNOWN_DATA_ENTRIES = ['admin-token', 'api-keys.json', 'approval-rules.json', 'claude-credential.json', 'config.json', 'conversations.json', 'projects.json', 'shell.json', 'transcripts', 'logs', 'run', 'electron', 'userData', 'workspace', 'workspaces', 'workspaces.json'];

function listDir(dataDir: string, vacant: ReadonlySet<string>): (dir: string) => string[] {
  return (dir) => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((name) => !vacant.has(path.join(dir, name)));
    } catch {
      // gone or unreadable: nothing to name
    }
    return dir === dataDir ? [...new Set([...KNOWN_DATA_ENTRIES, ...names])].sort() : names.sort();
  };
}

/**
 * The policy side of a run, with the machine's facts gathered once: the sandbox dependency check (at start; a
 * restart re-checks), the default policy of chat workspaces, and each run's confinement.
 */
export class RunPolicy {
  readonly support: SandboxSupport;
  readonly defaults: ResolvedDefaultPolicy;
  private readonly since = new Date().toISOString();

  constructor(private readonly opts: RunPolicyOptions) {
    this.support = opts.support ?? checkSandboxSupport(process.platform, opts.claudeEnv().PATH ?? process.env.PATH ?? '');
    this.defaults = resolveDefaultPolicy(opts.config, this.support);
  }

  /** The run's place: the one it was given, else the configured working folder under the default policy. */
  placeFor(place: RunPlace | undefined): RunPlace {
    return place ?? { project: null, folder: this.opts.config.claudeCwd, policy: this.defaults.policy };
  }

  confine(place: RunPlace): RunConfinement {
    const env = this.opts.claudeEnv();
    const dockerSandbox = this.opts.config.CLAUDE_RUNTIME === 'docker';
    return confineRun(place, {
      modelApiHosts: modelApiHosts(env),
      dataDir: this.opts.config.DATA_DIR,
      claudeConfigDir: env.CLAUDE_CONFIG_DIR || null,
      // In the container the host's tools say nothing: Claude Code checks there itself (failIfUnavailable).
      sandboxUnavailable: dockerSandbox ? null : this.support.unavailable,
      listDir: listDir(this.opts.config.DATA_DIR, new Set((this.opts.vacantFolders?.() ?? []).map((f) => path.resolve(f)))),
    });
  }

  /** The settings of a run in a chat workspace at `folder` (a spare computes them for its fresh folder at start). */
  chatSettings(folder: string): RunConfinement['settings'] {
    return this.confine({ project: null, folder, policy: this.defaults.policy }).settings;
  }

  health(): ComponentHealth {
    return sandboxHealth(this.defaults, this.support, this.opts.config.CLAUDE_RUNTIME, this.since);
  }
}
