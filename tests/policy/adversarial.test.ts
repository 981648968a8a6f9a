import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bash, type ToolStep } from '../fixtures/scripts.ts';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';

/**
 * The real Claude Code with a scripted model playing the attacker: each attempt is a tool call whose result the test
 * inspects for a marker only the attempt could have reached. Every attempt is first shown to succeed under `full` (so
 * "blocked" means something), then blocked under `sandboxed` and `read-only`, with CLAUDE_CWD inside and outside
 * DATA_DIR. Attempts are batched: one chat run per gateway carries them all.
 */

const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const rnd = () => crypto.randomBytes(4).toString('hex').toUpperCase();

/** Steps named in the last user text (`STEPS:<key>`) are called one per model turn, then every result is answered. */
function attackerScript(plans: Map<string, ToolStep[]>): Script {
  return (req) => {
    // The turn starts at the last user message with text (not a tool result).
    let start = -1;
    req.messages.forEach((m, i) => {
      if (m.role !== 'user') return;
      const text = typeof m.content === 'string' ? m.content : m.content.filter((b) => b.type === 'text').map((b) => (b as { text: string }).text).join('\n');
      if (/STEPS:[\w-]+/.test(text)) start = i;
    });
    if (start < 0) return { blocks: [{ type: 'text', text: 'Noted.' }] };
    const first = req.messages[start];
    const text = typeof first.content === 'string' ? first.content : JSON.stringify(first.content);
    const key = /STEPS:([\w-]+)/.exec(text)?.[1] ?? '';
    const steps = plans.get(key) ?? [];
    const turn = req.messages.slice(start);
    const done = turn.filter((m) => m.role === 'assistant').length;
    if (done < steps.length) return { blocks: [{ type: 'tool_use', name: steps[done].name, input: steps[done].input }] };
    const results = turn.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result').map((b) => ({ error: b.is_error === true, text: toolResultText(b) }))));
    return { blocks: [{ type: 'text', text: `RESULTS:${JSON.stringify(results)}` }] };
  };
}

interface StepResult { error: boolean; text: string }

function parseResults(content: string): StepResult[] {
  const m = /RESULTS:(\[[\s\S]*\])\s*$/.exec(content);
  assert.ok(m, `the attacker reported its results: ${content.slice(0, 500)}`);
  return JSON.parse(m[1]) as StepResult[];
}

async function ask(gw: TestGateway, chat: string, messages: ChatCompletionMessageParam[]): Promise<string> {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 180_000 });
  const r = await client.chat.completions.create({ model: 'sonnet', messages }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
  return r.choices[0].message.content ?? '';
}

/** An attempt: a tool call, and what in its result shows that it got through. */
interface Attempt { name: string; step: ToolStep; succeeded: (r: StepResult) => boolean }

interface Secrets { bNote: string; state: string; stateFile: string; bFolder: string; chatsRoot: string; apiKey: string; gatewayV1: string }

function attempts(s: Secrets): Attempt[] {
  const has = (marker: string) => (r: StepResult) => r.text.includes(marker);
  return [
    { name: "Bash: cat ../*/note.txt (another chat's file)", step: bash('cat ../*/note.txt 2>&1; true'), succeeded: has(s.bNote) },
    { name: 'Bash: grep -r over the chats root', step: bash(`grep -rh NOTE ${s.chatsRoot} 2>&1; true`), succeeded: has(s.bNote) },
    { name: "Read: another chat's file by absolute path", step: { name: 'Read', input: { file_path: path.join(s.bFolder, 'note.txt') } }, succeeded: has(s.bNote) },
    { name: 'Grep: over the chats root', step: { name: 'Grep', input: { pattern: 'NOTE', path: s.chatsRoot, output_mode: 'content' } }, succeeded: has(s.bNote) },
    { name: 'Glob: note.txt under the chats root', step: { name: 'Glob', input: { pattern: '**/note.txt', path: s.chatsRoot } }, succeeded: has(path.basename(s.bFolder)) },
    { name: "Bash: Claude Code's session files (~/.claude/projects)", step: bash(`cat ${s.stateFile} 2>&1; true`), succeeded: has(s.state) },
    { name: "Read: Claude Code's session files", step: { name: 'Read', input: { file_path: s.stateFile } }, succeeded: has(s.state) },
    { name: 'Bash: the credential in the environment', step: bash('env 2>&1'), succeeded: has(s.apiKey) },
    // The model API is on loopback here (the scripted one): its host once opened every loopback port to commands.
    {
      name: "Bash: the gateway's /v1 from a command (directly, and through the sandbox's proxy)",
      step: bash(`curl -sS -m 10 --noproxy '*' ${s.gatewayV1}/models 2>&1; [ -n "$HTTP_PROXY" ] && curl -sS -m 10 --noproxy '' -x "$HTTP_PROXY" ${s.gatewayV1}/models 2>&1; true`),
      succeeded: has('"object":"list"'),
    },
  ];
}

