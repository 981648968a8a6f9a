import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { plainAnswer } from '../fixtures/scripts.ts';

/**
 * A folder's own Claude Code configuration starts things outside the sandbox when the next Claude process starts
 * there: the servers of its `.mcp.json` and the hooks of its `.claude/settings.json` run as ordinary processes. A chat
 * that got one write approved (or a repository cloned with one) planted them (issue 21 item 2). Claude Code loads
 * them only for a folder whose owner allowed it in the app (`trustFolderConfig`), and always under `full`.
 */

const noSandbox = process.env.CCG_TEST_SANDBOX === '1' ? false : 'skipped: no working bubblewrap/socat (see scripts/system/40-sandbox.mjs)';
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Plants a `.mcp.json` server and a SessionStart hook that each leave a file in `out` when they run. */
function plant(folder: string, out: string): { server: string; hook: string } {
  const server = path.join(out, `server-${Math.random().toString(36).slice(2)}`);
  const hook = path.join(out, `hook-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(path.join(folder, '.mcp.json'), JSON.stringify({ mcpServers: { planted: { command: 'sh', args: ['-c', `echo ran > ${server}; sleep 20`] } } }));
  fs.mkdirSync(path.join(folder, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.claude', 'settings.json'), JSON.stringify({ hooks: { SessionStart: [{ hooks: [{ type: 'command', command: `echo ran > ${hook}` }] }] } }));
  return { server, hook };
}

describe("a folder's own .mcp.json and .claude/settings.json (real Claude Code, scripted model)", { skip: noSandbox }, () => {
  let gw: TestGateway;
  let out: string;
  const folders: string[] = [];
  before(async () => {
    out = tmp('ccg-planted-out-');
    // No kept processes: every turn starts a new Claude process, as after a restart, a regenerate or a keep-alive's end.
    gw = await startTestGateway({ script: plainAnswer('hi'), config: { MAX_LIVE_CONVERSATIONS: 0, CLAUDE_SPARE_PROCESSES: 0 } });
  });
  after(async () => {
    await gw.close();
    for (const f of [out, ...folders]) fs.rmSync(f, { recursive: true, force: true });
  });

  const client = () => new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0, timeout: 90_000 });
  const ask = (model: string, chat: string, text: string) => client().chat.completions.create({ model, messages: [{ role: 'user', content: text }] }, { headers: { 'X-OpenWebUI-Chat-Id': chat } });
  /** Whether the planted command left its file: it starts beside the turn, so it gets time after the answer (more for a yes). */
  const ran = async (file: string, ms = 2_000): Promise<boolean> => {
    for (let waited = 0; waited < ms && !fs.existsSync(file); waited += 100) await new Promise((r) => setTimeout(r, 100));
    return fs.existsSync(file);
  };
  const runs = (file: string): Promise<boolean> => ran(file, 20_000);
  const project = (name: string, policy: Record<string, unknown>): string => {
    const folder = tmp(`ccg-planted-${name}-`);
    folders.push(folder);
    gw.services.projects.add({ name, folder, policy });
    return folder;
  };

  it('full: the planted server and hook run (the attack is real)', async () => {
    const p = plant(project('openfolder', { mode: 'full' }), out);
    await ask('sonnet@openfolder', 'full-chat', 'hello');
    assert.ok(await runs(p.server), 'the .mcp.json server ran');
    assert.ok(await runs(p.hook), 'the SessionStart hook ran');
  });

  it("sandboxed chat workspace: a planted .mcp.json and settings hook are not loaded by the chat's next process", async () => {
    await ask('sonnet', 'planted-chat', 'first turn');
    const folder = gw.services.workspaces.list()[0]?.folder;
    assert.ok(folder);
    const p = plant(folder, out);
    const r = await client().chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'first turn' }, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'second turn' }] }, { headers: { 'X-OpenWebUI-Chat-Id': 'planted-chat' } });
    assert.equal(r.choices[0].message.content, 'hi', 'the turn itself works');
    assert.equal(await ran(p.server), false, 'the planted server did not run');
    assert.equal(await ran(p.hook), false, 'the planted hook did not run');
  });

  it("sandboxed project: not loaded unless its owner trusts the folder's configuration; then it is", async () => {
    const closed = plant(project('closedfolder', { mode: 'sandboxed' }), out);
    await ask('sonnet@closedfolder', 'closed-chat', 'hello');
    assert.equal(await ran(closed.server), false, 'the planted server did not run');
    assert.equal(await ran(closed.hook), false, 'the planted hook did not run');

    const trusted = plant(project('trustedfolder', { mode: 'sandboxed', trustFolderConfig: true }), out);
    await ask('sonnet@trustedfolder', 'trusted-chat', 'hello');
    assert.ok(await runs(trusted.server), "the owner's own .mcp.json server runs");
    assert.ok(await runs(trusted.hook), "and the owner's hook");
  });
});
