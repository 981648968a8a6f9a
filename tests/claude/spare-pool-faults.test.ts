import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { plainAnswer } from '../fixtures/scripts.ts';
import { startScriptedAnthropic } from '../fixtures/scripted-anthropic.ts';
import { adminInit, claudeTestEnv, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { waitUntil, waitForValue } from '../helpers/wait.ts';

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
    gw.services.runtime.retireProcesses?.('test: replace the spare');
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

/** A private mount namespace where root may mount a tmpfs (Linux, as root): how the disk-full test fills a disk. */
function canMountPrivately(): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d" && rmdir "$d"'], { encoding: 'utf8' });
  return r.status === 0;
}
const noMount = canMountPrivately() ? false : process.env.CI === 'true' ? false : 'skipped: cannot mount a tmpfs in a private mount namespace here (needs root on Linux)';

describe('the headless app with its chats folder on a full disk (real process, a tmpfs with no inodes left)', { skip: noMount }, () => {
  it('spares cannot get folders (ENOSPC): the app stays up, Health says why, a request gets an answer or a clean error', async () => {
    assert.ok(canMountPrivately(), 'CI=true: unshare -m and mount -t tmpfs must work here');
    const api = await startScriptedAnthropic(plainAnswer('still here'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-diskfull-'));
    const chats = path.join(dataDir, 'cwd', 'chats');
    fs.mkdirSync(chats, { recursive: true });
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); });
    });
    const env = {
      ...process.env, ...claudeTestEnv(api.url, path.join(dataDir, 'home')),
      DATA_DIR: dataDir, CLAUDE_CWD: path.dirname(chats), GATEWAY_PORT: String(port), OAUTH_CALLBACK_PORT: '0', CLAUDE_SPARE_PROCESSES: '2', LOG_LEVEL: 'warn',
    };
    // Three inodes: the folder itself, the instance lock and one spare's folder; the second spare finds the disk full.
    const script = 'mount -t tmpfs -o size=64k,nr_inodes=3 tmpfs "$1" && exec "$0" --import tsx main/headless.ts';
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, chats], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitUntil(async () => (await fetch(`${base}/health`).then((r) => r.ok).catch(() => false)), { ms: 60_000, everyMs: 100, what: () => `the gateway up (${stderr.slice(-500)})` });
      const health = async (): Promise<string> => JSON.stringify(await (await fetch(`${base}/health`, adminInit(dataDir))).json());
      const text = await waitForValue(health, (t) => /ENOSPC|no space/i.test(t), { ms: 60_000, what: 'Health to name the full disk' });
      assert.match(text, /ENOSPC|no space/i);
      // A request: an answer or a clean error, never a dead app.
      const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'x', maxRetries: 0, timeout: 90_000 });
      for (const chat of ['one', 'two']) {
        const got: OpenAI.Chat.Completions.ChatCompletion | unknown = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: `hi ${chat}` }] }).catch((err: unknown) => err);
        if (got instanceof OpenAI.APIError) {
          assert.equal(got.status, 503, got.message);
          assert.equal(got.code, 'chat_folder_unavailable');
          assert.match(got.message, /could not be created in .*ENOSPC.*CLAUDE_CWD/, got.message);
        } else {
          assert.ok(!(got instanceof Error), String(got));
          const answer = got as OpenAI.Chat.Completions.ChatCompletion;
          assert.equal(answer.choices[0].message.content, 'still here', 'served in the one spare folder the disk had room for');
        }
      }
      // Seen in the app's mount namespace: the spare's folder at most, no half-made one (an unmarked folder is never cleaned).
      const inside = fs.readdirSync(`/proc/${child.pid}/root${chats}`).filter((f) => !f.startsWith('.'));
      assert.ok(inside.length <= 1, `no half-made folder left behind: ${inside.join(', ')}`);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(child.exitCode, null, `the app is still running: ${stderr.slice(-2000)}`);
      assert.equal((await fetch(`${base}/health`)).status, 200, 'and still serving');
      assert.doesNotMatch(stderr, /unhandled|UnhandledPromiseRejection/i, stderr.slice(-2000));
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await api.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
