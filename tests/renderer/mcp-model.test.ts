import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoginEvent, LoginSnapshot } from '../../main/contract/mcp-api.ts';
import { applyLoginEvent, loginEnded, newestLogins } from '../../renderer/src/lib/mcp-model.ts';

const ev = (e: Partial<LoginEvent> & Pick<LoginEvent, 'step'>, at: number, loginId = 'L1'): LoginEvent => ({ loginId, serverName: 'vault', at, ...e }) as LoginEvent;

test('a login folds from its events: the link while waiting, done at the end, the reason of a failure', () => {
  let m = new Map<string, LoginSnapshot>();
  m = applyLoginEvent(m, ev({ step: 'started' }, 1));
  m = applyLoginEvent(m, ev({ step: 'waiting_for_browser', authUrl: 'https://idp.test/authorize?x=1', redirectUri: null, via: 'gateway-listener' }, 2));
  assert.equal(m.get('vault')?.authUrl, 'https://idp.test/authorize?x=1');
  assert.equal(m.get('vault')?.done, false);
  m = applyLoginEvent(m, ev({ step: 'code_received' }, 3));
  m = applyLoginEvent(m, ev({ step: 'connected', tools: ['get_secret'] }, 4));
  const s = m.get('vault');
  assert.ok(s);
  assert.deepEqual([s.step, s.done, s.events.length, s.authUrl], ['connected', true, 4, 'https://idp.test/authorize?x=1']);

  // a new login of the same server starts over; its failure keeps the reason
  m = applyLoginEvent(m, ev({ step: 'failed', reason: 'access_denied' }, 9, 'L2'));
  assert.deepEqual([m.get('vault')?.loginId, m.get('vault')?.reason, m.get('vault')?.events.length, m.get('vault')?.authUrl], ['L2', 'access_denied', 1, null]);
});

test('an event replayed on reconnect changes nothing', () => {
  const e = ev({ step: 'started' }, 1);
  const once = applyLoginEvent(new Map(), e);
  const twice = applyLoginEvent(once, e);
  assert.equal(twice.get('vault')?.events.length, 1);
});

test('the newest login per server from the oldest-first list; which steps end a login', () => {
  const snap = (serverName: string, loginId: string, startedAt: number): LoginSnapshot => ({ loginId, serverName, startedAt, step: 'started', authUrl: null, reason: null, done: false, events: [] });
  const m = newestLogins([snap('a', 'a1', 1), snap('b', 'b1', 2), snap('a', 'a2', 3)]);
  assert.deepEqual([...m.entries()].map(([k, v]) => [k, v.loginId]), [['a', 'a2'], ['b', 'b1']]);
  assert.deepEqual((['started', 'waiting_for_browser', 'code_received', 'tokens_stored', 'connected', 'failed'] as const).map((step) => loginEnded({ step })), [false, false, false, false, true, true]);
});
