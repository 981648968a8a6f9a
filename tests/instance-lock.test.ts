import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startTestGateway } from './helpers/gateway.ts';
import { plainAnswer } from './fixtures/scripts.ts';

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe('one gateway per DATA_DIR and per chats folder', () => {
  it('a second gateway on the same DATA_DIR is refused with the reason; after the first stops it starts', async () => {
    const dataDir = tmp('ccg-two-');
    const first = await startTestGateway({ script: plainAnswer('hi'), dataDir });
    try {
      await assert.rejects(startTestGateway({ script: plainAnswer('hi'), dataDir, api: first.api }), (err: Error) => {
        assert.match(err.message, new RegExp(`DATA_DIR ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another Claude Code Gateway \\(pid ${process.pid}`));
        return true;
      });
      assert.equal(first.services.gatewayState, 'running', 'the first one is untouched');
    } finally {
      await first.close();
    }
    const again = await startTestGateway({ script: plainAnswer('hi'), dataDir });
    await again.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('two DATA_DIRs sharing one CLAUDE_CWD: the second is refused (its chats folder is taken)', async () => {
    const cwd = tmp('ccg-cwd-');
    const first = await startTestGateway({ script: plainAnswer('hi'), config: { CLAUDE_CWD: cwd } });
    try {
      await assert.rejects(startTestGateway({ script: plainAnswer('hi'), api: first.api, config: { CLAUDE_CWD: cwd } }), /chats folder .* is in use by another Claude Code Gateway/);
    } finally {
      await first.close();
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('headless: a second process on the same DATA_DIR exits 78 saying which gateway holds it; a dead holder\'s lock is taken over', async () => {
    const dataDir = tmp('ccg-two-headless-');
    const first = await startTestGateway({ script: plainAnswer('hi'), dataDir });
    const env = { ...process.env, DATA_DIR: dataDir, GATEWAY_PORT: '0', OAUTH_CALLBACK_PORT: '0', CLAUDE_SPARE_PROCESSES: '0', LOG_LEVEL: 'warn' };
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/headless.ts'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 78, r.stderr);
      assert.match(r.stderr, new RegExp(`in use by another Claude Code Gateway \\(pid ${process.pid}`));
    } finally {
      await first.close();
    }
    // A lock left by a process that no longer runs (kill -9): the next start takes it over.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(path.join(dataDir, 'instance.lock'), JSON.stringify({ pid: deadPid, dataDir, startedAt: new Date().toISOString() }));
    const second = await startTestGateway({ script: plainAnswer('hi'), dataDir });
    try {
      assert.equal(second.services.gatewayState, 'running');
      assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'instance.lock'), 'utf8')).pid, process.pid);
    } finally {
      await second.close();
    }
    assert.ok(!fs.existsSync(path.join(dataDir, 'instance.lock')), 'released on stop');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
