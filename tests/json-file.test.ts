import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { readJsonFile, StateFile, writeFileAtomicAsync, writeJsonAtomic, writeJsonAtomicAsync } from '../main/json-file.ts';

const schema = z.object({ n: z.number() });

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-json-'));
}

describe('json-file: atomic writes, validated reads', () => {
  it('concurrent async writers never share a temp name: every write lands whole, no temp file is left', async () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'state.json');
      await Promise.all(Array.from({ length: 40 }, (_, n) => writeJsonAtomicAsync(file, { n })));
      const r = readJsonFile(file, schema);
      assert.equal(r.state, 'ok');
      assert.deepEqual(fs.readdirSync(dir), ['state.json']);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an async write that is no longer wanted when it is ready replaces nothing and leaves no temp file', async () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'state.json');
      writeJsonAtomic(file, { n: 2 });
      assert.equal(await writeFileAtomicAsync(file, '{"n":1}', { stillWanted: () => false }), false);
      assert.deepEqual(readJsonFile(file, schema), { state: 'ok', value: { n: 2 } });
      assert.deepEqual(fs.readdirSync(dir), ['state.json']);
      assert.equal(await writeFileAtomicAsync(file, '{"n":3}', { stillWanted: () => true }), true);
      assert.deepEqual(readJsonFile(file, schema), { state: 'ok', value: { n: 3 } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file is "missing"; a corrupt one is set aside with its reason, never overwritten by the next save', () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'state.json');
      assert.deepEqual(readJsonFile(file, schema), { state: 'missing' });
      fs.writeFileSync(file, '{"n": "seven"');
      const bad = readJsonFile(file, schema);
      assert.equal(bad.state, 'corrupt');
      assert.ok(bad.state === 'corrupt' && bad.keptAs && /state\.json\.corrupt-/.test(bad.keptAs));
      assert.match(bad.state === 'corrupt' ? bad.reason : '', /not JSON/);
      writeJsonAtomic(file, { n: 1 });
      assert.equal(fs.readFileSync(bad.state === 'corrupt' && bad.keptAs ? bad.keptAs : '', 'utf8'), '{"n": "seven"');
      fs.writeFileSync(file, '{"n": "x"}');
      const wrong = readJsonFile(file, schema, { setAside: false });
      assert.ok(wrong.state === 'corrupt' && wrong.keptAs === file && /^n: /.test(wrong.reason));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed write leaves the old file as it was and no temp file', () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'state.json');
      writeJsonAtomic(file, { n: 1 });
      fs.mkdirSync(path.join(dir, 'sub'));
      // A folder where the file should be: rename fails.
      assert.throws(() => writeJsonAtomic(path.join(dir, 'sub'), { n: 2 }));
      assert.deepEqual(readJsonFile(file, schema), { state: 'ok', value: { n: 1 } });
      assert.deepEqual(fs.readdirSync(dir).sort(), ['state.json', 'sub']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a background save overtaken by a newer one reports no failure of its own (one failure, not two, when the file cannot be written)', async () => {
    const dir = tmpDir();
    try {
      // Its folder is a file: every write fails.
      fs.writeFileSync(path.join(dir, 'data'), '');
      const errors: string[] = [];
      const state = new StateFile(path.join(dir, 'data', 'state.json'), () => '{"n":1}', (m) => errors.push(m));
      state.saveSoon();
      state.flush(); // shutdown: written now, the background write holds an older state
      await state.settled();
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0], /ENOTDIR|EEXIST/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
