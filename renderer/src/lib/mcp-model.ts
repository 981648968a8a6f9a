/**
 * The MCP page's login state as pure functions (unit-tested like transcript-model.ts): a login's snapshot is folded
 * from the events the control API streams, so a page opened mid-login and one that saw every step agree.
 */
import type { LoginEvent, LoginSnapshot } from '../../../main/contract/mcp-api.ts';

export function loginEnded(e: Pick<LoginEvent, 'step'>): boolean {
  return e.step === 'connected' || e.step === 'failed';
}

/** One event into the per-server map; a repeated event (replayed on reconnect) leaves the map as it was. */
export function applyLoginEvent(m: ReadonlyMap<string, LoginSnapshot>, e: LoginEvent): Map<string, LoginSnapshot> {
  const prev = m.get(e.serverName);
  // a new login of the same server starts over
  const base: LoginSnapshot = prev && prev.loginId === e.loginId ? prev : { loginId: e.loginId, serverName: e.serverName, startedAt: e.at, step: 'started', authUrl: null, reason: null, done: false, events: [] };
  if (base.events.some((x) => x.step === e.step && x.at === e.at)) return m instanceof Map ? m : new Map(m);
  const next: LoginSnapshot = {
    ...base,
    step: e.step,
    events: [...base.events, e],
    authUrl: e.step === 'waiting_for_browser' ? e.authUrl : base.authUrl,
    reason: e.step === 'failed' ? e.reason : base.reason,
    done: loginEnded(e),
  };
  return new Map(m).set(e.serverName, next);
}

/** The newest login of each server (GET /api/mcp/logins lists them oldest first). */
export function newestLogins(list: readonly LoginSnapshot[]): Map<string, LoginSnapshot> {
  const m = new Map<string, LoginSnapshot>();
  for (const l of list) if (!m.has(l.serverName) || (m.get(l.serverName)?.startedAt ?? 0) < l.startedAt) m.set(l.serverName, l);
  return m;
}
