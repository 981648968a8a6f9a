import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import type { EndWaitingRunResponse } from '../../main/contract/runs-api.ts';
import { CONTROL_ROUTES } from '../../main/contract/control-routes.ts';
import { routeUrl } from '../../main/contract/route.ts';
import { offeredTool, toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { waitUntil } from '../helpers/wait.ts';

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** A background Bash process (part of Claude's process tree), then a client tool call: the run suspends with both alive. */
const MARKER = '41.2718 tail';
const backgroundThenClientTool: Script = (req, info) => {
  const asked = offeredTool(req, 'get_weather') ?? 'missing';
  if (info.assistantTurns === 0) return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: `timeout ${MARKER} -f /dev/null`, run_in_background: true, description: 'background' } }] };
  if (info.assistantTurns === 1) return { blocks: [{ type: 'text', text: 'Asking the caller.' }, { type: 'tool_use', name: asked, input: { city: 'Graz' } }] };
  return { blocks: [{ type: 'text', text: `Done: ${info.lastToolResults.map(toolResultText).join(' | ')}` }] };
};

function processesMatching(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

describe('control API: end a run that waits for the caller (POST /api/transcripts/:id/end)', () => {
  let d: TestDashboard;
  let client: OpenAI;
  before(async () => {
    d = await startTestDashboard({ script: backgroundThenClientTool });
    client = new OpenAI({ baseURL: d.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => d.close());

  it('kills the suspended run’s whole process tree, records it interrupted, and answers once', async () => {
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Graz?' }], tools: [weatherTool] });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(d.services.executor.suspended.size, 1);
    const pid = d.services.runtime.livePids()[0];
    assert.ok(pid, 'the suspended run keeps its Claude process');
    assert.ok(processesMatching(MARKER).length > 0, 'the background command Claude started is alive while the run waits');

    const path = routeUrl(CONTROL_ROUTES.endWaitingRun.path, { id: first.id });
    const anon = await fetch(`${d.baseUrl}${path}`, { method: 'POST' });
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as { error: { code: string } }).error.code, 'missing_token');
    assert.equal(d.services.executor.suspended.size, 1, 'a refused call ends nothing');

    const res = await d.call(path, { method: 'POST' });
    const body = (await res.json()) as EndWaitingRunResponse;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body, { requestId: first.id, status: 'interrupted' });
    assert.equal(d.services.executor.suspended.size, 0);
    await waitUntil(() => !d.services.runtime.livePids().includes(pid) && processesMatching(MARKER).length === 0, { what: 'the Claude process and its background command to be gone' });

    const events = d.services.store.events(first.id) ?? [];
    const end = events.at(-1);
    assert.ok(end && end.type === 'end', JSON.stringify(events.map((e) => e.type)));
    assert.equal(end.status, 'interrupted');
    assert.match(end.reason ?? '', /ended from the dashboard/);
    assert.equal(events.filter((e) => e.type === 'end').length, 1);

    const again = await d.call(path, { method: 'POST' });
    assert.equal(again.status, 409);
    const err = (await again.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'not_waiting');
    assert.match(err.error.message, /already ended \(interrupted\)/);
  });

  it('404 for an unknown transcript; 409 for a run a request is driving (its client ends it)', async () => {
    const missing = await d.call(routeUrl(CONTROL_ROUTES.endWaitingRun.path, { id: 'chatcmpl-nope' }), { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');

    d.api.setScript(() => ({ blocks: [{ type: 'text', text: 'never' }], stallAfterStart: true }));
    const ac = new AbortController();
    const res = await fetch(`${d.v1}/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'stall' }] }),
    });
    const id = res.headers.get('x-request-id') ?? '';
    void res.body?.pipeTo(new WritableStream()).catch(() => undefined);
    await waitUntil(() => d.services.store.summary(id)?.status === 'running', { what: 'the run to start' });
    const busy = await d.call(routeUrl(CONTROL_ROUTES.endWaitingRun.path, { id }), { method: 'POST' });
    assert.equal(busy.status, 409);
    assert.match(((await busy.json()) as { error: { message: string } }).error.message, /running for a request right now/);
    ac.abort();
    await waitUntil(() => d.services.store.summary(id)?.status === 'cancelled', { what: 'the stalled run to be cancelled' });
  });
});
