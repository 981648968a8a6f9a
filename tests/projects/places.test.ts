import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

const pwdScript: Script = (_req, info) => {
  if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `OUT[${toolResultText(info.lastToolResults[0]).trim()}]` }] };
  return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'pwd', description: 'where am I' } }] };
};

describe('spares wait in fresh chat workspaces (real Claude Code, scripted model)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({ script: pwdScript, config: { CLAUDE_SPARE_PROCESSES: 1 } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => gw.close());

  const bound = (): boolean => (gw.services.runtime.spares?.()?.bound ?? 0) === 1;

  it("a new conversation claims the waiting spare and works in the spare's folder (no cold start)", async () => {
    await waitUntil(bound, { what: 'a spare bound to its fresh folder', ms: 60_000 });
    const [spareFolder] = gw.services.runtime.spareFolders?.() ?? [];
    assert.ok(spareFolder, 'the spare has a folder of its own');
    assert.equal(path.dirname(spareFolder), path.join(gw.config.claudeCwd, 'chats'));
    assert.deepEqual(gw.services.workspaces.list(), [], 'no conversation owns it yet');

    const r = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'where are you?' }] }, { headers: { 'X-OpenWebUI-Chat-Id': 'chat-spare' } });
    assert.ok(r.choices[0].message.content?.trim().endsWith(`OUT[${spareFolder}]`), r.choices[0].message.content ?? '');
    const stats = gw.services.runtime.spares?.();
    assert.equal(stats?.claims, 1, 'served by the spare');
    assert.equal(stats?.misses, 0, 'no cold start');
    assert.equal(stats?.fallbacks, 0);
    assert.deepEqual(gw.services.workspaces.list().map((w) => w.folder), [spareFolder], "the spare's folder is now the conversation's workspace");

    // Its replacement waits in another fresh folder, for the next new conversation.
    await waitUntil(bound, { what: 'the replacement spare', ms: 60_000 });
    const [next] = gw.services.runtime.spareFolders?.() ?? [];
    assert.ok(next && next !== spareFolder);
    const again = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'and now?' }] }, { headers: { 'X-OpenWebUI-Chat-Id': 'chat-spare' } });
    assert.ok(again.choices[0].message.content?.trim().endsWith(`OUT[${spareFolder}]`), 'the same chat stays in its folder');
    assert.ok(gw.services.runtime.spareFolders?.().includes(next), 'an existing conversation leaves the waiting spare alone');
  });
});
