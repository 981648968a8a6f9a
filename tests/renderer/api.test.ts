import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { z } from 'zod';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APPROVAL_ROUTES, APPROVAL_STREAMS } from '../../main/contract/approvals-routes.ts';
import { CLAUDE_AUTH_ROUTES } from '../../main/contract/claude-auth-routes.ts';
import { CONTROL_ROUTES, CONTROL_STREAMS } from '../../main/contract/control-routes.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../../main/contract/docker-routes.ts';
import { MCP_ROUTES, MCP_STREAMS } from '../../main/contract/mcp-routes.ts';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from '../../main/contract/projects-routes.ts';
import { route, type StreamEvent } from '../../main/contract/route.ts';
import { ApiError, ControlClient } from '../../renderer/src/lib/api.ts';
import { openStream, type StreamState } from '../../renderer/src/lib/stream.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The dashboard's own client (it only needs fetch), against a real gateway whose Claude Code answered one request. */
describe('renderer client: the route tables against the real /api', () => {
  let gw: TestDashboard;
  let client: ControlClient;
  let requestId: string;
  before(async () => {
    gw = await startTestDashboard({ script: bashThenAnswer() });
    client = new ControlClient(gw.baseUrl, gw.token);
    const openai = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0 });
    requestId = (await openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'run the command' }] })).id;
  });
  after(async () => {
    await gw.close();
  });

  test('every GET route: its schema keeps the server body as it is, nothing dropped or added', async () => {
    const gets = [
      ...Object.values(CONTROL_ROUTES),
      ...Object.values(MCP_ROUTES),
      ...Object.values(DOCKER_ROUTES),
      ...Object.values(CLAUDE_AUTH_ROUTES),
      ...Object.values(PROJECT_ROUTES),
      ...Object.values(WORKSPACE_ROUTES),
      ...Object.values(APPROVAL_ROUTES),
    ].filter((r) => r.method === 'GET' && !r.path.includes(':'));
    assert.ok(gets.length >= 10, `${gets.length} GET routes`);
    for (const r of gets) {
      const raw = await gw.call(r.path);
      assert.equal(raw.status, 200, `${r.path} → ${raw.status}`);
      const body: unknown = await raw.json();
      assert.deepEqual(r.response.parse(body), body, r.path);
    }
    const one = await client.call(CONTROL_ROUTES.transcript, { params: { id: requestId } });
    assert.deepEqual(one.events, await (await gw.call(`/api/transcripts/${requestId}`)).json().then((b: { events: unknown }) => b.events));
    assert.ok(one.events.some((e) => e.type === 'tool_use' && e.name === 'Bash'));
    const page = await client.call(CONTROL_ROUTES.transcripts, { query: { limit: 1, q: 'run the', status: 'done' } });
    assert.deepEqual(page.items.map((s) => s.requestId), [requestId]);
  });

  test('a write route: the body goes out as JSON, 201 and 204 are the answers its entry names', async () => {
    const created = await client.call(CONTROL_ROUTES.createKey, { body: { name: 'from the client test' } });
    assert.equal(created.key.name, 'from the client test');
    assert.equal(await client.call(CONTROL_ROUTES.revokeKey, { params: { id: created.key.id } }), undefined);
    assert.deepEqual((await client.call(CONTROL_ROUTES.keys)).keys.map((k) => k.id), []);
  });

  test('errors: the /api error body becomes an ApiError with its status, code and message', async () => {
    await assert.rejects(client.call(CONTROL_ROUTES.transcript, { params: { id: 'missing_one' } }), (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'not_found' && /missing_one/.test(e.message));
    await assert.rejects(client.call(CONTROL_ROUTES.transcripts, { query: { limit: 0 } }), (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === 'bad_limit');
    await assert.rejects(new ControlClient(gw.baseUrl, 'wrong').call(CONTROL_ROUTES.info), (e: unknown) => e instanceof ApiError && e.status === 401 && e.code === 'invalid_token');
    // docker's 409 is an answer of its route, not an error: the local runtime's is the /api error shape instead
    await assert.rejects(client.send(DOCKER_ROUTES.action, { params: { action: 'up' } }), (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'runtime_local');
    await assert.rejects(new ControlClient('http://127.0.0.1:1', gw.token).call(CONTROL_ROUTES.info), (e: unknown) => e instanceof ApiError && e.unreachable);
  });

  test('an answer that does not fit its schema is refused at the edge, naming the field', async () => {
    const wrong = route({ method: 'GET', path: '/api/info', response: z.object({ bootId: z.number() }) });
    await assert.rejects(client.call(wrong), (e: unknown) => e instanceof ApiError && e.code === 'invalid_response' && /bootId/.test(e.message));
  });

  test('openStream: typed, validated events; the one-request stream replays the stored transcript', async () => {
    const got: Array<StreamEvent<typeof CONTROL_STREAMS.transcripts.events>> = [];
    const states: Array<StreamState['kind']> = [];
    const close = openStream(client, CONTROL_STREAMS.transcripts, {
      input: { query: { view: 'events', requestId } },
      onEvent: (e) => got.push(e),
      onState: (s) => states.push(s.kind),
    });
    try {
      await waitUntil(() => got.some((e) => e.event === 'reset'), { what: 'the reset with the stored events' });
      assert.equal(got[0].event, 'hello');
      const reset = got.find((e) => e.event === 'reset');
      assert.ok(reset?.event === 'reset' && reset.data.events !== null);
      const stored = await client.call(CONTROL_ROUTES.transcript, { params: { id: requestId } });
      assert.deepEqual(reset.data.events, stored.events);
      assert.deepEqual(states.slice(0, 2), ['connecting', 'live']);
    } finally {
      close();
    }
  });

  test('openStream: each area stream opens with its first event; an unknown transcript is notfound, not retried', async () => {
    const firsts: string[] = [];
    const closes = [
      openStream(client, CONTROL_STREAMS.appLog, { input: { query: { tail: 5 } }, onEvent: (e) => void (e.event === 'info' && firsts.push(`log:${e.data.file}`)) }),
      openStream(client, MCP_STREAMS.events, { onEvent: (e) => void (e.event === 'listener' && firsts.push(`mcp:${e.data.status}`)) }),
      openStream(client, DOCKER_STREAMS.events, { onEvent: (e) => void (e.event === 'status' && firsts.push(`docker:${e.data.runtime}`)) }),
      openStream(client, APPROVAL_STREAMS.pending, { onEvent: (e) => void firsts.push(`approvals:${e.data.pending.length}`) }),
    ];
    const states: Array<StreamState['kind']> = [];
    closes.push(openStream(client, CONTROL_STREAMS.transcripts, { input: { query: { view: 'events', requestId: 'chatcmpl-none' } }, onEvent: () => undefined, onState: (s) => states.push(s.kind) }));
    try {
      await waitUntil(() => firsts.length === 4 && states.includes('notfound'), { what: 'the first event of four streams and notfound' });
      assert.deepEqual(firsts.map((f) => f.split(':')[0]).sort(), ['approvals', 'docker', 'log', 'mcp']);
      assert.ok(firsts.includes('approvals:0'));
      assert.ok(firsts.includes(`log:${gw.services.logFile}`));
      assert.ok(firsts.includes('docker:local'));
      assert.deepEqual(states, ['connecting', 'notfound']);
    } finally {
      for (const c of closes) c();
    }
  });

  test('projects, chat workspaces, approvals and the end of a waiting run: each through its table entry', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-client-project-'));
    try {
      const added = await client.send(PROJECT_ROUTES.addProject, { body: { name: 'client-proj', folder, policy: { mode: 'read-only' } } });
      assert.equal(added.status, 201);
      assert.deepEqual([added.body.name, added.body.folder, added.body.policy.mode, added.body.source], ['client-proj', folder, 'read-only', 'app']);
      // The list, raw and through the client: the schema keeps every field of a real entry.
      const raw: unknown = await (await gw.call(PROJECT_ROUTES.projects.path)).json();
      assert.deepEqual(PROJECT_ROUTES.projects.response.parse(raw), raw);
      const changed = await client.call(PROJECT_ROUTES.updateProject, { params: { name: 'client-proj' }, body: { name: 'client-proj', folder, policy: { mode: 'sandboxed' } } });
      assert.equal(changed.policy.mode, 'sandboxed');
      await assert.rejects(client.call(PROJECT_ROUTES.addProject, { body: { name: 'client-proj', folder } }), (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'project_exists');
      assert.equal(await client.call(PROJECT_ROUTES.removeProject, { params: { name: 'client-proj' } }), undefined);
      assert.deepEqual((await client.call(PROJECT_ROUTES.projects)).projects.map((p) => p.name), []);
      await assert.rejects(client.call(PROJECT_ROUTES.removeProject, { params: { name: 'client-proj' } }), (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'not_found');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }

    // The request of `before` ran in a chat workspace of its own.
    const list = await client.call(WORKSPACE_ROUTES.workspaces);
    const ws = list.workspaces[0];
    assert.ok(ws, 'the run’s chat workspace is listed');
    assert.equal((await client.call(WORKSPACE_ROUTES.pin, { params: { id: ws.id } })).pinned, true);
    assert.equal((await client.call(WORKSPACE_ROUTES.unpin, { params: { id: ws.id } })).pinned, false);
    await assert.rejects(client.call(WORKSPACE_ROUTES.pin, { params: { id: 'no-such-workspace' } }), (e: unknown) => e instanceof ApiError && e.status === 404);

    assert.deepEqual(await client.call(APPROVAL_ROUTES.pending), { pending: [] });
    await assert.rejects(client.call(APPROVAL_ROUTES.decide, { params: { id: 'nope' }, body: { decision: 'allow_once' } }), (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'approval_not_found');
    await assert.rejects(client.call(CONTROL_ROUTES.endWaitingRun, { params: { id: requestId } }), (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'not_waiting');
  });
});
