import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SettingSource, Settings } from '@anthropic-ai/claude-agent-sdk';
import { isLoopbackHost } from '../config/load.ts';
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

/**
 * Credentials Claude Code holds in its environment: unset for sandboxed commands (`sandbox.credentials.envVars`).
 * Claude Code's own list of the variables it treats as credentials, plus the gateway's.
 */
export const CREDENTIAL_ENV_VARS = [
  'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_CUSTOM_HEADERS', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_OAUTH_REFRESH_TOKEN',
  'CLAUDE_CODE_SESSIONS_OAUTH_TOKEN', 'CLAUDE_CODE_MESSAGING_TOKEN', 'ANTHROPIC_FOUNDRY_API_KEY', 'ANTHROPIC_FOUNDRY_AUTH_TOKEN',
  'ANTHROPIC_AWS_API_KEY', 'ANTHROPIC_IDENTITY_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
] as const;

/** Writes that always ask (see isStartupFile in main/approvals/rules.ts: the same files). */
export const STARTUP_FILE_RULES = ['Edit(**/.mcp.json)', 'Edit(**/.claude/**)', 'Edit(**/CLAUDE.md)', 'Edit(**/CLAUDE.local.md)'] as const;

export interface PolicyContext {
  /**
   * Hosts of the model API Claude Code uses (ANTHROPIC_BASE_URL's host, else api.anthropic.com): reachable from
   * commands unless on loopback (Claude Code itself reaches it from outside the sandbox either way).
   */
  modelApiHosts: string[];
  /** The app's data folder (transcripts, keys, tokens, the config): never readable or writable, except the run's folder. */
  dataDir: string;
  /**
   * The chat workspaces' root (CLAUDE_CWD/chats): unreadable except the run's own folder. One rule for the root, not
   * one per chat, so a run's settings never depend on which chats exist (a kept process stays claimable, and a chat
   * born after it is covered too).
   */
  chatsRoot: string;
  /** CLAUDE_CONFIG_DIR when Claude Code's config is not ~/.claude: unreadable and unwritable like ~/.claude. */
  claudeConfigDir: string | null;
  /** The app's config file when it lies outside dataDir (CONFIG_FILE), or null. */
  configFile: string | null;
  /** How to run the file guard (file-guard.ts), or null where none is installed (tests of the rules alone). */
  fileGuard: { command: string; args: string[] } | null;
  /**
   * The root of the runs' temp folders (ccg-tmp-<uid> under the OS temp folder), or null to leave Claude Code its
   * shared one (the docker runtime; tests of the rules alone). Unreadable to commands and file tools but for the
   * run's own temp folder (runTempDir), which Claude Code gets as CLAUDE_CODE_TMPDIR.
   */
  tempRoot?: string | null;
  /** Why Claude Code's sandbox cannot run here (missing bwrap/socat, Windows), or null when it can. */
  sandboxUnavailable: string | null;
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
  /**
   * Which of Claude Code's setting sources it loads; undefined: all. `['user']` leaves out the folder's own
   * (`.claude/settings*.json`, `.mcp.json` servers, `CLAUDE.md`), which would start hooks and servers outside the
   * sandbox; see ProjectPolicy.trustFolderConfig.
   */
  settingSources?: SettingSource[];
  /** Set when the run must not start (sandboxed where no sandbox can run): the run fails with this reason. */
  refusal: string | null;
}

/**
 * The temp folder of the runs in `folder`: derived from the folder alone, so a run's settings still depend only on
 * its place (spares and kept processes are matched on them). Chats of one project share its folder, and so this.
 */
export function runTempDir(tempRoot: string, folder: string): string {
  return path.join(tempRoot, createHash('sha256').update(path.resolve(folder)).digest('hex').slice(0, 16));
}

