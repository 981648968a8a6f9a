import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { toolResultText, type Script } from '../fixtures/scripted-anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** Runs the command the user names after "run:" once, then reports its first output line. */
const runWhatIsAsked: Script = (_req, info) => {
  if (info.lastToolResults.length) {
    const out = toolResultText(info.lastToolResults[0]).split('\n')[0];
    return { blocks: [{ type: 'text', text: `The command printed ${out}. Done.` }] };
  }
  const command = /run: (.*)$/s.exec(info.userTexts.at(-1) ?? '')?.[1] ?? 'true';
  return { blocks: [{ type: 'text', text: "I'll run the command." }, { type: 'tool_use', name: 'Bash', input: { command, description: 'run it' } }] };
};

/**
 * Issue 21 item 7, end to end: the real Claude Code asks about `npm test && echo pwned > file` under an allow list of
 * `Bash(npm test:*)` (it checks each subcommand); the gateway's own matcher must not answer that question with "allow".
 */
describe('a prefix rule in a project allow list does not cover a compound command', () => {
  let gw: TestGateway;
  let folder: string;
  const asked: string[] = [];
  before(async () => {
    folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-compound-')));
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', scripts: { test: 'echo tests-ok' } }));
    gw = await startTestGateway({ script: runWhatIsAsked, config: { CLAUDE_ALLOWED_TOOLS: 'Read', APPROVAL_TIMEOUT_S: 3 } });
    gw.services.projects.add({ name: 'web', folder, policy: { mode: 'full', allow: ['Read', 'Bash(npm test:*)'] } });
    gw.services.approvals.onAsk((a) => asked.push(String((a.input as { command?: unknown }).command)));
  });
  after(async () => {
    await gw.close();
    fs.rmSync(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  const ask = async (command: string): Promise<string> => {
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused' });
    const answer = await client.chat.completions.create({ model: 'sonnet@web', messages: [{ role: 'user', content: `run: ${command}` }] });
    return answer.choices[0].message.content ?? '';
  };

  it('the rule itself works: `npm test` runs without asking', async () => {
    const text = await ask('npm test');
    assert.match(text, /Done\./);
    assert.ok(fs.existsSync(path.join(folder, 'package.json')));
    assert.deepEqual(asked, []);
  });

  it('`npm test && echo pwned > file` asks, is denied on timeout, and the file is not written', async () => {
    const cmd = 'npm test && echo pwned > pwned.txt';
    const text = await ask(cmd);
    assert.deepEqual(asked, [cmd], 'the call went to the user');
    assert.match(text, /No decision within 3 s \(APPROVAL_TIMEOUT_S\)/);
    assert.equal(fs.existsSync(path.join(folder, 'pwned.txt')), false);
  });

  it('`npm testx; touch …`: a word-boundary miss: asks, nothing written', async () => {
    const cmd = 'npm testx; touch pwned2.txt';
    const text = await ask(cmd);
    assert.equal(asked.at(-1), cmd);
    assert.match(text, /APPROVAL_TIMEOUT_S/);
    assert.equal(fs.existsSync(path.join(folder, 'pwned2.txt')), false);
  });
});