type Policy = 'full' | 'sandboxed' | 'read-only';
type Layout = 'inside' | 'outside';
const table = new Map<string, Map<string, string>>();

function record(name: string, column: string, ok: boolean): void {
  const row = table.get(name) ?? new Map<string, string>();
  row.set(column, ok ? 'SUCCEEDED' : 'blocked');
  table.set(name, row);
}

function printTable(): void {
  const cols = [...new Set([...table.values()].flatMap((r) => [...r.keys()]))];
  const width = Math.max(...[...table.keys()].map((k) => k.length));
  const lines = [`${'attempt'.padEnd(width)} | ${cols.join(' | ')}`, `${'-'.repeat(width)}-|-${cols.map((c) => '-'.repeat(c.length)).join('-|-')}`];
  for (const [name, row] of table) lines.push(`${name.padEnd(width)} | ${cols.map((c) => (row.get(c) ?? '-').padEnd(c.length)).join(' | ')}`);
  console.log(`\nattempt × policy/layout\n${lines.join('\n')}\n`);
}

/** A gateway with DEFAULT_POLICY=policy, CLAUDE_CWD inside or outside DATA_DIR, and Claude's home outside DATA_DIR. */
async function gatewayFor(policy: Policy, layout: Layout, config: Record<string, unknown> = {}): Promise<{ gw: TestGateway; home: string; cwd: string | null; cleanup: () => Promise<void> }> {
  const home = tmp('ccg-adv-home-');
  const cwd = layout === 'outside' ? tmp('ccg-adv-cwd-') : null;
  const plans = new Map<string, ToolStep[]>();
  const gw = await startTestGateway({
    script: attackerScript(plans),
    config: { DEFAULT_POLICY: policy, ...(cwd ? { CLAUDE_CWD: cwd } : {}), ...config },
    claudeEnv: { HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude') },
  });
  (gw as TestGateway & { plans?: Map<string, ToolStep[]> }).plans = plans;
  return {
    gw,
    home,
    cwd,
    cleanup: async () => {
      await gw.close();
      fs.rmSync(home, { recursive: true, force: true });
      if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

function plansOf(gw: TestGateway): Map<string, ToolStep[]> {
  const p = (gw as TestGateway & { plans?: Map<string, ToolStep[]> }).plans;
  assert.ok(p);
  return p;
}

/** Runs `steps` as one turn of `chat` and returns each step's result. */
async function attack(gw: TestGateway, chat: string, steps: ToolStep[], history: ChatCompletionMessageParam[] = []): Promise<{ results: StepResult[]; answer: string }> {
  const key = `k${rnd()}`;
  plansOf(gw).set(key, steps);
  const answer = await ask(gw, chat, [...history, { role: 'user', content: `STEPS:${key}` }]);
  const results = parseResults(answer);
  assert.equal(results.length, steps.length, `every step ran: ${answer.slice(0, 800)}`);
  return { results, answer };
}

/** Chat B's workspace with a note in it, made by a first turn of chat B. */
async function chatWithNote(gw: TestGateway, chat: string, marker: string): Promise<string> {
  const before = new Set(gw.services.workspaces.list().map((w) => w.folder));
  // A first message of its own: the gateway keys conversations by their history too.
  await ask(gw, chat, [{ role: 'user', content: `hello from ${chat}` }]);
  const folder = gw.services.workspaces.list().map((w) => w.folder).find((f) => !before.has(f));
  assert.ok(folder, `chat ${chat} has its workspace`);
  fs.writeFileSync(path.join(folder, 'note.txt'), `${marker}\n`);
  return folder;
}

function plantState(home: string, marker: string): string {
  const dir = path.join(home, '.claude', 'projects', '-some-other-project');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'session.jsonl');
  fs.writeFileSync(file, `{"type":"user","message":"${marker}"}\n`);
  return file;
}

after(() => printTable());

for (const layout of ['inside', 'outside'] as const) {
  describe(`hostile chat, CLAUDE_CWD ${layout} DATA_DIR`, { skip: noSandbox }, () => {
    for (const policy of ['full', 'sandboxed', 'read-only'] as const) {
      it(`${policy}: every attempt ${policy === 'full' ? 'succeeds (the attempts are real)' : 'is blocked'}; the chat's own folder stays usable`, async () => {
        const { gw, home, cleanup } = await gatewayFor(policy, layout);
        try {
          const s: Secrets = { bNote: `B-NOTE-${rnd()}`, state: `STATE-${rnd()}`, stateFile: '', bFolder: '', chatsRoot: gw.services.workspaces.root, apiKey: 'sk-test-gateway', gatewayV1: gw.v1 };
          s.stateFile = plantState(home, s.state);
          // Chat A exists (and its process has come and gone) before chat B does.
          const aId = `a-${rnd()}`;
          const aFolder = await chatWithNote(gw, aId, `A-OWN-${rnd()}`);
          s.bFolder = await chatWithNote(gw, `b-${rnd()}`, s.bNote);
          const list = attempts(s);
          const own = fs.readFileSync(path.join(aFolder, 'note.txt'), 'utf8').trim();
          const own2 = path.join(aFolder, 'written.txt');
          const { results } = await attack(gw, aId, [...list.map((a) => a.step), { name: 'Write', input: { file_path: own2, content: 'W' } }, { name: 'Read', input: { file_path: path.join(aFolder, 'note.txt') } }]);
          if (policy !== 'read-only') assert.equal(fs.readFileSync(own2, 'utf8'), 'W', `the chat writes its own folder: ${JSON.stringify(results.at(-2))}`);
          list.forEach((a, i) => record(a.name, `${policy}/${layout}`, a.succeeded(results[i])));
          const ownRead = results.at(-1);
          assert.ok(ownRead && ownRead.text.includes(own), `the chat reads its own folder: ${JSON.stringify(ownRead)}`);
          for (const [i, a] of list.entries()) {
            const ok = a.succeeded(results[i]);
            if (policy === 'full') assert.ok(ok, `${a.name} succeeds under full: ${results[i].text.slice(0, 400)}`);
            else assert.ok(!ok, `${a.name} is blocked under ${policy}: ${results[i].text.slice(0, 400)}`);
          }
        } finally {
          await cleanup();
        }
      });
    }
  });
}

describe('hostile chat and kept processes (sandboxed, MAX_LIVE_CONVERSATIONS=4)', { skip: noSandbox }, () => {
  it("chat B started while chat A's process is alive: A's turn 2 is served by the same process and cannot read B", async () => {
    const { gw, cleanup } = await gatewayFor('sandboxed', 'inside', { MAX_LIVE_CONVERSATIONS: 4, CONVERSATION_KEEPALIVE_S: 300 });
    try {
      const started: number[] = [];
      const tracker = gw.services.processes;
      const track = tracker.track.bind(tracker);
      tracker.track = (child: ChildProcess) => {
        if (child.pid) started.push(child.pid);
        track(child);
      };
      const a = `a-${rnd()}`;
      const h1: ChatCompletionMessageParam[] = [{ role: 'user', content: `hello from ${a}` }];
      const a1 = await ask(gw, a, h1);
      const startedAfterA = started.length;
      const bNote = `B-NOTE-${rnd()}`;
      const bFolder = await chatWithNote(gw, `b-${rnd()}`, bNote);
      const { results } = await attack(gw, a, [bash('cat ../*/note.txt 2>&1; true'), { name: 'Read', input: { file_path: path.join(bFolder, 'note.txt') } }], [...h1, { role: 'assistant', content: a1 }]);
      record("kept process: Bash cat ../*/note.txt of a chat born later", 'sandboxed/live', results[0].text.includes(bNote));
      record('kept process: Read of a chat born later', 'sandboxed/live', results[1].text.includes(bNote));
      assert.equal(started.length, startedAfterA + 1, `turn 2 of chat A ran in its kept process (only chat B's process started since): ${started.length - startedAfterA} started`);
      for (const r of results) assert.ok(!r.text.includes(bNote), `blocked: ${r.text.slice(0, 300)}`);
    } finally {
      await cleanup();
    }
  });
});