/** A folder's permission-rule spelling: `//abs/path` for absolute paths, `~/…` kept as is. */
function ruleSpelling(p: string): string {
  if (p.startsWith('~/') || p === '~') return p;
  return `/${path.posix.normalize(p.split(path.sep).join('/'))}`;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function secretPaths(place: RunPlace, ctx: PolicyContext): string[] {
  return [...new Set([...SECRET_PATHS, ...place.policy.denyRead])];
}

/** Claude Code's own state (session transcripts of every chat and project, MCP configs with their headers, logins). */
function claudeStatePaths(ctx: PolicyContext): string[] {
  const dir = ctx.claudeConfigDir;
  return [...new Set(['~/.claude', '~/.claude.json', ...(dir ? [dir, path.join(dir, '.claude.json')] : [])])];
}

/**
 * What no run may read or write. For the file tools a root that holds the run's folder is guarded by a PreToolUse
 * hook (file-guard.ts: deny rules cannot carve a folder out of a denied root); sandboxed commands read everywhere but the denied paths, so a root holding the folder is denied and the folder given
 * back (`sandbox.filesystem.allowRead`, which wins over denyRead). Nothing here depends on which chats exist.
 */
export interface Confines {
  /** The app's data and the chats root. */
  roots: string[];
  /** The run's folder when it lies in one of the roots, else null. */
  carved: string | null;
  /** Never readable or writable (Claude Code's state, the config file). */
  state: string[];
  /** Never readable. */
  secrets: string[];
}

export function confinesOf(place: RunPlace, ctx: PolicyContext): Confines {
  const roots = [...new Set([ctx.dataDir, ctx.chatsRoot])];
  const carved = roots.some((r) => isInside(place.folder, r)) ? place.folder : null;
  return { roots, carved, state: [...claudeStatePaths(ctx), ...(ctx.configFile ? [ctx.configFile] : [])], secrets: secretPaths(place, ctx) };
}

/** Whether a path (absolute, or `~/…`) lies outside the folder's ancestors: it can be denied without denying the folder. */
function besideOrBelow(p: string, folder: string): boolean {
  return p.startsWith('~') || !isInside(folder, p);
}

/**
 * Claude Code's permission deny rules for the file tools, for what a folder wide enough could reach (a project at
 * $HOME holds DATA_DIR, ~/.claude and the chats root): read and write of the roots and the state, read of the secrets.
 */
export function fileToolDenies(place: RunPlace, c: Confines): string[] {
  const rules = (tool: 'Read' | 'Edit', paths: string[]) => paths.filter((p) => besideOrBelow(p, place.folder)).flatMap((p) => {
    const r = ruleSpelling(p).replace(/\/+$/, '');
    return [`${tool}(${r})`, `${tool}(${r}/**)`];
  });
  return [...new Set([...rules('Read', [...c.roots, ...c.state, ...c.secrets]), ...rules('Edit', [...c.roots, ...c.state])])];
}

/** The PreToolUse hook that keeps the file tools out of the roots but for the run's own folder. */
function guardHooks(place: RunPlace, c: Confines, ctx: PolicyContext): Pick<Settings, 'hooks'> {
  if (!ctx.fileGuard) return {};
  const domains = place.policy.allowedDomains.map((d) => `--domain=${d}`);
  const temp = ctx.tempRoot ? [`--own=${runTempDir(ctx.tempRoot, place.folder)}`] : [];
  const roots = [...c.roots, ...(ctx.tempRoot ? [ctx.tempRoot] : [])];
  const hook = { type: 'command' as const, command: ctx.fileGuard.command, args: [...ctx.fileGuard.args, ...domains, ...temp, place.folder, ...roots], timeout: 30 };
  return { hooks: { PreToolUse: [{ matcher: 'Read|Grep|Glob|LS|NotebookRead|NotebookEdit|Edit|Write|MultiEdit|WebFetch', hooks: [hook] }] } };
}

const NONE: Omit<RunConfinement, 'mode' | 'full'> = { disallowedTools: [], settings: null, extraArgs: {}, refusal: null };

/** The run's confinement: see RunConfinement. */
export function confineRun(place: RunPlace, ctx: PolicyContext): RunConfinement {
  const mode = place.policy.mode;
  if (mode === 'full') return { mode, full: true, ...NONE };
  const c = confinesOf(place, ctx);
  const deny = fileToolDenies(place, c);
  // Claude Code approves a folder's .mcp.json servers by itself when not interactive, and only when it reads the
  // folder's settings at all: leaving those sources out is what keeps them from starting.
  const sources: Pick<RunConfinement, 'settingSources'> = place.policy.trustFolderConfig ? {} : { settingSources: ['user'] };

  if (mode === 'read-only') {
    return {
      mode,
      full: false,
      // --restricted drops the command tools and confines the file tools to the folder; `tools` keeps Bash out
      // (Bash named in --tools would come back unconfined), the deny list refuses writers even if offered.
      tools: [...READ_ONLY_TOOLS],
      disallowedTools: [...WRITING_TOOLS],
      settings: {
        permissions: { deny, blockWritesOutsideWorkingDirectories: true, blockReadsOutsideWorkingDirectories: true },
        ...guardHooks(place, c, ctx),
      },
      extraArgs: { restricted: null },
      refusal: null,
      ...sources,
    };
  }

  // sandboxed
  if (ctx.sandboxUnavailable) {
    return { mode, full: false, ...NONE, refusal: `The sandboxed policy cannot run here: ${ctx.sandboxUnavailable}. The run was not started (it never runs unconfined).` };
  }
  // Claude Code gives commands TMPDIR=$CLAUDE_CODE_TMPDIR (else /tmp/claude-<uid>, shared by every run: one chat read
  // what another left there, and concurrent processes removed each other's sandbox settings file in it).
  const tempDir = ctx.tempRoot ? runTempDir(ctx.tempRoot, place.folder) : null;
  return {
    mode,
    full: false,
    // WebSearch runs outside the sandbox and cannot be held to the allow-list; WebFetch only to the policy's domains
    // (the guard checks each URL), and not at all without any — or without the guard to check it.
    disallowedTools: ['WebSearch', ...(place.policy.allowedDomains.length && ctx.fileGuard ? [] : ['WebFetch'])],
    settings: {
      permissions: {
        // The file tools run outside the sandbox: they write only in the folder; the deny rules hold where the folder
        // is wide enough to hold the app's state, the file guard where a denied root holds the folder.
        deny,
        // Start-up files (MCP servers, settings and hooks, memory) change how the next Claude process runs, outside the
        // sandbox: a write to one always asks, whatever the allowed tools (approvals grant none of them either).
        ask: [...STARTUP_FILE_RULES],
        blockWritesOutsideWorkingDirectories: true,
      },
      ...guardHooks(place, c, ctx),
      ...(tempDir ? { env: { CLAUDE_CODE_TMPDIR: tempDir } } : {}),
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
          // Writes: the working folder only (Claude Code's default), never the app's or Claude Code's state inside it
          // (a project at $HOME); reads: everything except secrets, state, the app's data and other chats.
          allowWrite: [],
          denyWrite: [...c.roots, ...c.state].filter((p) => besideOrBelow(p, place.folder)),
          denyRead: [...new Set([...c.secrets, ...c.state, ...c.roots, ...(ctx.tempRoot ? [ctx.tempRoot] : [])])],
          // allowRead wins over denyRead: only the run's own folder inside a denied root, never a folder holding secrets;
          // and its own temp folder under the temp root.
          allowRead: [...(c.carved ? [c.carved] : []), ...(tempDir ? [tempDir] : [])],
        },
        // Claude Code's credentials are unset in the commands' environment.
        credentials: { envVars: CREDENTIAL_ENV_VARS.map((name) => ({ name, mode: 'deny' as const })) },
        network: {
          // A loopback model API (a local proxy) is left out: the sandbox's allow-list is per host, not per port, so
          // allowing 127.0.0.1 opened every loopback port to commands, the gateway's own /v1 and /api included.
          allowedDomains: [...new Set([...ctx.modelApiHosts.filter((h) => !isLoopbackHost(h)), ...place.policy.allowedDomains])],
          // Hosts outside the list are refused outright instead of prompting.
          strictAllowlist: true,
          allowAllUnixSockets: false,
        },
      },
    },
    extraArgs: {},
    refusal: null,
    ...sources,
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
