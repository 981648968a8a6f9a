import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ProjectStore } from '../../main/projects/store.ts';

describe('project store', () => {
  it('a saved project whose folder is gone is left out, and kept in the file for when it is back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-'));
    const a = fs.mkdtempSync(path.join(dir, 'a-'));
    const b = fs.mkdtempSync(path.join(dir, 'b-'));
    const file = path.join(dir, 'projects.json');
    const first = new ProjectStore(file, [], () => ['sonnet']);
    first.add({ name: 'alpha', folder: a });
    first.add({ name: 'beta', folder: b });
    fs.rmSync(b, { recursive: true });
    const second = new ProjectStore(file, [], () => ['sonnet']);
    assert.deepEqual(second.list().map((p) => p.name), ['alpha']);
    second.remove('alpha'); // a save: beta must survive it
    fs.mkdirSync(b);
    assert.deepEqual(new ProjectStore(file, [], () => ['sonnet']).list().map((p) => [p.name, p.folder, p.modelIds]), [['beta', b, ['sonnet@beta']]]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
