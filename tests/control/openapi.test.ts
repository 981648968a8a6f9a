import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ControlError } from '../../main/contract/control-api.ts';
import { controlApiDocument } from '../../main/contract/openapi.ts';
import { APP_VERSION } from '../../main/version.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('GET /api/openapi.json', () => {
  let gw: TestDashboard;
  before(async () => {
    gw = await startTestDashboard({ script: () => ({ blocks: [{ type: 'text', text: 'unused' }] }) });
  });
  after(async () => {
    await gw.close();
  });

  test('serves the control API document, the same one docs/control-api.json holds', async () => {
    const r = await gw.call('/api/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const served = (await r.json()) as { openapi: string; info: { version: string }; paths: Record<string, unknown> };
    assert.equal(served.openapi, '3.1.0');
    assert.equal(served.info.version, APP_VERSION);
    assert.ok(served.paths['/api/openapi.json'], 'the document lists itself');
    assert.deepEqual(served, controlApiDocument(APP_VERSION));
    assert.deepEqual(served, JSON.parse(fs.readFileSync(path.join(root, 'docs/control-api.json'), 'utf8')), 'docs/control-api.json is stale: run `npm run docs`');
  });

  test('behind the admin token like the rest of /api', async () => {
    const r = await gw.call('/api/openapi.json', { headers: { authorization: 'Bearer wrong' } });
    assert.equal(r.status, 401);
    const body = (await r.json()) as ControlError;
    assert.equal(typeof body.error.code, 'string');
    const bare = await fetch(`${gw.baseUrl}/api/openapi.json`);
    assert.equal(bare.status, 401);
  });
});
