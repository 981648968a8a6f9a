import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TranscriptEvent, TranscriptEventBody } from '../../main/contract/events.ts';
import { lineDiff, withContext } from '../../renderer/src/lib/diff.ts';
import { countSteps, TranscriptModel, type ToolNode } from '../../renderer/src/lib/transcript-model.ts';

function seqOf(bodies: TranscriptEventBody[]): TranscriptEvent[] {
  return bodies.map((b, i) => ({ ...b, requestId: 'r1', seq: i + 1, ts: new Date(1_700_000_000_000 + i).toISOString() }) as TranscriptEvent);
}

const usage = { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
const run = seqOf([
  { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'openwebui', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
  { type: 'thinking_delta', text: 'plan ', parentToolUseId: null },
  { type: 'thinking_delta', text: 'it', parentToolUseId: null },
  { type: 'text_delta', text: "I'll ", parentToolUseId: null },
  { type: 'text_delta', text: 'delegate.', parentToolUseId: null },
  { type: 'tool_use', toolUseId: 'task1', name: 'Task', input: { description: 'sub', prompt: 'do it', subagent_type: 'general-purpose' }, parentToolUseId: null },
  { type: 'text_delta', text: 'Sub-agent here.', parentToolUseId: 'task1' },
  { type: 'tool_use', toolUseId: 'b1', name: 'Bash', input: { command: 'ls' }, parentToolUseId: 'task1' },
  { type: 'tool_result', toolUseId: 'b1', content: 'a.txt', isError: false, parentToolUseId: 'task1' },
  { type: 'tool_use', toolUseId: 'r1', name: 'Read', input: { file_path: '/x' }, parentToolUseId: 'task1' },
  { type: 'tool_result', toolUseId: 'r1', content: 'no such file', isError: true, parentToolUseId: 'task1' },
  { type: 'tool_result', toolUseId: 'task1', content: 'sub-agent answer', isError: false, parentToolUseId: null },
  { type: 'text_delta', text: 'All done.', parentToolUseId: null },
  { type: 'result', subtype: 'success', isError: false, usage, costUsd: 0.01, numTurns: 3, sessionId: 's', durationMs: 900 },
  { type: 'end', status: 'done', reason: null, durationMs: 1000 },
]);

describe('transcript model (detail view)', () => {
  test('merges deltas, pairs results with calls by tool_use_id, nests sub-agent steps under Task', () => {
    const m = new TranscriptModel();
    assert.equal(m.applyAll(run), run.length);
    const kinds = m.root.map((n) => n.kind);
    assert.deepEqual(kinds, ['prompt', 'thinking', 'text', 'tool', 'text', 'result', 'end']);
    const task = m.root[3] as ToolNode;
    assert.equal(task.name, 'Task');
    assert.equal(task.result?.content, 'sub-agent answer');
    assert.deepEqual(task.children.map((c) => (c.kind === 'tool' ? `${c.name}:${c.result?.content}` : c.kind)), ['text', 'Bash:a.txt', 'Read:no such file']);
    assert.equal(countSteps(task), 3);
    assert.equal(m.root[1].kind === 'thinking' && m.root[1].text, 'plan it');
    assert.equal(m.root[2].kind === 'text' && m.root[2].text, "I'll delegate.");
    assert.equal(m.status, 'done');
    assert.equal(m.toolCount, 3);
    assert.equal(m.errorCount, 1);
  });

  test("Claude Code's retry notices become their own rows, in order", () => {
    const m = new TranscriptModel();
    m.applyAll(seqOf([
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'api_retry', attempt: 1, maxRetries: 10, delayMs: 600, status: 529, error: 'overloaded' },
      { type: 'text_delta', text: 'ok', parentToolUseId: null },
    ]));
    assert.deepEqual(m.root.map((n) => n.kind), ['prompt', 'retry', 'text']);
    assert.ok(m.root[1].kind === 'retry' && m.root[1].status === 529 && m.root[1].attempt === 1);
  });

  test('rows: depth-first with nesting depth; the Task answer after its steps; collapsing hides the steps', () => {
    const m = new TranscriptModel();
    m.applyAll(run);
    const rows = m.rows(new Set());
    assert.deepEqual(rows.map((r) => `${r.depth}:${r.type === 'tool-end' ? 'end-of-task' : r.node.kind}`), ['0:prompt', '0:thinking', '0:text', '0:tool', '1:text', '1:tool', '1:tool', '1:end-of-task', '0:text', '0:result', '0:end']);
    const collapsed = m.rows(new Set(['utask1']));
    assert.equal(collapsed.length, rows.length - 4);
  });

  test('idempotent per seq: a snapshot, a replay and live events in any overlap give the same tree', () => {
    const once = new TranscriptModel();
    once.applyAll(run);
    const mixed = new TranscriptModel();
    for (const ev of run.slice(0, 9)) mixed.apply(ev);
    assert.equal(mixed.applyAll(run.slice(4, 12)), 3, 'only events 10..12 are new');
    assert.equal(mixed.applyAll(run), 3);
    assert.equal(mixed.apply(run[3]), false);
    assert.deepEqual(JSON.stringify(mixed.rows(new Set()).map((r) => [r.key, r.depth])), JSON.stringify(once.rows(new Set()).map((r) => [r.key, r.depth])));
    assert.deepEqual(mixed.root.map((n) => (n.kind === 'text' ? n.text : n.kind)), once.root.map((n) => (n.kind === 'text' ? n.text : n.kind)));
  });

  test('a result whose call is unknown still shows; a later call fills it in', () => {
    const m = new TranscriptModel();
    m.applyAll(seqOf([{ type: 'tool_result', toolUseId: 'x', content: 'out', isError: false, parentToolUseId: null }]));
    assert.equal(m.root.length, 1);
    const ev: TranscriptEvent = { type: 'tool_use', toolUseId: 'x', name: 'Grep', input: { pattern: 'a' }, parentToolUseId: null, requestId: 'r1', seq: 2, ts: new Date().toISOString() };
    m.apply(ev);
    assert.equal(m.root.length, 1);
    assert.equal((m.root[0] as ToolNode).name, 'Grep');
  });

  test('10,000 events fold into one row per block and call', () => {
    const bodies: TranscriptEventBody[] = [run[0]];
    for (let i = 0; bodies.length < 10_000; i++) {
      bodies.push({ type: 'text_delta', text: `step ${i} `, parentToolUseId: null });
      bodies.push({ type: 'tool_use', toolUseId: `t${i}`, name: 'Bash', input: { command: `echo ${i}` }, parentToolUseId: null });
      bodies.push({ type: 'tool_result', toolUseId: `t${i}`, content: String(i), isError: false, parentToolUseId: null });
    }
    const m = new TranscriptModel();
    m.applyAll(seqOf(bodies));
    const rows = m.rows(new Set());
    assert.equal(m.eventCount, bodies.length);
    // every text delta is its own block (a tool call sits between), every call carries its result
    assert.equal(rows.length, bodies.filter((b) => b.type !== 'tool_result').length);
    assert.ok(rows.every((r) => r.node.kind !== 'tool' || r.node.result !== null || r.node.toolUseId === `t${Math.floor((bodies.length - 2) / 3)}`));
  });
});

describe('line diff (Edit widget)', () => {
  test('aligns changed lines between unchanged ones', () => {
    const d = lineDiff('a\nb\nc\nd', 'a\nB\nc\nd\ne');
    assert.deepEqual(d.map((l) => `${l.op}${l.text}`), [' a', '-b', '+B', ' c', ' d', '+e']);
  });
  test('write of a new file is all additions; huge inputs degrade to remove-all/add-all', () => {
    assert.deepEqual(lineDiff('', 'x\ny').map((l) => l.op), ['+', '+']);
    assert.deepEqual(lineDiff('', 'x\ny\n').map((l) => `${l.op}${l.text}`), ['+x', '+y'], 'a final newline adds no empty line');
    const old = Array.from({ length: 3000 }, (_, i) => `l${i}`);
    const next = old.map((l, i) => (i === 0 || i === 2999 ? l : `${l}x`));
    const d = lineDiff(old.join('\n'), next.join('\n'), 1000);
    assert.equal(d.length, 2 + 2998 * 2);
    assert.deepEqual([d[0].op, d[1].op, d[2998].op, d[2999].op, d[d.length - 1].op], [' ', '-', '-', '+', ' ']);
  });
  test('context trims long unchanged runs into gaps', () => {
    const old = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const next = old.replace('line 10', 'LINE 10');
    const c = withContext(lineDiff(old, next), 2);
    assert.equal(c[0], null);
    assert.equal(c.filter((l) => l !== null).length, 6);
    assert.equal(c[c.length - 1], null);
  });

  test("a caller's function: waiting for the caller, then answered with the wait time", () => {
    const m = new TranscriptModel();
    m.applyAll(seqOf([
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'tool_use', toolUseId: 'c1', name: 'mcp__client_tools__get_weather', input: { city: 'Paris' }, parentToolUseId: null },
      { type: 'client_tool_wait', calls: [{ toolUseId: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    ]));
    const node = m.tool('c1');
    assert.ok(node);
    assert.deepEqual(node.caller, { waitedMs: null });
    const rev = node.rev;
    m.applyAll(seqOf([
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'tool_use', toolUseId: 'c1', name: 'mcp__client_tools__get_weather', input: { city: 'Paris' }, parentToolUseId: null },
      { type: 'client_tool_wait', calls: [{ toolUseId: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { type: 'client_tool_resume', toolUseIds: ['c1'], waitedMs: 4200, followUpRequestId: 'chatcmpl-2' },
      { type: 'tool_result', toolUseId: 'c1', content: 'sunny', isError: false, parentToolUseId: null },
    ]));
    assert.deepEqual(node.caller, { waitedMs: 4200 });
    assert.equal(node.result?.content, 'sunny');
    assert.ok(node.rev > rev, 'the row re-renders');
    assert.deepEqual(m.root.map((n) => n.kind), ['prompt', 'tool']);
  });

  test('a run ended while waiting for the caller: no longer waiting, the call stays unanswered', () => {
    const m = new TranscriptModel();
    m.applyAll(seqOf([
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: false, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'tool_use', toolUseId: 'c1', name: 'mcp__client_tools__get_weather', input: { city: 'Paris' }, parentToolUseId: null },
      { type: 'client_tool_wait', calls: [{ toolUseId: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    ]));
    assert.equal(m.waiting?.calls[0], 'get_weather');
    assert.ok(m.waiting?.since);
    const node = m.tool('c1');
    assert.ok(node);
    const rev = node.rev;
    m.apply({ type: 'end', status: 'interrupted', reason: 'ended from the dashboard', durationMs: 10, requestId: 'r', seq: 4, ts: new Date().toISOString() });
    assert.equal(m.waiting, null);
    assert.deepEqual(node.caller, { waitedMs: null, abandoned: true });
    assert.equal(node.result, null);
    assert.ok(node.rev > rev, 'the row re-renders');
  });

  test('an approval: waiting under its tool call, then how it was decided (the row re-renders)', () => {
    const m = new TranscriptModel();
    const head: TranscriptEventBody[] = [
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet', stream: true, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'tool_use', toolUseId: 'b1', name: 'Bash', input: { command: 'rm -rf build/' }, parentToolUseId: null },
      { type: 'approval_wait', approvalId: 'appr_1', toolUseId: 'b1', tool: 'Bash', input: { command: 'rm -rf build/' }, project: null, client: 'x', conversation: null, expiresAt: '2026-01-01T00:02:00.000Z' },
    ];
    m.applyAll(seqOf(head));
    const node = m.tool('b1');
    assert.equal(node?.approval?.outcome, null);
    const rev = node?.rev ?? 0;
    m.applyAll(seqOf([...head, { type: 'approval_decision', approvalId: 'appr_1', toolUseId: 'b1', tool: 'Bash', outcome: 'deny', message: 'not now', rule: null, waitedMs: 1500 }]));
    assert.deepEqual(node?.approval, { id: 'appr_1', project: null, outcome: 'deny', message: 'not now', rule: null, waitedMs: 1500, expiresAt: '2026-01-01T00:02:00.000Z' });
    assert.ok((node?.rev ?? 0) > rev);
    assert.deepEqual(m.root.map((n) => n.kind), ['prompt', 'tool']);
  });

  test('an approval asked before its tool call is in the transcript keeps its project (Claude asks before the call arrives)', () => {
    const m = new TranscriptModel();
    m.applyAll(seqOf([
      { type: 'request', endpoint: '/v1/chat/completions', model: 'sonnet@web', stream: true, client: 'x', prompt: 'go', systemPrompt: null, imageCount: 0, runtime: 'local' },
      { type: 'approval_wait', approvalId: 'appr_2', toolUseId: 'b2', tool: 'Bash', input: { command: 'ls' }, project: 'web', client: 'x', conversation: null, expiresAt: '2026-01-01T00:02:00.000Z' },
      { type: 'tool_use', toolUseId: 'b2', name: 'Bash', input: { command: 'ls' }, parentToolUseId: null },
      { type: 'approval_decision', approvalId: 'appr_2', toolUseId: 'b2', tool: 'Bash', outcome: 'allow_project', message: null, rule: 'Bash(ls)', waitedMs: 10 },
    ]));
    assert.equal(m.tool('b2')?.approval?.project, 'web');
    assert.equal(m.tool('b2')?.approval?.outcome, 'allow_project');
  });
});
