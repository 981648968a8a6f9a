import path from 'node:path';
import type { Settings } from '@anthropic-ai/claude-agent-sdk';
import type { PolicyMode, RunPlace } from '../contract/projects.ts';

/**
 * What a run's policy gives Claude Code, decided from the run's place alone (pure: the caller gathers the facts of
 * the machine into PolicyContext). Measured on Claude Code 2.1.x: reads are open until listed in denyRead, a missing
 * bwrap/socat silently runs commands unsandboxed unless failIfUnavailable, and `--restricted` does not confine a
 * Bash brought back with `--tools` — so every one of those is set here on purpose, never left to Claude's defaults.
 */

/** Home-relative secrets no command and no file tool may read, whatever the policy's own denyRead says. */
export const SECRET_PATHS = ['~/.ssh', '~/.aws', '~/.claude/.credentials.json'] as const;

/** The only built-in tools of a read-only run: no command runner, no writer, no network. */
export const READ_ONLY_TOOLS = ['Read', 'Glob', 'Grep'] as const;

/** Tools a read-only run never gets, even when the configuration allows them (belt and braces beside `tools`). */
export const WRITING_TOOLS = ['Bash', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'WebFetch', 'WebSearch'] as const;

export interface PolicyContext {
  /** Hosts of the model API Claude Code uses (ANTHROPIC_BASE_URL's host, else api.anthropic.com): always reachable. */
  modelApiHosts: string[];
  /** The app's data folder (transcripts, keys, tokens, other chats' workspaces): unreadable except the run's folder. */
  dataDir: string;
  /** CLAUDE_CONFIG_DIR when Claude Code's config is not ~/.claude: its credentials file is a secret too. */
  claudeConfigDir: string | null;
  /** Why Claude Code's sandbox cannot run here (missing bwrap/socat, Windows), or null when it can. */
  sandboxUnavailable: string | null;
  /**
   * Entries of a folder (names), for the file tools' deny rules inside dataDir: Claude Code's Read rules cannot say
   * "all of dataDir except this folder", so each sibling on the way down to the folder is denied by name.
   */
  listDir(dir: string): string[];
}

export interface RunConfinement {
  mode: PolicyMode;
  /** Unconfined: the dashboard and the API flag it. */
  full: boolean;
  /** Built-in tools offered; undefined keeps the run's own choice (Claude Code's default set). */
  tools?: string[];
  /** Added to the run's disallowed tools. */
  disallowedTools: string[];
  /** Claude Code settings for the run (the flag-settings layer, above user and project settings), or null. */
  settings: Settings | null;
  /** Extra CLI flags (`--restricted`): name without dashes → value, null for a bare flag. */
  extraArgs: Record<string, string | null>;
  /** Set when the run must not start (sandboxed where no sandbox can run): the run fails with this reason. */
  refusal: string | null;
}

/** A folder's permission-rule spelling: `//abs/path` for absolute paths, `~/…` kept as is. */
function ruleSpelling(p: string): string {
  if (p.startsWith('~/') || p === '~') return p;
  return `/${path.posix.normalize(p.split(path.sep).join('/'))}`;
}

/** Read deny rules covering a path whether it is a file or a folder. */
function readDenyRules(p: string): string[] {
  const r = ruleSpelling(p).replace(/\/+$/, '');
  return [`Read(${r})`, `Read(${r}/**)`];
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * What of dataDir the run's folder must not see, for the file tools: everything beside the path down to the folder
 * (other chats' workspaces, transcripts, keys). dataDir whole when the folder is not inside it.
 */
export function dataDirSiblings(dataDir: string, folder: string, listDir: (dir: string) => string[]): string[] {
  if (!isInside(folder, dataDir)) return [dataDir];
  if (path.relative(dataDir, folder) === '') return [];
  const out: string[] = [];
  let dir = dataDir;
  for (const part of path.relative(dataDir, folder).split(path.sep)) {
    for (const name of listDir(dir)) if (name !== part) out.push(path.join(dir, name));
    dir = path.join(dir, part);
  }
  return out;
}

function secretPaths(place: RunPlace, ctx: PolicyContext): string[] {
  const extra = ctx.claudeConfigDir ? [path.join(ctx.claudeConfigDir, '.credentials.json')] : [];
  return [...new Set([...SECRET_PATHS, ...extra, ...place.policy.denyRead])];
}

const NONE: Omit<RunConfinement, 'mode' | 'full'> = { disallowedTools: [], settings: null, extraArgs: {}, refusal: null };

/** The run's confinement: see RunConfinement. */
export function confineRun(place: RunPlace, ctx: PolicyContext): RunConfinement {
  const mode = place.policy.mode;
  if (mode === 'full') return { mode, full: true, ...NONE };
  const secrets = secretPaths(place, ctx);
  const fileToolDenies = [...secrets, ...dataDirSiblings(ctx.dataDir, place.folder, ctx.listDir)].flatMap(readDenyRules);

  if (mode === 'read-only') {
    return {
      mode,
      full: false,
      // --restricted drops the command tools and confines the file tools to the folder; `tools` keeps Bash out
      // (Bash named in --tools would come back unconfined), the deny list refuses writers even if offered.
      tools: [...READ_ONLY_TOOLS],
      disallowedTools: [...WRITING_TOOLS],
      settings: {
        permissions: { deny: fileToolDenies, blockWritesOutsideWorkingDirectories: true, blockReadsOutsideWorkingDirectories: true },
      },
      extraArgs: { restricted: null },
      refusal: null,
    };
  }

  // sandboxed
  if (ctx.sandboxUnavailable) {
    return { mode, full: false, ...NONE, refusal: `The sandboxed policy cannot run here: ${ctx.sandboxUnavailable}. The run was not started (it never runs unconfined).` };
  }
  const inDataDir = isInside(place.folder, ctx.dataDir);
  return {
    mode,
    full: false,
    disallowedTools: [],
    settings: {
      permissions: {
        // The file tools run outside the sandbox: their writes and secret reads are bounded by permissions.
        deny: fileToolDenies,
        blockWritesOutsideWorkingDirectories: true,
      },
      sandbox: {
        enabled: true,
        // Never degrade to unconfined commands when bwrap/socat are missing or the platform has no sandbox.
        failIfUnavailable: true,
        // `dangerouslyDisableSandbox` is ignored; no command is exempt.
        allowUnsandboxedCommands: false,
        excludedCommands: [],
        // Bash still goes through the permission flow (allowed tools, approvals): the sandbox bounds, it does not grant.
        autoAllowBashIfSandboxed: false,
        enableWeakerNestedSandbox: false,
        filesystem: {
          // Writes: the working folder only (Claude Code's default); reads: everything except secrets and the app's data.
          allowWrite: [],
          denyRead: [...secrets, ctx.dataDir],
          allowRead: inDataDir ? [place.folder] : [],
        },
        network: {
          allowedDomains: [...new Set([...ctx.modelApiHosts, ...place.policy.allowedDomains])],
          // Hosts outside the list are refused outright instead of prompting.
          strictAllowlist: true,
          allowAllUnixSockets: false,
        },
      },
    },
    extraArgs: {},
    refusal: null,
  };
}

/** The hosts of the model API a Claude environment points at: commands may always reach it. */
export function modelApiHosts(env: NodeJS.ProcessEnv): string[] {
  const base = env.ANTHROPIC_BASE_URL;
  if (base) {
    try {
      return [new URL(base).hostname.replace(/^\[|\]$/g, '')];
    } catch {
      // not a URL: Claude Code will fail on it anyway; fall back to the public API
    }
  }
  return ['api.anthropic.com'];
}
