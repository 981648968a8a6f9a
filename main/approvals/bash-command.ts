/**
 * A Bash command cut into the simple commands a permission rule is checked against, the way Claude Code checks them
 * (each subcommand of `a && b; c | d` on its own). Conservative: anything whose effect a rule cannot describe —
 * command or process substitution, subshells, redirections, heredocs, an unclosed quote — yields null, and the
 * caller asks. A wrong null costs one question; a wrong split could run a command nobody allowed.
 */
export function subcommands(command: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let quote: "'" | '"' | null = null;
  const cut = (): void => {
    out.push(cur.trim());
    cur = '';
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    const next = command[i + 1] ?? '';
    if (quote === "'") {
      if (c === "'") quote = null;
      cur += c;
      continue;
    }
    // Executes even inside double quotes.
    if (c === '`' || (c === '$' && next === '(')) return null;
    if (c === '\\') {
      // A line continuation joins lines (the next line's operators stay operators); any other escape is one literal char.
      if (next === '\n') { i++; continue; }
      cur += c + next;
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
      continue;
    }
    // Subshells, groups by parentheses, redirections, heredocs and process substitution: not a rule's business.
    if (c === '(' || c === ')' || c === '<' || c === '>') return null;
    if (c === ';' || c === '\n' || c === '\r') { cut(); continue; }
    if (c === '&' || c === '|') {
      if (next === c) i++;
      else if (c === '|' && next === '&') i++;
      cut();
      continue;
    }
    cur += c;
  }
  if (quote) return null;
  cut();
  const parts = out.filter((p) => p !== '');
  // `; rm` with nothing before is a syntax error for the shell, but never a match for a rule.
  return parts.length ? parts : null;
}
