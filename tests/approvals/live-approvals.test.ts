import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ApprovalListResponse, PendingApproval } from '../../main/contract/approvals.ts';
import type { TranscriptEvent } from '../../main/contract/events.ts';
import { loadOrCreateAdminToken } from '../../main/control/admin-token.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startScriptedAnthropic, toolResultText, type ScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

/** A command Claude Code would ask about (not one of its read-only commands), and what it prints when it ran. */
const RISKY = 'mkdir -p build && echo made > build/marker && rm -rf build/ && echo risky-step-ran';
/** Bash is outside the allow-list: every Bash call asks. */
const ALLOW_READ_ONLY = { CLAUDE_ALLOWED_TOOLS: 'Read', SSE_KEEPALIVE_S: 0.2 };

function api(gw: TestGateway) {
  const token = loadOrCreateAdminToken(gw.dataDir).token;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    async pending(): Promise<PendingApproval[]> {
      const res = await fetch(`${gw.baseUrl}/api/approvals`, { headers });
      assert.equal(res.status, 200);
      return ((await res.json()) as ApprovalListResponse).pending;
    },
    decide(id: string, body: unknown): Promise<Response> {
      return fetch(`${gw.baseUrl}/api/approvals/${encodeURIComponent(id)}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    headers,
  };
}

/** A raw streaming chat completion: the text as it arrives (keep-alive comments included), and its end. */
function openStream(gw: TestGateway, opts: { chatId?: string; content?: string } = {}) {
  const ac = new AbortController();
  let raw = '';
  let requestId = '';
  const done = (async () => {
    const res = await fetch(`${gw.v1}/chat/completions`, {
      method: 'POST', signal: ac.signal,
      headers: { 'content-type': 'application/json', ...(opts.chatId ? { 'x-openwebui-chat-id': opts.chatId } : {}) },
      body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: opts.content ?? 'clean the build folder' }] }),
    });
    requestId = res.headers.get('x-request-id') ?? '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) raw += decoder.decode(chunk, { stream: true });
    } catch { /* aborted */ }
    return raw;
  })();
  const content = (): string => raw.split('\n').filter((l) => l.startsWith('data: {')).map((l) => {
    const c = JSON.parse(l.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
    return c.choices?.[0]?.delta?.content ?? '';
  }).join('');
  return { done, content, raw: () => raw, abort: () => ac.abort(), requestId: () => requestId };
}

async function onePending(gw: TestGateway): Promise<PendingApproval> {
  let list: PendingApproval[] = [];
  await waitUntil(async () => (list = await api(gw).pending()).length === 1, { what: 'one pending approval', ms: 30_000 });
  return list[0];
}

function approvalEvents(gw: TestGateway, requestId: string): TranscriptEvent[] {
  return (gw.services.store.events(requestId) ?? []).filter((e) => e.type === 'approval_wait' || e.type === 'approval_decision');
}

describe('live approvals: a tool outside the allow-list asks the user', () => {
  let gw: TestGateway;
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer(RISKY), config: ALLOW_READ_ONLY }); });
  after(async () => gw.close());

  it('waits, is listed with tool, input, client and conversation, the stream says so with keep-alives; Allow → the tool ran', async () => {
    const s = openStream(gw, { chatId: 'chat-approve-1' });
    const p = await onePending(gw);
    assert.equal(p.tool, 'Bash');
    assert.deepEqual((p.input as { command: string }).command, RISKY);
    assert.equal(p.client, 'OpenWebUI');
    assert.equal(p.conversation, 'chat-approve-1');
    assert.equal(p.project, null);
    assert.equal(p.requestId, s.requestId());
    assert.match(p.summary, /^Bash: mkdir -p build/);
    await waitUntil(() => s.content().includes('Waiting for approval in Claude Code Gateway'), { what: 'the waiting line in the stream' });
    // Keep-alives continue while it waits.
    const mark = s.raw().length;
    await waitUntil(() => s.raw().slice(mark).includes(': keep-alive'), { what: 'a keep-alive after the waiting line' });
    assert.ok(!s.content().includes('— result'), 'nothing ran before the decision');

    const res = await api(gw).decide(p.id, { decision: 'allow_once' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: p.id, outcome: 'allow_once', rule: null });
    await s.done;
    assert.match(s.content(), /The command printed risky-step-ran\. Done\./);
    assert.deepEqual(await api(gw).pending(), []);
    const evs = approvalEvents(gw, s.requestId());
    assert.deepEqual(evs.map((e) => e.type), ['approval_wait', 'approval_decision']);
    assert.ok(evs[1].type === 'approval_decision' && evs[1].outcome === 'allow_once' && evs[1].approvalId === p.id);

    // Deciding it again, or an id that never existed: 4xx in the control API's shape.
    const again = await api(gw).decide(p.id, { decision: 'deny' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'approval_already_decided');
    const unknown = await api(gw).decide('appr_nope', { decision: 'allow_once' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'approval_not_found');
  });

  it('Deny with a message: Claude receives it as the tool result, and the tool did not run', async () => {
    const marker = path.join(gw.config.claudeCwd, 'build', 'marker');
    const s = openStream(gw);
    const p = await onePending(gw);
    const res = await api(gw).decide(p.id, { decision: 'deny', message: 'Not today: build/ holds my release.' });
    assert.equal(res.status, 200);
    await s.done;
    const last = gw.api.mainRequests().at(-1)!;
    const results = last.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result')));
    assert.equal(toolResultText(results.at(-1)!), 'Not today: build/ holds my release.');
    assert.equal(results.at(-1)!.is_error, true);
    assert.match(s.content(), /The command printed Not today: build\/ holds my release\./);
    assert.ok(!fs.existsSync(marker));
    const dec = approvalEvents(gw, s.requestId()).at(-1)!;
    assert.ok(dec.type === 'approval_decision' && dec.outcome === 'deny' && dec.message === 'Not today: build/ holds my release.');
  });

  it('bad input to the control API: 400/401 in its error shape, the approval keeps waiting', async () => {
    const s = openStream(gw);
    const p = await onePending(gw);
    for (const body of [{ decision: 'maybe' }, { decision: 'deny', message: 42 }, { decision: 'allow_once', extra: true }, '{not json']) {
      const res = await api(gw).decide(p.id, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const err = (await res.json()) as { error: { code: string; message: string } };
      assert.ok(err.error.code && err.error.message, JSON.stringify(err));
    }
    const noToken = await fetch(`${gw.baseUrl}/api/approvals`);
    assert.equal(noToken.status, 401);
    assert.equal((await api(gw).pending()).length, 1);
    await api(gw).decide(p.id, { decision: 'deny' });
    await s.done;
  });

  it('a cancelled request withdraws its pending approval (recorded in the transcript)', async () => {
    const s = openStream(gw);
    const p = await onePending(gw);
    s.abort();
    await waitUntil(async () => (await api(gw).pending()).length === 0, { what: 'the approval withdrawn' });
    await waitUntil(() => gw.services.store.summary(p.requestId)?.status === 'cancelled', { what: 'the run recorded as cancelled' });
    const dec = approvalEvents(gw, p.requestId).at(-1)!;
    assert.ok(dec.type === 'approval_decision' && dec.outcome === 'withdrawn', JSON.stringify(dec));
    const late = await api(gw).decide(p.id, { decision: 'allow_once' });
    assert.equal(late.status, 409);
  });

  it('Allow for this conversation: the next call in that chat runs without asking, another chat still asks', async () => {
    const first = openStream(gw, { chatId: 'chat-conv-grant' });
    const p = await onePending(gw);
    assert.equal((await (await api(gw).decide(p.id, { decision: 'allow_conversation' })).json() as { rule: string }).rule, `Bash(${RISKY})`);
    await first.done;
    const asked = (): PendingApproval[] => gw.services.approvals.list();
    let seen = 0;
    const off = gw.services.approvals.onAsk(() => { seen++; });
    try {
      const second = openStream(gw, { chatId: 'chat-conv-grant', content: 'again please' });
      await second.done;
      assert.match(second.content(), /risky-step-ran/);
      assert.equal(seen, 0, 'the same conversation was not asked again');
      const other = openStream(gw, { chatId: 'chat-other' });
      await waitUntil(() => asked().length === 1, { what: 'the other chat asks' });
      await api(gw).decide(asked()[0].id, { decision: 'deny' });
      await other.done;
    } finally {
      off();
    }
  });
});

describe('live approvals: no decision within APPROVAL_TIMEOUT_S', () => {
  let gw: TestGateway;
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer(RISKY), config: { ...ALLOW_READ_ONLY, APPROVAL_TIMEOUT_S: 1 } }); });
  after(async () => gw.close());

  it('is denied with that reason, which Claude receives; the answer completes', async () => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x' });
    const done = client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'clean up' }] });
    const p = await onePending(gw);
    const answer = await done;
    assert.match(answer.choices[0].message.content ?? '', /The command printed No decision within 1 s \(APPROVAL_TIMEOUT_S\)/);
    assert.match(answer.choices[0].message.content ?? '', /No decision in time: denied\./);
    const dec = approvalEvents(gw, p.requestId).at(-1)!;
    assert.ok(dec.type === 'approval_decision' && dec.outcome === 'timeout');
    assert.equal((await api(gw).decide(p.id, { decision: 'allow_once' })).status, 409);
  });
});

describe('live approvals: "Always allow in this project" survives a restart', () => {
  let model: ScriptedAnthropic;
  let dataDir: string;
  before(async () => {
    model = await startScriptedAnthropic(bashThenAnswer(RISKY));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-approvals-'));
  });
  after(async () => {
    await model.close();
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('writes the rule under DATA_DIR; after a restart the same call runs without asking', async () => {
    const gw1 = await startTestGateway({ script: bashThenAnswer(RISKY), api: model, dataDir, config: ALLOW_READ_ONLY });
    try {
      const s = openStream(gw1);
      const p = await onePending(gw1);
      const res = await api(gw1).decide(p.id, { decision: 'allow_project' });
      assert.deepEqual(await res.json(), { id: p.id, outcome: 'allow_project', rule: `Bash(${RISKY})` });
      await s.done;
      assert.match(s.content(), /risky-step-ran/);
    } finally {
      await gw1.close();
    }
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'approval-rules.json'), 'utf8')) as { projects: Record<string, string[]> };
    assert.deepEqual(Object.values(stored.projects), [[`Bash(${RISKY})`]]);

    const gw2 = await startTestGateway({ script: bashThenAnswer(RISKY), api: model, dataDir, config: ALLOW_READ_ONLY });
    try {
      let asked = 0;
      gw2.services.approvals.onAsk(() => { asked++; });
      const s = openStream(gw2);
      await s.done;
      assert.match(s.content(), /The command printed risky-step-ran\. Done\./);
      assert.equal(asked, 0);
      assert.deepEqual(approvalEvents(gw2, s.requestId()), []);
    } finally {
      await gw2.close();
    }
  });
});

describe('live approvals: a run served by a pre-started spare process', () => {
  let gw: TestGateway;
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer(RISKY), config: { CLAUDE_SPARE_PROCESSES: 1, CLAUDE_ALLOWED_TOOLS: 'Read' } }); });
  after(async () => gw.close());

  it('asks through the callback the spare registered when it started', async () => {
    await waitUntil(() => (gw.services.runtime.spares?.()?.parked ?? 0) + (gw.services.runtime.spares?.()?.bound ?? 0) >= 1, { what: 'a spare ready', ms: 60_000 });
    const s = openStream(gw);
    const p = await onePending(gw);
    await api(gw).decide(p.id, { decision: 'allow_once' });
    await s.done;
    assert.match(s.content(), /The command printed risky-step-ran\. Done\./);
    assert.ok((gw.services.runtime.spares?.()?.claims ?? 0) >= 1, 'the run was served by a spare');
  });
});

describe('live approvals: a run place narrows the allow-list', () => {
  let gw: TestGateway;
  // Bash is allowed by the config here: only the place's narrower allow-list makes it ask.
  before(async () => { gw = await startTestGateway({ script: bashThenAnswer(RISKY), config: { CLAUDE_ALLOWED_TOOLS: 'Read,Bash' } }); });
  after(async () => gw.close());

  it('RunPlace.policy.allow narrows the allow-list; the pending approval names the project', async () => {
    const { preparePrompt } = await import('../../main/gateway/prompt.ts');
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-place-'));
    try {
      const run = gw.services.executor.start({
        requestId: 'chatcmpl-place-1', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'n8n',
        prompt: preparePrompt([{ role: 'user', content: 'clean' }]), abort: new AbortController(),
        place: { project: 'myrepo', folder, policy: { mode: 'full', allow: ['Read'], denyRead: [], allowedDomains: [] } },
      });
      const outcome = run.drive(() => undefined);
      const p = await onePending(gw);
      assert.equal(p.project, 'myrepo');
      assert.equal(p.client, 'n8n');
      await api(gw).decide(p.id, { decision: 'allow_once' });
      const done = await outcome;
      assert.match(done.content, /risky-step-ran/);
      assert.ok(!fs.existsSync(path.join(folder, 'build')), 'the command ran in the place\'s folder (and removed build/)');
      const init = gw.services.store.events('chatcmpl-place-1')?.find((e) => e.type === 'init');
      assert.ok(init?.type === 'init' && fs.realpathSync(init.cwd) === fs.realpathSync(folder));
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
