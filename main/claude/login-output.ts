/**
 * Reading what `claude auth login` prints, without a terminal. Measured with Claude Code 2.1.330 on plain pipes:
 *
 *   stdout  Opening browser to sign in…
 *           If the browser didn't open, visit:
 *           https://claude.ai/oauth/authorize?z-<challenge>          (--console: https://platform.claude.com/oauth/authorize?…)
 *           Paste code here if prompted >                            (no newline: it waits on stdin)
 *   stderr  That doesn't look like the full code. Copy all of it, including the # in the middle.   (and it reads again)
 *           Couldn't log in: <why>                                    (then exit 1)
 *
 * Colours, OSC 8 hyperlinks and a URL hard-wrapped over several lines (as a terminal-width renderer would) are
 * tolerated, so the parser does not depend on today's exact layout.
 */
import stripAnsi from 'strip-ansi';

/** Characters a URL may contain (RFC 3986), so a line made only of them can continue a wrapped URL. */
const URL_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

export function cleanOutput(text: string): string {
  return stripAnsi(text).replace(/\r\n?/g, '\n');
}

/** An https URL without credentials: the only kind the app hands to a browser as a sign-in page. */
export function isSignInUrl(candidate: string): boolean {
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.hostname.length > 0 && !u.username && !u.password && /\/authorize\b/.test(u.pathname);
}

/**
 * The sign-in link in the output so far, once it is certainly complete: followed by a line that cannot be part of
 * it (the prompt), or `final` (the process ended). Null while there is none yet or it may still be growing.
 */
export function findSignInUrl(output: string, final = false): string | null {
  const lines = cleanOutput(output).split('\n');
  const last = lines.length - 1; // lines[last] is still being written (no newline yet); '' when none is
  for (let i = 0; i <= last; i++) {
    const at = lines[i].indexOf('https://');
    if (at < 0) continue;
    const head = lines[i].slice(at).trim();
    const space = head.search(/\s/);
    if (space >= 0) {
      // Text follows it on the same line: complete as it is.
      const url = head.slice(0, space);
      if (isSignInUrl(url)) return url;
      continue;
    }
    if (i === last && !final) return null;
    let url = head;
    let j = i + 1;
    // A hard-wrapped URL goes on over complete lines made only of URL characters.
    while (j < last && URL_CHARS.test(lines[j].trim())) url += lines[j++].trim();
    if (j === last) {
      const partial = lines[j].trim();
      // Could still be a continuation (or the start of the prompt): wait for more, unless nothing more will come.
      if (!final && (partial === '' || URL_CHARS.test(partial))) return null;
      if (final && URL_CHARS.test(partial)) url += partial;
    }
    if (isSignInUrl(url)) return url;
  }
  return null;
}

/** Complete, non-empty lines of a stream so far (the partial last one kept back), cleaned. */
export function completeLines(buffer: string): { lines: string[]; rest: string } {
  const text = buffer.replace(/\r\n?/g, '\n');
  const cut = text.lastIndexOf('\n');
  if (cut < 0) return { lines: [], rest: text };
  const lines = cleanOutput(text.slice(0, cut))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return { lines, rest: text.slice(cut + 1) };
}

/** Claude Code's own sentence for why the login ended, from its stderr and stdout tails. */
export function failureMessage(stderr: string, stdout: string, code: number | null, signal: string | null): string {
  const last = (text: string): string | undefined =>
    cleanOutput(text)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Paste code here/i.test(l) && !/^(Opening browser|If the browser didn't open)/i.test(l) && !l.startsWith('https://'))
      .at(-1);
  const said = last(stderr) ?? last(stdout);
  const how = signal ? `stopped by ${signal}` : `exit code ${code ?? '?'}`;
  return (said ? `${said} (${how})` : `Claude Code ended the sign-in (${how})`).slice(0, 500);
}

/** A pasted code as Claude Code wants it: one line, no spaces inside; what is wrong otherwise (never repeating it). */
export function checkCode(raw: string): { ok: true; code: string } | { ok: false; message: string } {
  const code = raw.trim();
  if (!code) return { ok: false, message: 'The code is empty: copy the code the sign-in page shows.' };
  if (code.length > 4096) return { ok: false, message: 'That is too long to be the sign-in code.' };
  // A newline would submit part of it; spaces or controls mean something else was pasted along with it.
  if (/[\s\p{Cc}]/u.test(code)) return { ok: false, message: 'The code must be one piece of text without spaces or line breaks: copy just the code the page shows.' };
  return { ok: true, code };
}

/** Any text Claude Code printed, with the code the user pasted taken out (it would be a secret in an answer or a log). */
export function withoutCode(text: string, codes: readonly string[]): string {
  let out = text;
  for (const c of codes) {
    if (c.length < 4) continue;
    out = out.split(c).join('[code]');
    // Claude Code splits `<code>#<state>`: neither half is shown either.
    for (const part of c.split('#')) if (part.length >= 8) out = out.split(part).join('[code]');
  }
  return out;
}
