import type { ComponentHealth } from '../contract/control-api.ts';
import type { PolicyMode, ProjectPolicy } from '../contract/projects.ts';
import type { SandboxSupport } from './sandbox-support.ts';

export const DEFAULT_POLICY_SETTINGS = ['auto', 'read-only', 'sandboxed', 'full'] as const;
export type DefaultPolicySetting = (typeof DEFAULT_POLICY_SETTINGS)[number];

export interface DefaultPolicyConfig {
  DEFAULT_POLICY: DefaultPolicySetting;
  DEFAULT_POLICY_DENY_READ: string[];
  DEFAULT_POLICY_ALLOWED_DOMAINS: string[];
  CLAUDE_RUNTIME: 'local' | 'docker';
}

/** The policy chat workspaces get, and what a person must be told about it. */
export interface ResolvedDefaultPolicy {
  setting: DefaultPolicySetting;
  policy: ProjectPolicy;
  /** Said on Health when the choice leaves commands less confined than asked or than they could be. */
  warning: string | null;
}

/**
 * `auto` is sandboxed where Claude Code's sandbox can run here, else full with a warning naming the fix. In the
 * docker runtime the host's bwrap says nothing about the container, so `auto` is full there (the container, which
 * sees only the mounted workspace, is the boundary); an explicit `sandboxed` applies inside the container and fails
 * each run unless the image has bubblewrap and socat. An explicit `sandboxed` never falls back: its runs fail.
 */
export function resolveDefaultPolicy(config: DefaultPolicyConfig, support: SandboxSupport): ResolvedDefaultPolicy {
  const base = { allow: [], denyRead: config.DEFAULT_POLICY_DENY_READ, allowedDomains: config.DEFAULT_POLICY_ALLOWED_DOMAINS };
  const make = (mode: PolicyMode, warning: string | null): ResolvedDefaultPolicy => ({ setting: config.DEFAULT_POLICY, policy: { mode, ...base }, warning });
  const setting = config.DEFAULT_POLICY;
  if (setting === 'auto') {
    if (config.CLAUDE_RUNTIME === 'docker') return make('full', 'Commands run unconfined inside the Docker container (DEFAULT_POLICY=auto): the container shields the host, but a chat\'s commands can read other chats\' folders under /workspace. Set DEFAULT_POLICY=sandboxed, with bubblewrap and socat in the image and user namespaces allowed to the container (security_opt seccomp), to confine them there too.');
    if (support.unavailable) return make('full', `Commands run unconfined (DEFAULT_POLICY=auto fell back to full): ${support.unavailable}.`);
    return make('sandboxed', null);
  }
  if (setting === 'full') return make('full', 'Commands run unconfined with your rights (DEFAULT_POLICY=full).');
  if (setting === 'sandboxed' && support.unavailable && config.CLAUDE_RUNTIME === 'local') {
    return make('sandboxed', `Every run fails until this is fixed (DEFAULT_POLICY=sandboxed never runs unconfined): ${support.unavailable}.`);
  }
  return make(setting, null);
}

const MODE_WORDS: Record<PolicyMode, string> = {
  'read-only': 'read-only (no commands, no writes, files of the workspace only)',
  sandboxed: "sandboxed (commands in Claude Code's sandbox: writes only in the workspace, secrets unreadable, network limited to the allow-list)",
  full: 'full (unconfined: commands run with your rights)',
};

/** The `sandbox` Health card: the dependencies in words and the policy chat workspaces run with. */
export function sandboxHealth(resolved: ResolvedDefaultPolicy, support: SandboxSupport, runtime: 'local' | 'docker', since: string): ComponentHealth {
  const mode = resolved.policy.mode;
  const refusing = mode === 'sandboxed' && support.unavailable !== null && runtime === 'local';
  // A fixable gap (missing tools) is an error; a platform without a sandbox (Windows) is a plain fact.
  const fixable = support.platform === 'linux' && support.unavailable !== null && runtime === 'local';
  const status: ComponentHealth['status'] = refusing || (fixable && resolved.setting !== 'full') ? 'error' : support.unavailable && runtime === 'local' ? 'stopped' : 'ok';
  const deps = Object.entries(support.dependencies).map(([name, where]) => `${name}: ${where ?? 'missing'}`).join(', ');
  const reason = resolved.warning ?? (support.unavailable && runtime === 'local' ? `${support.unavailable}.` : null);
  return {
    name: 'sandbox',
    status,
    reason,
    since,
    details: {
      defaultPolicy: mode,
      setting: resolved.setting,
      full: mode === 'full',
      policy: MODE_WORDS[mode],
      dependencies: runtime === 'docker' ? 'checked inside the container at each run' : deps || (support.unavailable ?? `built into ${support.platform}`),
      allowedDomains: resolved.policy.allowedDomains.join(', ') || 'the model API only',
    },
  };
}
