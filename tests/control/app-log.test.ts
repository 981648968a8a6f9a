/**
 * The app log for the dashboard's Logs view: tail and follow of a real file (partial lines, a UTF-8 character cut by
 * a write, electron-log's rotation by rename, truncation), and /api/logs + /api/logs/stream on a real gateway whose
 * per-request log line shows up live after an OpenAI request.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { AppLogInfo, AppLogLine, AppLogResponse, ControlError } from '../../main/contract/control-api.ts';
import { followLog, parseLogLine, tailLog } from '../../main/control/app-log.ts';
import { bashThenAnswer } from '../fixtures/scripts.ts';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { waitFor } from '../helpers/wait.ts';

const until = <T>(what: string, probe: () => T | undefined | false): Promise<T> => waitFor(probe, { what, ms: 10_000 });

describe('app log file: tail and follow', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-applog-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('parses electron-log lines; other lines have no level', () => {
    assert.deepEqual(parseLogLine('[2026-12-01 21:06:00.830] [warn]  port busy'), { text: '[2026-12-01 21:06:00.830] [warn]  port busy', level: 'warn' });
    assert.equal(parseLogLine('    at Object.<anonymous> (x.js:1:1)').level, null);
    assert.equal(parseLogLine('[2026-12-01 21:06:00.830] [shout] nope').level, null);
  });

  test('tail: the last n lines, none for a missing file', () => {
    const file = path.join(dir, 'tail.log');
    assert.deepEqual(tailLog(file, 10), { lines: [], size: 0 });
    fs.writeFileSync(file, Array.from({ length: 50 }, (_, i) => `[2026-12-01 10:00:00.000] [info]  line ${i}`).join('\n') + '\n');
    const { lines, size } = tailLog(file, 3);
    assert.deepEqual(lines.map((l) => l.text.split('  ')[1]), ['line 47', 'line 48', 'line 49']);
    assert.equal(size, fs.statSync(file).size);
    assert.equal(tailLog(file, 0).lines.length, 0);
  });

  test('follow: whole lines only, a split UTF-8 character intact, rotation and truncation restart at 0', async () => {
    const file = path.join(dir, 'follow.log');
    fs.writeFileSync(file, 'old line\n');
    const got: string[] = [];
    const rotations: number[] = [];
    let readTo = 0;
    const stop = followLog(file, {
      from: fs.statSync(file).size,
      onLines: (ls) => got.push(...ls.map((l) => l.text)),
      onRotate: (s) => rotations.push(s),
      onRead: (offset) => { readTo = offset; },
      intervalMs: 20,
    });
    try {
      const euro = Buffer.from('€'); // 3 bytes: the first write ends inside it
      fs.appendFileSync(file, Buffer.concat([Buffer.from('price 5'), euro.subarray(0, 1)]));
      const size = fs.statSync(file).size;
      await until('the partial line to be read', () => readTo === size);
      assert.equal(got.length, 0, 'a partial line is held back');
      fs.appendFileSync(file, Buffer.concat([euro.subarray(1), Buffer.from('\nsecond\n')]));
      await until('the completed lines', () => got.length === 2);
      assert.deepEqual([...got], ['price 5€', 'second']);

      // electron-log rotates by renaming the file and starting a new one
      fs.renameSync(file, path.join(dir, 'follow.old.log'));
      fs.writeFileSync(file, 'after rotation\n');
      await until('the new file', () => got.includes('after rotation'));
      assert.equal(rotations.length, 1);

      fs.writeFileSync(file, ''); // truncated in place
      await until('the truncation to be seen', () => rotations.length === 2);
      fs.appendFileSync(file, 'after truncation\n');
      await until('the truncated file', () => got.includes('after truncation'));
      assert.deepEqual(got, ['price 5€', 'second', 'after rotation', 'after truncation']);
    } finally {
      stop();
    }
  });
});

describe('control API: /api/logs', () => {
  let gw: TestDashboard;
  let client: OpenAI;
  before(async () => {
    gw = await startTestDashboard({ script: bashThenAnswer(), config: { LOG_LEVEL: 'info' } });
    client = new OpenAI({ baseURL: gw.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
  });

  test('needs the admin token; bad paging is a 400', async () => {
    assert.equal((await fetch(`${gw.baseUrl}/api/logs`)).status, 401);
    assert.equal((await fetch(`${gw.baseUrl}/api/logs/stream`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    for (const q of ['lines=-1', 'lines=abc', 'lines=5001']) {
      const r = await gw.call(`/api/logs?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(((await r.json()) as ControlError).error.code, 'bad_lines');
    }
    assert.equal((await gw.call('/api/logs/stream?tail=1e9')).status, 400);
  });

  test('the stream sends the tail, then the request line of a run as it happens; the tail endpoint has it too', async () => {
    const logFile = gw.services.logFile;
    assert.equal(path.dirname(logFile), path.join(gw.dataDir, 'logs'));
    const sse = await SseReader.open(`${gw.baseUrl}/api/logs/stream?tail=5`, { authorization: `Bearer ${gw.token}` });
    try {
      assert.equal(sse.status, 200);
      const info = await sse.when(() => sse.ofEvent<AppLogInfo>('info')[0], 10_000, 'the info frame');
      assert.equal(info.file, logFile);

      const done = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'run it' }] });
      const lines = (): AppLogLine[] => sse.ofEvent<AppLogLine>('line');
      const line = await sse.when(() => lines().find((l) => l.text.includes(`request ${done.id}`)), 10_000, 'the request line on the stream');
      assert.equal(line.level, 'info');
      assert.match(line.text, /model=sonnet .*tools=1 .*outcome=done/);
      assert.ok(!lines().some((l) => l.text.includes('sk-test-gateway')), 'no API key in the log');

      const tail = (await (await gw.call('/api/logs?lines=50')).json()) as AppLogResponse;
      assert.equal(tail.file, logFile);
      assert.ok(tail.lines.some((l) => l.text.includes(`request ${done.id}`)));
      assert.equal(tail.sizeBytes, fs.statSync(logFile).size);
    } finally {
      sse.close();
    }
  });
});
