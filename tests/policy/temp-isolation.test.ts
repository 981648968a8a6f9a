import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { bash, plainAnswer, toolSteps } from '../fixtures/scripts.ts';
import { toolResultText } from '../fixtures/scripted-anthropic.ts';

/**
 * Each chat's sandboxed commands get a temp folder of their own (CLAUDE_CODE_TMPDIR per folder): what one chat puts in
 * $TMPDIR no other chat reads, and concurrent Claude processes share no file there by name (issue 21 items 11, 12).
 */

const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';

/** Runs one Bash step in a new chat; the tool result's text, from the request that carried it. */
async function bashInNewChat(gw: TestGateway, command: string): Promise<string> {
  const marker = `run-${Math.random()}`;
  const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
  await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: marker }] });
  const texts = gw.api.mainRequests()
    .filter((r) => JSON.stringify(r.messages).includes(marker))
    .flatMap((r) => r.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result').map((b) => toolResultText(b)))));
  assert.ok(texts.length > 0, 'the Bash step ran');
  return texts.at(-1) ?? '';
}

describe('temp folders of sandboxed runs', { skip: noSandbox }, () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ script: plainAnswer('hi') });
  });
  after(async () => {
    await gw.close();
  });

  it("a chat's $TMPDIR is its own: another chat neither reads what it wrote there nor plants files in it", async () => {
    const secret = `TMP-SECRET-${Math.random().toString(36).slice(2)}`;
    gw.api.setScript(toolSteps([bash(`echo ${secret} > "$TMPDIR/x.txt"; echo "tmp=$TMPDIR"; cat "$TMPDIR/x.txt"`)]));
    const b = await bashInNewChat(gw, 'b');
    assert.match(b, new RegExp(secret), `chat B writes and reads its own temp file: ${b}`);
    gw.api.setScript(toolSteps([bash('cat /tmp/claude-*/x.txt "$TMPDIR/x.txt" /tmp/ccg-tmp-*/*/x.txt; echo "tmp=$TMPDIR"; echo rc=$?')]));
    const a = await bashInNewChat(gw, 'a');
    assert.doesNotMatch(a, new RegExp(secret), `chat A cannot read chat B's temp file: ${a}`);
  });

  it('runs in one folder that start together and end apart each complete every Bash step (no shared settings file)', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-tmp-project-'));
    gw.services.projects.add({ name: 'tmpshare', folder, policy: { mode: 'sandboxed' } });
    // The quick runs' processes end while the slow one still has a Bash step to start: Claude Code's sandbox made
    // placeholder files in the shared folder for each command and removed them after, under the other's feet (the
    // gateway now lets one process at a time run commands there).
    const quick = toolSteps([bash('echo quick-$?')]);
    const slow = toolSteps([bash('sleep 6; echo slept-$?'), bash('echo after-$?')]);
    gw.api.setScript((req, info) => (JSON.stringify(req.messages).includes('slow-run') ? slow(req, info) : quick(req, info)));
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
    const ask = (text: string) => client.chat.completions.create({ model: 'sonnet@tmpshare', messages: [{ role: 'user', content: `${text} ${Math.random()}` }] });
    const [s, ...q] = await Promise.all([ask('slow-run'), ask('quick-run'), ask('quick-run')]);
    for (const r of q) assert.match(r.choices[0].message.content ?? '', /quick-0/);
    const text = s.choices[0].message.content ?? '';
    assert.doesNotMatch(text, /bwrap|Can't find source path/, text);
    assert.match(text, /slept-0/, text);
    assert.match(text, /after-0/, text);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
