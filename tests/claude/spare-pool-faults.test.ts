import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { plainAnswer } from '../fixtures/scripts.ts';
import { adminInit, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil } from '../helpers/wait.ts';

/**
 * A spare's folder that cannot be created (here the chats folder is replaced by a file: ENOTDIR for everyone, root
 * included) must not crash the app: the pool logs it, Health shows it, and runs go on.
 */
describe('spare pool faults: a fresh folder that cannot be created (real files, real Claude Code)', () => {
  let gw: TestGateway;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown): void => { rejections.push(err); };
  before(async () => {
    process.on('unhandledRejection', onRejection);
    gw = await startTestGateway({ script: plainAnswer('hello'), config: { CLAUDE_SPARE_PROCESSES: 1 } });
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    const chats = path.join(gw.config.claudeCwd, 'chats');
    if (fs.existsSync(`${chats}.moved`)) {
      fs.rmSync(chats, { force: true });
      fs.renameSync(`${chats}.moved`, chats);
    }
    await gw.close();
  });

  it('no unhandled rejection; Health names the cause; a project-less run still gets an answer or a clean error', async () => {
    const stats = () => gw.services.runtime.spares?.();
    await waitUntil(() => (stats()?.bound ?? 0) + (stats()?.parked ?? 0) === 1, { what: 'a spare ready', ms: 90_000 });
    const chats = path.join(gw.config.claudeCwd, 'chats');
    fs.renameSync(chats, `${chats}.moved`);
    fs.writeFileSync(chats, 'not a folder');
    // Something spares read at start-up changed: the waiting one goes, its replacement needs a new folder.
    gw.services.runtime.retireSpares?.('test: replace the spare');
    await waitUntil(() => Boolean(stats()?.lastError), { what: 'the pool to report the failed folder', ms: 30_000 });
    assert.deepEqual(rejections, []);
    const health = (await (await fetch(`${gw.baseUrl}/health`, adminInit(gw.dataDir))).json()) as { components?: Array<{ details?: { spares?: { lastError?: string | null } | null } }> };
    const text = JSON.stringify(health);
    assert.match(text, /ENOTDIR|EEXIST|not a directory/i, `Health shows why: ${text.slice(0, 2000)}`);
    // The app is up and answers (a 5xx naming the folder is acceptable; a crash is not).
    const client = new OpenAI({ baseURL: gw.v1, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
    await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(rejections, []);
  });
});
