import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProjectEntry, ProjectListResponse, WorkspaceListResponse } from '../../main/contract/projects.ts';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('/api/projects and /api/workspaces', () => {
  let dash: TestDashboard;
  let repo: string;
  let configured: string;
  before(async () => {
    repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-api-proj-')));
    configured = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-api-cfg-')));
    dash = await startTestDashboard({ script: plainAnswer('ok'), config: { PROJECTS: JSON.stringify([{ name: 'fromconfig', folder: configured }]) } });
  });
  after(async () => {
    await dash.close();
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(configured, { recursive: true, force: true });
  });

  it('is guarded like the rest of /api', async () => {
    assert.equal((await fetch(`${dash.baseUrl}/api/projects`)).status, 401);
    assert.equal((await dash.call('/api/projects', { headers: { origin: 'http://evil.example' } })).status, 403);
  });

  it('adds, lists, changes and removes a project; the models follow', async () => {
    const created = await dash.call('/api/projects', json({ name: 'myrepo', folder: repo }));
    assert.equal(created.status, 201);
    const entry = (await created.json()) as ProjectEntry;
    assert.deepEqual(entry.policy, { mode: 'sandboxed', allow: [], denyRead: [], allowedDomains: [] });
    assert.equal(entry.source, 'app');
    assert.ok(entry.modelIds.includes('sonnet@myrepo'));
    const list = (await (await dash.call('/api/projects')).json()) as ProjectListResponse;
    assert.deepEqual(list.projects.map((p) => [p.name, p.source]), [['fromconfig', 'config'], ['myrepo', 'app']]);
    const models = (await (await fetch(`${dash.v1}/models`)).json()) as { data: Array<{ id: string }> };
    assert.ok(models.data.some((m) => m.id === 'sonnet@myrepo') && models.data.some((m) => m.id === 'sonnet@fromconfig'));

    const changed = await dash.call('/api/projects/myrepo', { ...json({ name: 'myrepo', folder: repo, policy: { mode: 'read-only', allow: ['Read'] } }), method: 'PUT' });
    assert.equal(changed.status, 200);
    assert.equal(((await changed.json()) as ProjectEntry).policy.mode, 'read-only');
    // Persisted in DATA_DIR.
    const saved = JSON.parse(fs.readFileSync(path.join(dash.dataDir, 'projects.json'), 'utf8')) as { projects: Array<{ name: string; policy: { mode: string } }> };
    assert.deepEqual(saved.projects.map((p) => [p.name, p.policy.mode]), [['myrepo', 'read-only']]);

    assert.equal((await dash.call('/api/projects/myrepo', { method: 'DELETE' })).status, 204);
    assert.ok(fs.existsSync(repo), 'the folder itself stays');
    const after = (await (await fetch(`${dash.v1}/models`)).json()) as { data: Array<{ id: string }> };
    assert.ok(!after.data.some((m) => m.id === 'sonnet@myrepo'));
  });

  it('answers bad input with 400 {error:{code,message}} and conflicts with 404/409', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'Bad Name', folder: repo }, /name must be/],
      [{ name: 'x', folder: path.join(repo, 'missing') }, /does not exist/],
      [{ name: 'x', folder: 'relative' }, /absolute path/],
      [{ name: 'x' }, /folder/],
      [{ name: 'x', folder: repo, policy: { mode: 'yolo' } }, /policy\.mode/],
      [{ name: 'x', folder: repo, extra: 1 }, /extra|Unrecognized/i],
      [[], /expected object/i],
    ];
    for (const [body, pattern] of bad) {
      const r = await dash.call('/api/projects', json(body));
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(e.error.code, 'invalid_project');
      assert.match(e.error.message, pattern);
    }
    const notJson = await dash.call('/api/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    assert.equal(notJson.status, 400);
    assert.ok(((await notJson.json()) as { error: { code: string } }).error.code);
    assert.equal((await dash.call('/api/projects', json({ name: 'fromconfig', folder: repo }))).status, 409);
    const cfgEdit = await dash.call('/api/projects/fromconfig', { method: 'DELETE' });
    assert.equal(cfgEdit.status, 409);
    assert.match(((await cfgEdit.json()) as { error: { message: string } }).error.message, /config file \(PROJECTS\)/);
    assert.equal((await dash.call('/api/projects/nope', { method: 'DELETE' })).status, 404);
  });

  it('lists chat workspaces and pins/unpins them', async () => {
    const folder = dash.services.workspaces.forConversation('chat:x');
    const list = (await (await dash.call('/api/workspaces')).json()) as WorkspaceListResponse;
    const ws = list.workspaces.find((w) => w.folder === folder);
    assert.ok(ws && !ws.pinned);
    assert.equal(list.ttlS, dash.config.SESSION_TTL_S);
    const pinned = await dash.call(`/api/workspaces/${ws.id}/pin`, { method: 'PUT' });
    assert.equal(pinned.status, 200);
    assert.equal(((await pinned.json()) as { pinned: boolean }).pinned, true);
    const unpinned = await dash.call(`/api/workspaces/${ws.id}/pin`, { method: 'DELETE' });
    assert.equal(((await unpinned.json()) as { pinned: boolean }).pinned, false);
    assert.equal((await dash.call('/api/workspaces/nope/pin', { method: 'PUT' })).status, 404);
  });
});
