import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The user's text is a shell command: the model runs it with Bash (Claude Code really runs it, in the run's cwd) and
 * answers with the command's output, so a test sees what the command saw.
 */
const runWhatIsAsked: Script = (_req, info) => {
  if (info.lastToolResults.length) return { blocks: [{ type: 'text', text: `OUT[${toolResultText(info.lastToolResults[0]).trim()}]` }] };
  const command = (info.userTexts.at(-1) ?? '').trim().split('\n').at(-1) ?? 'true';
  return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'as asked' } }] };
};

function output(answer: string): string {
  const m = /OUT\[([\s\S]*)\]$/.exec(answer.trim());
  assert.ok(m, `answer carries the command output: ${answer}`);
  return m[1];
}

describe('projects as models and per-chat workspaces (real Claude Code, scripted model)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  let projectDir: string;
  before(async () => {
    projectDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-proj-')));
    fs.writeFileSync(path.join(projectDir, 'marker.txt'), 'in the project');
    gw = await startTestGateway({ script: runWhatIsAsked, config: { PROJECTS: JSON.stringify([{ name: 'myrepo', folder: projectDir }]) } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('lists each project as <model>@<project> beside the plain ids', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    for (const id of ['sonnet', 'opus', 'haiku', 'sonnet@myrepo', 'opus@myrepo', 'haiku@myrepo']) assert.ok(ids.includes(id), `${id} listed: ${ids.join(', ')}`);
    assert.ok(ids.indexOf('sonnet') < ids.indexOf('sonnet@myrepo'), 'plain ids first');
  });

  it('a run on sonnet@myrepo works in the project folder (pwd) and the transcript says so', async () => {
    const r = await client.chat.completions.create({ model: 'sonnet@myrepo', messages: [{ role: 'user', content: 'pwd && cat marker.txt' }] });
    assert.equal(output(r.choices[0].message.content ?? ''), `${projectDir}\nin the project`);
    const summary = gw.services.store.summary(r.id);
    assert.equal(summary?.project, 'myrepo');
    assert.equal(summary?.folder, projectDir);
    const main = gw.api.mainRequests().at(-1);
    assert.match(main?.model ?? '', /sonnet/, 'Claude Code ran model sonnet');
  });

  it('an unknown project is a 404 model_not_found naming the projects that exist', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'sonnet@nope', messages: [{ role: 'user', content: 'pwd' }] }),
      (e: unknown) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found' && /no project 'nope'.*myrepo/.test(e.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4@myrepo', messages: [{ role: 'user', content: 'pwd' }] }),
      (e: unknown) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found',
    );
  });

  it('two chats without a project get their own folders; one cannot see the file the other wrote', async () => {
    const chatA = { 'X-OpenWebUI-Chat-Id': 'chat-a' };
    const chatB = { 'X-OpenWebUI-Chat-Id': 'chat-b' };
    const a = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'echo secret-a > a.txt && pwd' }] }, { headers: chatA });
    const folderA = output(a.choices[0].message.content ?? '');
    const b = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'pwd; ls -A; cat a.txt 2>&1 || true' }] }, { headers: chatB });
    const [folderB, ...rest] = output(b.choices[0].message.content ?? '').split('\n');
    assert.notEqual(folderA, folderB);
    assert.equal(path.dirname(folderA), path.join(gw.config.claudeCwd, 'chats'));
    assert.equal(path.dirname(folderB), path.join(gw.config.claudeCwd, 'chats'));
    assert.ok(!rest.join('\n').includes('secret-a'), `chat B does not see chat A's file: ${rest.join(' | ')}`);
    assert.match(rest.join('\n'), /No such file/);
    // The same chat again (another model too) finds its folder and its file.
    const again = await client.chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: 'pwd && cat a.txt' }] }, { headers: chatA });
    assert.equal(output(again.choices[0].message.content ?? ''), `${folderA}\nsecret-a`);
    assert.equal(gw.services.store.summary(a.id)?.folder, folderA);
    assert.equal(gw.services.store.summary(a.id)?.project, null);
  });

  it('an anonymous conversation keeps its folder from one turn to the next', async () => {
    const first = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'echo kept > k.txt && pwd' }] });
    const folder = output(first.choices[0].message.content ?? '');
    const second = await client.chat.completions.create({
      model: 'sonnet',
      messages: [{ role: 'user', content: 'echo kept > k.txt && pwd' }, { role: 'assistant', content: first.choices[0].message.content ?? '' }, { role: 'user', content: 'pwd && cat k.txt' }],
    });
    assert.equal(output(second.choices[0].message.content ?? ''), `${folder}\nkept`);
  });
});
