import { subcommands } from './bash-command.ts';

/**
 * Permission rules in Claude Code's syntax, as far as the gateway applies them itself to grants made in the app:
 * `Tool` (every call), `Bash(npm test:*)` (a command prefix), `Bash(npm test *)` (a wildcard), `Bash(rm -rf build/)`
 * (one exact command), and `Tool(value)` for another tool's main argument (path, URL, pattern), compared exactly.
 *
 * Bash rules follow Claude Code 2.1's own matcher (read from its bundle): a prefix `p:*` matches a command `c` when
 * `c === p || c.startsWith(p + ' ')`; a wildcard turns `*` into "any text" (`\*` a literal star) and a single trailing
 * ` *` also matches the bare command; an exact rule is the whole command. A compound command passes only when an exact
 * rule names it whole or every subcommand is matched by some rule; what cannot be split safely never matches (asks).
 */

const RULE_RE = /^([A-Za-z0-9_.-]+)(?:\((.*)\))?$/s;

/** The argument a rule's content is compared with: Bash's command, else the first of the usual fields. */
function mainArgument(input: unknown): string | null {
  if (!input || typeof input !== 'object') return null;
  const i = input as Record<string, unknown>;
  for (const key of ['command', 'file_path', 'notebook_path', 'path', 'url', 'pattern', 'query']) {
    const v = i[key];
    if (typeof v === 'string') return v;
  }
  return null;
}

/** Tools that write a file named by `file_path` / `notebook_path`. */
const WRITERS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);

/**
 * Files that change how Claude Code starts or what it runs in a folder: MCP servers (.mcp.json), settings, hooks,
 * commands and agents (.claude/), memory (CLAUDE.md). A write to one always asks: no grant or rule covers it.
 */
export function isStartupFile(p: string): boolean {
  const parts = p.split(/[\\/]+/);
  const base = parts.at(-1) ?? '';
  return base === '.mcp.json' || base === 'CLAUDE.md' || base === 'CLAUDE.local.md' || parts.slice(0, -1).includes('.claude');
}

/** A write to a start-up file (see isStartupFile). */
export function writesStartupFile(tool: string, input: unknown): boolean {
  if (!WRITERS.has(tool) || !input || typeof input !== 'object') return false;
  const i = input as Record<string, unknown>;
  return [i.file_path, i.notebook_path].some((v) => typeof v === 'string' && isStartupFile(v));
}

interface ParsedRule { tool: string; content: string | null }

function parse(rule: string): ParsedRule | null {
  const m = RULE_RE.exec(rule.trim());
  if (!m) return null;
  const content = m[2];
  return { tool: m[1], content: content === undefined || content === '' || content === '*' ? null : content };
}

/** An unescaped `*` outside the trailing `:*`: Claude Code reads the rule as a wildcard. */
function isWildcard(content: string): boolean {
  if (content.endsWith(':*')) return false;
  for (let i = 0; i < content.length; i++) {
    if (content[i] !== '*') continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && content[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) return true;
  }
  return false;
}

function wildcardMatches(pattern: string, command: string): boolean {
  let re = '';
  let stars = 0;
  const p = pattern.trim();
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && (p[i + 1] === '*' || p[i + 1] === '\\')) {
      re += `\\${p[++i]}`;
      continue;
    }
    if (c === '*') {
      re += '.*';
      stars++;
      continue;
    }
    re += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  if (stars === 1 && re.endsWith(' .*')) re = `${re.slice(0, -3)}( .*)?`;
  return new RegExp(`^${re}$`, 's').test(command);
}

/** One simple command (already split, trimmed) against one Bash rule's content. */
function simpleMatches(content: string, command: string): boolean {
  if (content.endsWith(':*')) {
    const prefix = content.slice(0, -2);
    return command === prefix || command.startsWith(`${prefix} `);
  }
  // An exact rule is a pattern without a star (`\*` still spells a literal one).
  return wildcardMatches(content, command);
}

/** Whether one rule covers the call. For a compound Bash command, every subcommand must be covered by this rule. */
export function ruleMatches(rule: string, tool: string, input: unknown): boolean {
  return anyRuleMatches([rule], tool, input) !== null;
}

/**
 * The rule that lets the call through, or null (ask). A Bash command that is not one exact rule's command passes only
 * when each of its subcommands is matched by some rule; the rule named is the first subcommand's.
 */
export function anyRuleMatches(rules: readonly string[], tool: string, input: unknown): string | null {
  // A write to a start-up file always asks: no rule covers it.
  if (writesStartupFile(tool, input)) return null;
  const mine = rules.map((r) => ({ rule: r, parsed: parse(r) })).filter((r) => r.parsed?.tool === tool);
  const whole = mine.find((r) => r.parsed?.content === null);
  if (whole) return whole.rule;
  const arg = mainArgument(input);
  if (arg === null) return null;
  if (tool !== 'Bash') return mine.find((r) => r.parsed?.content === arg)?.rule ?? null;

  // An exact rule is the command the user approved, whole: compared before any splitting (as Claude Code does).
  const exact = mine.find((r) => {
    const c = r.parsed?.content;
    return c != null && !c.endsWith(':*') && !isWildcard(c) && wildcardMatches(c, arg.trim());
  });
  if (exact) return exact.rule;
  const parts = subcommands(arg);
  if (!parts) return null;
  let first: string | null = null;
  for (const part of parts) {
    const hit = mine.find((r) => r.parsed?.content != null && simpleMatches(r.parsed.content, part));
    if (!hit) return null;
    first ??= hit.rule;
  }
  return first;
}

/**
 * The rule an "always allow" writes: a Bash call allows exactly that command (never every command; null when it has
 * none to name); any other tool is allowed as a whole (an MCP tool by its full name). A command holding `*` gets
 * none either: the rule can land in a project's policy, where Claude Code reads `*` (and `:*`) as a wildcard.
 */
export function ruleFor(tool: string, input: unknown): string | null {
  if (tool !== 'Bash') return tool;
  const cmd = mainArgument(input);
  return cmd && !cmd.includes('*') ? `Bash(${cmd})` : null;
}
