/**
 * Relative links and images of Markdown files, and which of them are dead: a file that does not exist, or an
 * `#anchor` no heading of the target page produces (GitHub's heading ids). Links in code are not links.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Link {
  file: string;
  line: number;
  target: string;
  image: boolean;
}

/** The text outside fenced code blocks and code spans (same line count, so line numbers hold). */
function withoutCode(text: string): string {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(`+)[^`\n]*?\1/g, (span) => ' '.repeat(span.length));
}

export function linksOf(file: string): Link[] {
  const text = withoutCode(fs.readFileSync(file, 'utf8'));
  const out: Link[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ file, line: i + 1, target: m[2], image: m[1] === '!' });
  });
  return out;
}

/** GitHub's id for a heading: lower case, punctuation dropped (not `-` or `_`), spaces to `-`, repeats numbered. */
export function headingIds(file: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const text = fs.readFileSync(file, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n ? `${base}-${n}` : base);
  }
  return ids;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Each dead relative link, as `file:line → target (why)`. */
export function deadLinks(files: string[]): string[] {
  const dead: string[] = [];
  for (const file of files) {
    for (const link of linksOf(file)) {
      if (EXTERNAL.test(link.target)) continue;
      const [rawPath, anchor] = link.target.split('#', 2) as [string, string | undefined];
      const target = rawPath ? path.resolve(path.dirname(file), decodeURIComponent(rawPath)) : file;
      const where = `${file}:${link.line} → ${link.target}`;
      if (!fs.existsSync(target)) {
        dead.push(`${where} (no such file)`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headingIds(target).has(anchor)) dead.push(`${where} (no heading with id "${anchor}")`);
    }
  }
  return dead;
}
