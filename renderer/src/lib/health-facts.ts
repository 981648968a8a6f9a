/**
 * A health component's details as facts people read ("Warm start: 1 ready") instead of JSON
 * (`{"size":1,"parked":0,…}`). The raw details stay available behind a disclosure; these are what the card shows.
 * Details arrive as unknown JSON: every value is checked before it is used.
 */
import type { ComponentHealth, LiveConversationsHealth } from '../../../main/contract/control-api.ts';

export interface Fact {
  label: string;
  value: string;
}

type Details = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function rec(v: unknown): Details | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Details) : null;
}
function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
function when(iso: string | null): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toLocaleString() : null;
}

/** "1 ready", "1 ready, 1 starting · 4 served", "2 ready (1 with the chats' tools listed)", "off", "off: <why>". */
export function warmStart(spares: unknown): string {
  const s = rec(spares);
  const size = num(s?.size);
  if (!s || !size) return 'off';
  const disabled = str(s.disabled);
  if (disabled) return `off: ${disabled}`;
  const ready = (num(s.parked) ?? 0) + (num(s.bound) ?? 0);
  const starting = num(s.starting) ?? 0;
  const claims = num(s.claims) ?? 0;
  // Listed ahead with the client tools the latest new chats all brought (their first turn then costs nothing extra).
  const listed = num(s.listed) ?? 0;
  return `${ready} ready${listed ? ` (${listed} with the chats' tools listed)` : ''}${starting ? `, ${starting} starting` : ''}${claims ? ` · ${claims} served` : ''}`;
}

/** "live conversations off", "2 live conversations (limit 35): sonnet idle 12 s, opus answering". Model and timing only. */
export function liveConversationsText(live: LiveConversationsHealth | null | undefined): string {
  if (!live || live.limit === 0) return 'live conversations off';
  const each = live.conversations.map((c) => `${c.model} ${c.state === 'answering' ? 'answering' : `idle ${c.idleS} s`}`);
  return `${plural(live.count, 'live conversation')} (limit ${live.limit})${each.length ? `: ${each.join(', ')}` : ''}`;
}

const SIGN_IN_METHODS: Readonly<Record<string, string>> = {
  api_key: 'API key',
  api_key_helper: 'API key helper',
  oauth_token: 'OAuth token',
  'claude.ai': 'Claude subscription',
  none: 'none',
};
const PROVIDERS: Readonly<Record<string, string>> = { bedrock: 'Amazon Bedrock', vertex: 'Google Vertex AI', foundry: 'Microsoft Foundry' };

function signInMethod(d: Details): string | null {
  const method = str(d.method);
  if (!method) return null;
  if (method === 'third_party') {
    const p = str(d.provider);
    return p ? (PROVIDERS[p] ?? p) : 'another provider';
  }
  return SIGN_IN_METHODS[method] ?? method;
}

function facts(pairs: Array<[string, string | null]>): Fact[] {
  return pairs.filter((p): p is [string, string] => p[1] !== null).map(([label, value]) => ({ label, value }));
}

/** The facts of one component; unknown components show their plain text and number details. */
export function componentFacts(c: ComponentHealth): Fact[] {
  const d: Details = c.details ?? {};
  switch (c.name) {
    case 'gateway':
      return facts([['Address', str(d.url)]]);
    case 'claude':
      return facts([
        ['Version', str(d.version) ?? 'not found'],
        ['Runs', d.runtime === 'docker' ? 'in the Docker container' : 'on this machine'],
        ['Credential', str(d.authenticated) ?? 'none found'],
        ['Warm start', warmStart(d.spares)],
      ]);
    case 'claude-auth':
      return facts([
        ['Method', signInMethod(d)],
        ['Plan', str(d.subscription)],
        ['Saved in the app', str(d.saved)],
        ['Expires', when(str(d.expiresAt))],
        ['Checked', when(str(d.checkedAt))],
      ]);
    case 'transcripts': {
      const count = num(d.count);
      return facts([['Stored', count === null ? null : plural(count, 'transcript')], ['Folder', str(d.dir)]]);
    }
    case 'oauth-listener': {
      const pending = Array.isArray(d.pendingLogins) ? d.pendingLogins.length : null;
      const bound = num(d.boundPort);
      return facts([
        ['Callback', str(d.redirectUri) ?? (bound ? `port ${bound}` : null)],
        ['Waiting sign-ins', pending === null ? null : String(pending)],
        ['Completed / failed', num(d.completed) === null ? null : `${num(d.completed)} / ${num(d.failed) ?? 0}`],
        ['Hands callbacks to', str(d.relayTarget)],
      ]);
    }
    case 'model-api': {
      const attempt = num(d.attempt);
      return facts([
        ['Last answer', num(d.status) === null ? null : `HTTP ${num(d.status)}${str(d.error) ? ` (${str(d.error)})` : ''}`],
        ['Retry', attempt === null ? null : `${attempt} of ${num(d.maxRetries) ?? '?'}`],
      ]);
    }
    case 'docker': {
      const services = Array.isArray(d.services) ? d.services.map(rec).filter((s): s is Details => s !== null) : null;
      const containers = services?.map((s) => {
        const health = str(s.health);
        return `${str(s.service) ?? '?'}: ${str(s.state) ?? 'unknown'}${health && health !== 'none' ? ` (${health})` : ''}`;
      });
      return facts([['Project', str(d.project)], ['Containers', containers ? (containers.join(', ') || 'none') : null]]);
    }
    case 'sandbox':
      return facts([
        ['Chat workspaces', str(d.policy)],
        ['Setting', str(d.setting) ? `DEFAULT_POLICY=${str(d.setting)}` : null],
        ['Sandbox tools', str(d.dependencies)],
        ['Commands may reach', d.defaultPolicy === 'sandboxed' ? str(d.allowedDomains) : null],
      ]);
    default:
      return facts(Object.entries(d).map(([k, v]): [string, string | null] => [k, typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null]));
  }
}
