/**
 * The composition root builds only what the config needs: an installed app with the local runtime has no docker/
 * folder beside it and may have no docker CLI, so nothing docker-related may be built (it used to throw at launch).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateAdminToken } from '../main/control/admin-token.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { plainAnswer } from './fixtures/scripts.ts';

describe('composition root, local runtime', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi') });
  });
  after(async () => gw.close());

  it('builds no compose manager and no docker health component', () => {
    assert.equal(gw.services.compose, null);
    assert.ok(!gw.services.health().components.some((c) => c.name === 'docker'));
  });

  it('/api/docker says the runtime is local instead of failing', async () => {
    const token = loadOrCreateAdminToken(gw.dataDir).token;
    const headers = { authorization: `Bearer ${token}` };
    const st = await fetch(`${gw.baseUrl}/api/docker/status`, { headers });
    assert.equal(st.status, 200);
    const body = (await st.json()) as { runtime: string; status: { services: unknown[] } };
    assert.equal(body.runtime, 'local');
    assert.deepEqual(body.status.services, []);
    const up = await fetch(`${gw.baseUrl}/api/docker/up`, { method: 'POST', headers });
    assert.equal(up.status, 409);
    const err = (await up.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'runtime_local');
    assert.match(err.error.message, /CLAUDE_RUNTIME=local/);
  });
});
