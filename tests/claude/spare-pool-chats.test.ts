import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { bash, toolSteps } from '../fixtures/scripts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

/**
 * Spares under the sandboxed default policy (bubblewrap present): each new chat's first turn must be served by a spare
 * waiting in that chat's fresh folder — the policy's settings must fit it — while chats still cannot read each other.
 */

/** Set by scripts/system/40-sandbox.mjs when bwrap works here. */
const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';

interface StepResult { error: boolean; text: string }

function results(answer: string): StepResult[] {
  const m = /RESULTS:(\[[\s\S]*\])\s*$/.exec(answer);
  assert.ok(m, `the answer lists the step results: ${answer}`);
  const parsed: unknown = JSON.parse(m[1]);
  assert.ok(Array.isArray(parsed));
  return parsed.map((r: { error?: unknown; text?: unknown }) => ({ error: r.error === true, text: String(r.text) }));
}

describe('spares serve new chats under the sandboxed policy (real Claude Code, scripted model)', { skip: noSandbox }, () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: toolSteps([]), config: { CLAUDE_SPARE_PROCESSES: 1 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
  });
  after(async () => gw.close());

  const stats = () => gw.services.runtime.spares?.();
  const bound = (): boolean => (stats()?.bound ?? 0) === 1;

  async function newChat(chat: string, steps: Parameters<typeof toolSteps>[0]): Promise<StepResult[]> {
    gw.api.setScript(toolSteps(steps));
    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: `go ${chat}` }] }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
    return results(r.choices[0].message.content ?? '');
  }

  it("two new chats one after the other: each first turn is a spare's; chat B cannot read chat A's file", async () => {
    assert.equal(gw.services.policy.defaults.policy.mode, 'sandboxed');
    await waitUntil(bound, { what: 'a spare bound in its fresh folder', ms: 60_000 });
    const [a] = await newChat('chat-a', [bash('echo SECRET-OF-A > a.txt && pwd')]);
    const folderA = a.text.trim().split('\n').at(-1) ?? '';
    assert.equal(path.dirname(folderA), path.join(gw.config.claudeCwd, 'chats'), a.text);
    assert.equal(fs.readFileSync(path.join(folderA, 'a.txt'), 'utf8'), 'SECRET-OF-A\n');
    assert.equal(stats()?.claims, 1, `chat A served by the spare: ${JSON.stringify(stats())}`);

    await waitUntil(bound, { what: 'the replacement spare bound in its own fresh folder', ms: 60_000 });
    const [cat, read, pwd] = await newChat('chat-b', [
      bash(`cat ${path.join(folderA, 'a.txt')}; echo rc=$?`),
      { name: 'Read', input: { file_path: path.join(folderA, 'a.txt') } },
      bash('pwd'),
    ]);
    const s = stats();
    assert.equal(s?.claims, 2, `chat B's first turn served by a spare too: ${JSON.stringify(s)}`);
    assert.equal(s?.misses, 0, `no cold start: ${JSON.stringify(s)}`);
    assert.equal(s?.fallbacks, 0);
    assert.notEqual(pwd.text.trim(), folderA, 'chat B works in its own folder');
    assert.doesNotMatch(cat.text, /SECRET-OF-A/, 'Bash cat of chat A\'s file');
    assert.match(cat.text, /rc=1/);
    assert.ok(read.error, `the Read tool is refused: ${read.text}`);
    assert.doesNotMatch(read.text, /SECRET-OF-A/);
  });
});
