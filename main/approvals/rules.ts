/**
 * Permission rules in Claude Code's syntax, as far as the gateway applies them itself to grants made in the app:
 * `Tool` (every call), `Bash(npm test:*)` (a command prefix), `Bash(rm -rf build/)` (one exact command), and
 * `Tool(value)` for another tool's main argument (path, URL, pattern).
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

/**
 * Shell syntax that runs more than the named command (chains, pipes, background, substitution, redirection, new
 * lines): Claude Code checks each part of such a command on its own, so a prefix rule never covers it here.
 */
const SHELL_COMPOUND = /[;&|`\n\r<>]|\$\(/;

export function ruleMatches(rule: string, tool: string, input: unknown): boolean {
  const m = RULE_RE.exec(rule.trim());
  if (!m || m[1] !== tool) return false;
  if (writesStartupFile(tool, input)) return false;
  const content = m[2];
  if (content === undefined || content === '' || content === '*') return true;
  const arg = mainArgument(input);
  if (arg === null) return false;
  if (content.endsWith(':*')) {
    const prefix = content.slice(0, -2);
    if (tool === 'Bash' && SHELL_COMPOUND.test(arg)) return false;
    // A word boundary: `git status:*` is `git status` and its arguments, not `git statusx`.
    return arg === prefix || arg.startsWith(`${prefix} `);
  }
  return arg === content;
}

export function anyRuleMatches(rules: readonly string[], tool: string, input: unknown): string | null {
  return rules.find((r) => ruleMatches(r, tool, input)) ?? null;
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
