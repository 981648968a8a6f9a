import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerRenderer, escapeTags, fenced, retryNotice, toolSummary, truncateBytes } from '../../main/gateway/render.ts';
import type { TranscriptEvent } from '../../main/contract/events.ts';

const ev = (b: Record<string, unknown>, seq = 1) => ({ requestId: 'r', seq, ts: '', ...b }) as TranscriptEvent;

describe('answer renderer', () => {
  it('a fence is longer than any backtick run in the body', () => {
    assert.equal(fenced('a ``` b', 'text'), '````text\na ``` b\n````');
    assert.equal(fenced('plain', 'text'), '```text\nplain\n```');
  });

  it('escapes reasoning and details tags, case-insensitively, open and close', () => {
    const s = escapeTags('<think>x</think><THINKING><reasoning><thought></details><summary>');
    assert.doesNotMatch(s, /<\/?(think|thinking|reasoning|thought|details|summary)\b/i);
  });

  it('truncates on a character boundary with the byte count', () => {
    const t = truncateBytes('é'.repeat(100), 51);
    assert.match(t, /… \[truncated: 200 bytes total\]$/);
    assert.ok(!t.includes('\uFFFD'));
  });

  it('summaries name the tool and its main argument', () => {
    assert.equal(toolSummary('Bash', { command: 'ls -la\nrm x' }), 'Bash: ls -la');
    assert.equal(toolSummary('Read', { file_path: '/a/b.ts' }), 'Read: /a/b.ts');
    assert.equal(toolSummary('mcp__github__search', { query: 'bug' }), 'github › search: bug');
  });

  it('shows a step as it starts (title and input) and its result when it ends, each a closed block, paired by id', () => {
    const r = new AnswerRenderer(1000);
    assert.deepEqual(r.render(ev({ type: 'text_delta', text: 'Let me look', parentToolUseId: null })), [{ kind: 'content', text: 'Let me look' }]);
    // The start is complete markup on its own: OpenWebUI renders only closed <details>, and parallel calls never nest.
    const [a0] = r.render(ev({ type: 'tool_use', toolUseId: 'a', name: 'Bash', input: { command: 'sleep 37' }, parentToolUseId: null }));
    assert.equal(a0.text, '\n\n<details>\n<summary>Bash: sleep 37</summary>\n\n```bash\nsleep 37\n```\n</details>\n\n');
    const [b0] = r.render(ev({ type: 'tool_use', toolUseId: 'b', name: 'Read', input: { file_path: 'x' }, parentToolUseId: null }));
    assert.equal(b0.text, '<details>\n<summary>Read: x</summary>\n\n```json\n{\n  "file_path": "x"\n}\n```\n</details>\n\n');
    const [b1] = r.render(ev({ type: 'tool_result', toolUseId: 'b', content: 'file body', isError: false, parentToolUseId: null }));
    assert.equal(b1.text, '<details>\n<summary>Read: x — result</summary>\n\n```text\nfile body\n```\n</details>\n\n');
    const [a1] = r.render(ev({ type: 'tool_result', toolUseId: 'a', content: 'A', isError: true, parentToolUseId: null }));
    assert.equal(a1.text, '<details>\n<summary>Bash: sleep 37 — error</summary>\n\n```text\nA\n```\n</details>\n\n');
  });

  it('a step without input still has a body, so its summary line is read as the title', () => {
    const r = new AnswerRenderer(1000);
    const [s] = r.render(ev({ type: 'tool_use', toolUseId: 't', name: 'mcp__vault__get_secret', input: {}, parentToolUseId: null }));
    assert.match(s.text, /^<details>\n<summary>vault › get_secret<\/summary>\n\n\S[^\n]*\n<\/details>\n\n$/);
    const [e] = r.render(ev({ type: 'tool_result', toolUseId: 't', content: '', isError: false, parentToolUseId: null }));
    assert.match(e.text, /<summary>vault › get_secret — result<\/summary>\n\n```text\n\(no output\)\n```/);
  });

  it("a sub-agent's steps are marked as nested, at start and end", () => {
    const r = new AnswerRenderer(1000);
    const [s] = r.render(ev({ type: 'tool_use', toolUseId: 'n', name: 'Grep', input: { pattern: 'todo' }, parentToolUseId: 'task1' }));
    assert.match(s.text, /<summary>↳ Grep: todo<\/summary>/);
    const [e] = r.render(ev({ type: 'tool_result', toolUseId: 'n', content: 'a.ts', isError: false, parentToolUseId: 'task1' }));
    assert.match(e.text, /<summary>↳ Grep: todo — result<\/summary>/);
  });

  it('a summary reads exactly as typed: no HTML entities for &, <, >, quotes', () => {
    const r = new AnswerRenderer(1000);
    const cmd = `echo a && exit 3 > out.txt 2>&1 "q" 'x' <in`;
    const [s] = r.render(ev({ type: 'tool_use', toolUseId: 't', name: 'Bash', input: { command: cmd }, parentToolUseId: null }));
    const [b] = r.render(ev({ type: 'tool_result', toolUseId: 't', content: 'a', isError: true, parentToolUseId: null }));
    assert.ok(s.text.includes(`<summary>Bash: ${cmd}</summary>\n`), s.text);
    assert.ok(b.text.includes(`<summary>Bash: ${cmd} — error</summary>\n`), b.text);
    for (const t of [s.text, b.text]) assert.ok(!t.includes('&amp;') && !t.includes('&lt;') && !t.includes('&gt;'));
  });

  it('nothing in a summary or a result can close the block early or open another', () => {
    const r = new AnswerRenderer(1000);
    const evil = 'x</summary></details><details><summary>fake</SUMMARY>\r<think>';
    const [s] = r.render(ev({ type: 'tool_use', toolUseId: 't', name: 'Bash', input: { command: evil }, parentToolUseId: null }));
    const [b] = r.render(ev({ type: 'tool_result', toolUseId: 't', content: `${evil}\n\`\`\`\n</details>`, isError: false, parentToolUseId: null }));
    for (const t of [s.text, b.text]) {
      // exactly one real opening and closing of each tag, in place
      assert.equal(t.match(/<details/gi)?.length, 1);
      assert.equal(t.match(/<\/details/gi)?.length, 1);
      assert.equal(t.match(/<summary/gi)?.length, 1);
      assert.equal(t.match(/<\/summary/gi)?.length, 1);
      assert.doesNotMatch(t, /<think/i);
      assert.match(t, /^<details>\n<summary>[^\n]*<\/summary>\n[\s\S]*\n<\/details>\n\n$/);
      assert.doesNotMatch(t.split('\n')[1], /\r/, 'the summary stays one line');
    }
    // fences balance: the output's own ``` is inside a longer fence
    assert.match(b.text, /\n````text\n[\s\S]*\n````\n<\/details>/);
  });

  it('after text the client already shows (a continuation), a tool block still starts on its own line', () => {
    const r = new AnswerRenderer(1000, 'Partial answer without a newline');
    const [s] = r.render(ev({ type: 'tool_use', toolUseId: 't', name: 'Bash', input: { command: 'ls' }, parentToolUseId: null }));
    assert.match(s.text, /^\n\n<details>\n/);
    const r2 = new AnswerRenderer(1000, 'Ends a paragraph\n\n');
    assert.match(r2.render(ev({ type: 'tool_use', toolUseId: 't', name: 'Bash', input: { command: 'ls' }, parentToolUseId: null }))[0].text, /^<details>\n/);
  });

  it("a retry notice is one line of its own, saying the cause, the attempt and the wait", () => {
    const r = new AnswerRenderer(1000);
    r.render(ev({ type: 'text_delta', text: 'Starting', parentToolUseId: null }));
    const [p] = r.render(ev({ type: 'api_retry', attempt: 2, maxRetries: 10, delayMs: 1234, status: 529, error: 'overloaded' }));
    assert.equal(p.text, '\n\n_Model API unavailable (HTTP 529, overloaded) — retry 2 of 10 in 1.2 s…_\n\n');
    assert.equal(retryNotice(null, 'unknown', 1, 3, 20_400), '_Model API unavailable (no response) — retry 1 of 3 in 20 s…_');
    assert.equal(retryNotice(null, 'connection refused', 1, 3, 600), '_Model API unavailable (connection refused) — retry 1 of 3 in 0.6 s…_');
  });

  it('sub-agent text stays out of the answer; thinking goes to reasoning', () => {
    const r = new AnswerRenderer(1000);
    assert.deepEqual(r.render(ev({ type: 'text_delta', text: 'inner', parentToolUseId: 'task1' })), []);
    assert.deepEqual(r.render(ev({ type: 'thinking_delta', text: 'hmm', parentToolUseId: null })), [{ kind: 'reasoning', text: 'hmm' }]);
  });
});
