import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bashThenAnswer, manyTools, plainAnswer } from '../fixtures/scripts.ts';
import { toolResultText } from '../fixtures/scripted-anthropic.ts';

/** The real Claude Code binary against the scripted model, the openai SDK as the client. */
describe('POST /v1/chat/completions (openai SDK, real Claude Code)', () => {
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hello') });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => gw.close());

  async function streamAll(content: string) {
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] });
    const chunks = [];
    for await (const c of s) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    const reasoning = chunks.map((c) => (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '').join('');
    return { chunks, text, reasoning };
  }

  it('lists models', async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.ok(ids.includes('sonnet'));
    for (const m of models.data) {
      assert.equal(m.object, 'model');
      assert.equal(typeof m.created, 'number');
      assert.equal(typeof m.owned_by, 'string');
    }
  });

  it('answers a plain question in one body with real usage', async () => {
    gw.api.setScript(plainAnswer('Paris is the capital of France.'));
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Capital of France?' }] });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'Paris is the capital of France.');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  it('returns the complete agentic answer: text, the Bash step with its real output, the final answer', async () => {
    gw.api.setScript(bashThenAnswer('echo fib-$((3+4))'));
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'compute' }] });
    const content = r.choices[0].message.content ?? '';
    const iText = content.indexOf("I'll run the command.");
    const iDetails = content.indexOf('\n<details>\n<summary>Bash: echo fib-$((3+4))</summary>\n\n```bash\necho fib-$((3+4))\n```\n</details>\n');
    const iResult = content.indexOf('<details>\n<summary>Bash: echo fib-$((3+4)) — result</summary>\n\n```text\nfib-7\n```\n</details>\n');
    const iFinal = content.indexOf('The command printed fib-7. Done.');
    assert.ok(iText === 0 && iDetails > iText && iResult > iDetails && iFinal > iResult, content);
    assert.ok(content.includes('</details>\n\n'));
    // The model really received the tool's output from Claude Code.
    const last = gw.api.mainRequests().at(-1)!;
    const results = (last.messages.at(-1)!.content as Array<{ type: string }>).filter((b) => b.type === 'tool_result');
    assert.match(toolResultText(results[0] as never), /fib-7/);
  });

  it('streams the same content as the non-stream body, role first, finish_reason, usage chunk, one id', async () => {
    gw.api.setScript(bashThenAnswer('echo same-$((2*21))'));
    const body = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'x' }] });
    const { chunks, text } = await streamAll('x');
    assert.equal(text, body.choices[0].message.content);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    const finishIdx = chunks.findIndex((c) => c.choices[0]?.finish_reason === 'stop');
    assert.ok(finishIdx > 0);
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.ok(usage.usage && usage.usage.total_tokens > 0);
    assert.equal(finishIdx, chunks.length - 2);
  });

  it('shows a running step (title and input) before it ends, then its result', async () => {
    // The command runs until the test releases it: what the client sees meanwhile is the point.
    // An absolute path the command can read under any policy (a chat works in a folder of its own, so not its cwd).
    const releaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-release-'));
    const release = path.join(releaseDir, 'release-step');
    const command = `for i in $(seq 300); do [ -f ${release} ] && break; sleep 0.1; done; echo released-$((40+2))`;
    gw.api.setScript(bashThenAnswer(command));
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'wait for it' }] });
    let text = '';
    let whileRunning: string | null = null;
    for await (const c of s) {
      text += c.choices[0]?.delta?.content ?? '';
      if (whileRunning === null && text.includes('</details>')) {
        whileRunning = text;
        fs.writeFileSync(release, '');
      }
    }
    fs.rmSync(releaseDir, { recursive: true, force: true });
    assert.ok(whileRunning !== null, text);
    assert.ok(!whileRunning.includes('released-42') && !whileRunning.includes('— result'), `the step appeared only with its result:\n${whileRunning}`);
    assert.ok(whileRunning.endsWith(`<details>\n<summary>Bash: ${command.slice(0, 79)}…</summary>\n\n\`\`\`bash\n${command}\n\`\`\`\n</details>\n\n`), whileRunning);
    assert.ok(text.startsWith(whileRunning), 'the stream only appends');
    assert.match(text.slice(whileRunning.length), /^<details>\n<summary>Bash: [^\n]* — result<\/summary>\n\n```text\nreleased-42\n```\n<\/details>\n\nThe command printed released-42\. Done\.$/);
  });

  it('renders two tools of one turn as two balanced blocks each (start, result)', async () => {
    gw.api.setScript((_req, info) => info.lastToolResults.length
      ? { blocks: [{ type: 'text', text: 'Both ran.' }] }
      : { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo alpha-1' } }, { type: 'tool_use', name: 'Bash', input: { command: 'echo beta-2' } }] });
    const { text } = await streamAll('two tools');
    assert.equal(text.match(/<details>/g)?.length, 4);
    assert.equal(text.match(/<\/details>/g)?.length, 4);
    assert.ok(text.includes('alpha-1') && text.includes('beta-2'));
    assert.equal((text.match(/^```/gm)?.length ?? 0) % 2, 0, 'fences balanced');
    assert.ok(text.trimEnd().endsWith('Both ran.'));
  });

  it('marks a failing tool as an error and keeps going', async () => {
    gw.api.setScript((_req, info) => info.lastToolResults.length
      ? { blocks: [{ type: 'text', text: `Exit noted: ${info.lastToolResults[0].is_error ? 'error' : 'ok'}` }] }
      : { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo broken >&2; exit 3' } }] });
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'fail' }] });
    const content = r.choices[0].message.content ?? '';
    assert.ok(content.includes('<summary>Bash: echo broken >&2; exit 3 — error</summary>'), 'the summary reads as typed, no HTML entities');
    assert.match(content, /broken/);
    assert.ok(content.endsWith('Exit noted: error'));
    const events = gw.services.store.events(r.id)!;
    const result = events.find((e) => e.type === 'tool_result');
    assert.ok(result && result.type === 'tool_result' && result.isError);
  });

  it('streams thinking as reasoning_content, never inside content', async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'thinking', thinking: 'Considering the options carefully.' }, { type: 'text', text: 'Answer: 42' }] }));
    const { text, reasoning } = await streamAll('think');
    assert.equal(reasoning, 'Considering the options carefully.');
    assert.equal(text, 'Answer: 42');
  });

  it('carries a multi-turn run of 6 tool calls to its final answer', async () => {
    gw.api.setScript(manyTools(6));
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'many' }] });
    const content = r.choices[0].message.content ?? '';
    assert.equal(content.match(/<details>/g)?.length, 12);
    for (let i = 1; i <= 6; i++) assert.ok(content.includes(`Step ${i}.`), `step ${i}`);
    assert.ok(content.endsWith('All done: step-1, step-2, step-3, step-4, step-5, step-6'), content.slice(-200));
    const summary = gw.services.store.summary(r.id)!;
    assert.equal(summary.toolCalls, 6);
    assert.equal(summary.status, 'done');
    assert.ok(summary.turns >= 7);
  });

  it('streams a very long answer (5,000 deltas) whole and in order', async () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i} `);
    gw.api.setScript(() => ({ blocks: [{ type: 'text', text: words.join(''), chunks: 5000 }] }));
    const { chunks, text } = await streamAll('long');
    assert.equal(text, words.join(''));
    // Claude Code may coalesce a few adjacent deltas; the answer must still arrive token by token.
    assert.ok(chunks.length >= 4000, `only ${chunks.length} chunks`);
  });

  it('model API failing mid-run: stream ends with an error chunk then [DONE]; transcript records it', async () => {
    gw.api.setScript((_req, info) => info.lastToolResults.length
      ? { httpError: 500, errorType: 'api_error', message: 'scripted upstream failure' }
      : { blocks: [{ type: 'text', text: 'Working…' }, { type: 'tool_use', name: 'Bash', input: { command: 'echo before-failure' } }] });
    const s = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'fail later' }] });
    let text = '';
    let id = '';
    await assert.rejects(async () => {
      for await (const c of s) { id = c.id; text += c.choices[0]?.delta?.content ?? ''; }
    }, (err: Error) => err instanceof OpenAI.APIError && /500|upstream|API Error/i.test(err.message));
    assert.ok(text.includes('before-failure'), 'the work done before the failure was streamed');
    const summary = gw.services.store.summary(id)!;
    assert.equal(summary.status, 'error');
    assert.match(summary.error ?? '', /500|API Error/i);
  });

  it('non-stream failure is a 5xx in OpenAI shape that the SDK will not retry after tools ran', async () => {
    const before = gw.api.mainRequests().length;
    const err = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'fail later' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    assert.equal((err.error as { type?: string }).type, 'server_error');
    assert.equal(gw.api.mainRequests().length - before, 2, 'Claude ran exactly once');
    // One clear sentence, the cause first — not "Claude Code failed: Claude Code returned an error result: API Error: …"
    assert.equal(err.message, '502 The model API returned HTTP 500 (scripted upstream failure) — usually temporary; try again in a moment');
  });

  it('never invents text for an empty answer', async () => {
    gw.api.setScript(() => ({ blocks: [{ type: 'text', text: '' }] }));
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'say nothing' }] });
    assert.equal(r.choices[0].message.content, '');
    assert.equal(r.choices[0].finish_reason, 'stop');
  });

  it('unknown model → 404 model_not_found (NotFoundError)', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.equal((err.error as { code?: string }).code, 'model_not_found');
  });
});
