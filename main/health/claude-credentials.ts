/**
 * Where Claude Code's credentials come from, as one sentence for the Health view ("API key (ANTHROPIC_API_KEY from
 * your login shell)"), so a user can tell which of several configured credentials is in use and why one is missing
 * when the app was started from Finder. Names and files only: no secret's value is read into the answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { claudeFiles } from '../oauth/mcp-servers.ts';

type Env = Record<string, string | undefined>;

export interface CredentialContext {
  /** Keys the login shell filled in (applyLoginShellEnv's fromLoginShell). */
  fromLoginShell?: ReadonlySet<string>;
  /** Keys set from the credential saved in the app (main/claude/credential-store.ts). */
  savedInApp?: ReadonlySet<string>;
  /** Where a login keeps its tokens depends on it (macOS: the Keychain). */
  platform?: NodeJS.Platform;
}

/** Claude Code's reading of a flag variable. */
function flagSet(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase());
}

/** Whether a JSON file parses and satisfies `schema`; false when missing, unreadable or otherwise. */
function jsonFileMatches(file: string, schema: z.ZodType): boolean {
  try {
    return schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8'))).success;
  } catch {
    return false;
  }
}

const withKeyHelper = z.object({ apiKeyHelper: z.string().min(1) });
const withOauthAccount = z.object({ oauthAccount: z.object({}) });

/** Claude Code's order when several are set (its "authentication precedence"): the first present wins. */
const ENV_SOURCES: ReadonlyArray<{ key: string; kind: string; flag?: true }> = [
  { key: 'CLAUDE_CODE_USE_BEDROCK', kind: 'Amazon Bedrock', flag: true },
  { key: 'CLAUDE_CODE_USE_VERTEX', kind: 'Google Vertex AI', flag: true },
  { key: 'CLAUDE_CODE_USE_FOUNDRY', kind: 'Microsoft Foundry', flag: true },
  { key: 'ANTHROPIC_AUTH_TOKEN', kind: 'Auth token' },
  { key: 'ANTHROPIC_API_KEY', kind: 'API key' },
];

/** A credential: what it is ("API key") and where it comes from ("ANTHROPIC_API_KEY from the environment"). */
export interface CredentialSource {
  kind: string;
  where: string;
}

/**
 * The credential Claude Code started with `env` will use, or null when it has none (it would ask for a login).
 * Follows Claude Code's precedence: cloud provider flag, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_API_KEY, apiKeyHelper in
 * its settings, CLAUDE_CODE_OAUTH_TOKEN, then a `claude` login (the credentials file; on macOS the Keychain, seen
 * through the account recorded in .claude.json).
 */
export function claudeCredential(env: Env, ctx: CredentialContext = {}): CredentialSource | null {
  const origin = (key: string): string =>
    ctx.savedInApp?.has(key) ? 'saved in the app' : ctx.fromLoginShell?.has(key) ? 'from your login shell' : 'from the environment';
  for (const s of ENV_SOURCES) {
    if (s.flag ? flagSet(env[s.key]) : env[s.key]) return { kind: s.kind, where: `${s.key} ${origin(s.key)}` };
  }
  const files = claudeFiles(env);
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const shown = (file: string): string => (file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file);
  const settings = path.join(path.dirname(files.credentials), 'settings.json');
  if (jsonFileMatches(settings, withKeyHelper)) return { kind: 'API key helper', where: `apiKeyHelper in ${shown(settings)}` };
  if (env.CLAUDE_CODE_OAUTH_TOKEN) return { kind: 'OAuth token', where: `CLAUDE_CODE_OAUTH_TOKEN ${origin('CLAUDE_CODE_OAUTH_TOKEN')}` };
  if (fs.existsSync(files.credentials)) return { kind: 'Claude login', where: shown(files.credentials) };
  if ((ctx.platform ?? process.platform) === 'darwin' && jsonFileMatches(files.config, withOauthAccount)) return { kind: 'Claude login', where: 'macOS Keychain' };
  return null;
}

/** claudeCredential as one sentence for the Health view: "API key (ANTHROPIC_API_KEY from your login shell)". */
export function claudeCredentialSource(env: Env, ctx: CredentialContext = {}): string | null {
  const c = claudeCredential(env, ctx);
  return c ? `${c.kind} (${c.where})` : null;
}
