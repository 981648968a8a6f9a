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

export function ruleMatches(rule: string, tool: string, input: unknown): boolean {
  const m = RULE_RE.exec(rule.trim());
  if (!m || m[1] !== tool) return false;
  const content = m[2];
  if (content === undefined || content === '' || content === '*') return true;
  const arg = mainArgument(input);
  if (arg === null) return false;
  if (content.endsWith(':*')) return arg.startsWith(content.slice(0, -2));
  return arg === content;
}

export function anyRuleMatches(rules: readonly string[], tool: string, input: unknown): string | null {
  return rules.find((r) => ruleMatches(r, tool, input)) ?? null;
}

/**
 * The rule an "always allow" writes: a Bash call allows exactly that command (never every command; null when it has
 * none to name); any other tool is allowed as a whole (an MCP tool by its full name).
 */
export function ruleFor(tool: string, input: unknown): string | null {
  if (tool !== 'Bash') return tool;
  const cmd = mainArgument(input);
  return cmd ? `Bash(${cmd})` : null;
}
