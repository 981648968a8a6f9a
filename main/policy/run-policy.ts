import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ComponentHealth } from '../contract/control-api.ts';
import type { RunPlace } from '../contract/projects.ts';
import { confineRun, modelApiHosts, type RunConfinement } from './confine.ts';
import { resolveDefaultPolicy, sandboxHealth, type DefaultPolicyConfig, type ResolvedDefaultPolicy } from './default-policy.ts';
import type { FileGuardCommand } from './file-guard.ts';
import { checkSandboxSupport, type SandboxSupport } from './sandbox-support.ts';

export interface RunPolicyOptions {
  config: DefaultPolicyConfig & { DATA_DIR: string; claudeCwd: string };
  /** The environment Claude runs get (read per run: ANTHROPIC_BASE_URL, PATH, CLAUDE_CONFIG_DIR). */
  claudeEnv: () => NodeJS.ProcessEnv;
  /** Overrides the dependency check (tests); default: this platform and the Claude env's PATH. */
  support?: SandboxSupport;
  /** The chat workspaces' root (ChatWorkspaces.root): unreadable to every run but for its own folder. */
  chatsRoot: string;
  /** The app's config file (CONFIG_FILE) when one is named: unreadable and unwritable to every run. */
  configFile?: string | null;
  /** How to run the file guard (installFileGuard); null leaves the file tools to the deny rules alone. */
  fileGuard: FileGuardCommand | null;
  /** The root of the runs' temp folders (default: ccg-tmp-<uid> in the OS temp folder). */
  tempRoot?: string;
}

/**
 * The runs' temp root, this user's own: a name in the shared temp folder that another user made first (or a link) is
 * never used; a fresh folder of our own then.
 */
function ensureTempRoot(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const mine = st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid());
  if (mine) {
    fs.chmodSync(dir, 0o700);
    return dir;
  }
  return fs.mkdtempSync(`${dir}-`);
}

/**
 * The policy side of a run, with the machine's facts gathered once: the sandbox dependency check (at start; a
 * restart re-checks), the default policy of chat workspaces, and each run's confinement.
 */
export class RunPolicy {
  readonly support: SandboxSupport;
  readonly defaults: ResolvedDefaultPolicy;
  private readonly since = new Date().toISOString();
  private tempRoot: string | undefined;
  /**
   * A run's place is confined twice on its way (the refusal check before anything is sent, then the run's options):
   * one place object, one computation.
   */
  private readonly confined = new WeakMap<RunPlace, RunConfinement>();

  constructor(private readonly opts: RunPolicyOptions) {
    this.support = opts.support ?? checkSandboxSupport(process.platform, opts.claudeEnv().PATH ?? process.env.PATH ?? '');
    this.defaults = resolveDefaultPolicy(opts.config, this.support);
  }

  /** The run's place: the one it was given, else the configured working folder under the default policy. */
  placeFor(place: RunPlace | undefined): RunPlace {
    return place ?? { project: null, folder: this.opts.config.claudeCwd, policy: this.defaults.policy };
  }

  confine(place: RunPlace): RunConfinement {
    const known = this.confined.get(place);
    if (known) return known;
    const confinement = this.confineNow(place);
    this.confined.set(place, confinement);
    return confinement;
  }

  private confineNow(place: RunPlace): RunConfinement {
    const env = this.opts.claudeEnv();
    const dockerSandbox = this.opts.config.CLAUDE_RUNTIME === 'docker';
    return confineRun(place, {
      modelApiHosts: modelApiHosts(env),
      dataDir: this.opts.config.DATA_DIR,
      chatsRoot: this.opts.chatsRoot,
      claudeConfigDir: env.CLAUDE_CONFIG_DIR || null,
      configFile: this.opts.configFile ? path.resolve(this.opts.configFile) : null,
      fileGuard: this.opts.fileGuard,
      // In the container Claude Code keeps its own temp folder (the host's path means nothing there).
      tempRoot: dockerSandbox ? null : this.runTempRoot(),
      // In the container the host's tools say nothing: Claude Code checks there itself (failIfUnavailable).
      sandboxUnavailable: dockerSandbox ? null : this.support.unavailable,
    });
  }

  /** Made at the first confined run, then fixed: the settings of every run and spare name it. */
  private runTempRoot(): string {
    if (this.tempRoot === undefined) {
      const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
      this.tempRoot = ensureTempRoot(this.opts.tempRoot ?? path.join(os.tmpdir(), `ccg-tmp-${uid}`));
    }
    return this.tempRoot;
  }

  /** The settings of a run in a chat workspace at `folder` (a spare computes them for its fresh folder at start). */
  chatSettings(folder: string): RunConfinement['settings'] {
    return this.confine({ project: null, folder, policy: this.defaults.policy }).settings;
  }

  health(): ComponentHealth {
    return sandboxHealth(this.defaults, this.support, this.opts.config.CLAUDE_RUNTIME, this.since);
  }
}
