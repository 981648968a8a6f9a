import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComposeStatus } from '../../main/compose/types.ts';
import type { ComponentHealth } from '../../main/contract/control-api.ts';
import { HealthMonitor } from '../../main/health/monitor.ts';

const comp = (name: string, status: ComponentHealth['status'], reason: string | null = null): ComponentHealth => ({ name, status, reason, since: '' });
const composeAt = (overall: ComposeStatus['overall']): ComposeStatus => ({ overall, project: 'p', services: [], problem: null, compose: null, checkedAt: '' });

test('change fires when what a person sees changes, not on every reading', () => {
  const m = new HealthMonitor();
  let state: ComponentHealth['status'] = 'ok';
  m.register('gateway', () => comp('gateway', state));
  let changes = 0;
  m.on('change', () => changes++);
  m.notify();
  m.notify();
  assert.equal(changes, 1, 'the first reading, then nothing while nothing moved');
  state = 'stopped';
  m.notify();
  assert.equal(changes, 2);
  assert.deepEqual(m.components().map((c) => c.status), ['stopped']);
});

test('one read of the container at a time: concurrent callers share it, and it updates the components', async () => {
  const m = new HealthMonitor();
  let reads = 0;
  let release: (s: ComposeStatus) => void = () => undefined;
  m.watchCompose({ status: () => { reads++; return new Promise<ComposeStatus>((r) => (release = r)); } });
  m.register('docker', () => comp('docker', m.composeStatus()?.overall === 'running' ? 'ok' : 'starting'));
  let changes = 0;
  m.on('change', () => changes++);
  const a = m.refreshCompose();
  const b = m.refreshCompose();
  assert.equal(reads, 1);
  release(composeAt('running'));
  assert.equal((await a).overall, 'running');
  assert.equal((await b).overall, 'running');
  assert.equal(m.composeStatus()?.overall, 'running');
  assert.equal(changes, 1);
  const later = m.refreshCompose();
  assert.equal(reads, 2, 'a later call reads again');
  release(composeAt('stopped'));
  assert.equal((await later).overall, 'stopped');
  assert.equal(changes, 2);
});

test('without a container, a refresh says why instead of pretending', async () => {
  await assert.rejects(new HealthMonitor().refreshCompose(), /runs locally/);
});
