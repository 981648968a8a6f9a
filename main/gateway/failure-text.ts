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

/**
 * Node's error codes in words. Clients that see a code in a message replace the whole message with their own guess
 * (n8n: "The service refused the connection - perhaps it is offline", which blames the gateway): none is passed on.
 */
const NODE_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  ESOCKETTIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPROTO: 'TLS or protocol error',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ENOSPC: 'disk full',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOENT: 'not found',
};
const KNOWN = Object.keys(NODE_CODES).join('|');

/** Replaces Node error codes by words; a code the sentence already says in words is dropped. */
export function withoutNodeCodes(text: string): string {
  const lower = text.toLowerCase();
  return text
    // "(ECONNREFUSED)" after "Connection refused …": said already. Any other parenthesised E-code: in words.
    .replace(/\s*\((E[A-Z_]{3,}|[A-Z_]+_CERT|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+)\)/g, (_m, code: string) => {
      const words = NODE_CODES[code];
      return words && lower.includes(words) ? '' : ` (${words ?? 'network error'})`;
    })
    // "EACCES: permission denied, mkdir …": the words follow already.
    .replace(new RegExp(`\\b(${KNOWN}):\\s*`, 'g'), (m, code: string) => (lower.includes(NODE_CODES[code] ?? '\u0000') ? '' : `${NODE_CODES[code]}: `))
    .replace(new RegExp(`\\b(${KNOWN})\\b`, 'g'), (code: string) => NODE_CODES[code] ?? code);
}

export function failureText(raw: string): string {
  return withoutNodeCodes(failureSentence(raw));
}

function failureSentence(raw: string): string {
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
  // The binary itself did not start ("spawn ENOENT", "spawn /x/claude EACCES").
  const spawn = /^spawn\b(?:\s+\S+)?\s+(ENOENT|EACCES)\b/.exec(s);
  if (spawn) return `Claude Code could not be started (${spawn[1] === 'ENOENT' ? 'program not found' : 'permission denied'}): check CLAUDE_PATH`;
  // No HTTP status: the model API was not reached at all ("API Error: Connection refused — …").
  const unreached = /^API Error:\s*(?!\d{3}\b)([^]+)$/.exec(s);
  if (unreached) return `The model API could not be reached: ${unreached[1].trim().replace(/^./, (c) => c.toLowerCase())}`;
  const exit = /^Claude Code (?:process )?exited with code (\d+)\.?\s*(?:stderr:\s*([^]*))?$/.exec(s);
  if (exit) return exit[2]?.trim() ? `${exit[2].trim()} (Claude Code exited with code ${exit[1]})` : `Claude Code exited with code ${exit[1]}`;
  return s;
}
