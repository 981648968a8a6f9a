/**
 * One clear sentence for a failed run, the cause first. Claude Code, the Agent SDK and the gateway each wrap the
 * error they pass on ("Claude Code returned an error result: API Error: 500 …. This is a server-side issue…"); the
 * user needs what went wrong, once.
 */

const WRAPPERS = /^(?:Claude Code failed|Claude Code returned an error result|Error)\s*:\s*/i;
/** Advice Claude Code appends after the cause: our own hint replaces it. */
const ADVICE = /\.?\s+(?:This is|If (?:it|this) persists|Please|Try again|Check)\b[\s\S]*$/;

function apiDetail(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
      const m = j.error?.message ?? j.message;
      if (typeof m === 'string' && m.trim()) return m.trim();
    } catch {
      // not JSON after all: use the text
    }
  }
  return text.replace(ADVICE, '').replace(/\.$/, '').trim();
}

function hint(status: number): string {
  if (status === 429) return ' — rate limited; try again later';
  if (status >= 500) return ' — usually temporary; try again in a moment';
  return '';
}

export function failureText(raw: string): string {
  let s = raw.trim();
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(WRAPPERS, '');
  }
  const api = /^(?:([^]*?)\.?\s+)?API Error:\s*(\d{3})\b\s*([^]*)$/.exec(s);
  if (api) {
    const lead = api[1]?.trim();
    const status = Number(api[2]);
    const detail = apiDetail(api[3] ?? '');
    const what = `the model API returned HTTP ${status}${detail ? ` (${detail})` : ''}`;
    return lead ? `${lead}: ${what}` : `${what[0].toUpperCase()}${what.slice(1)}${hint(status)}`;
  }
  const exit = /^Claude Code (?:process )?exited with code (\d+)\.?\s*(?:stderr:\s*([^]*))?$/.exec(s);
  if (exit) return exit[2]?.trim() ? `${exit[2].trim()} (Claude Code exited with code ${exit[1]})` : `Claude Code exited with code ${exit[1]}`;
  return s;
}
