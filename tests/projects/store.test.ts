import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ProjectError, ProjectStore } from '../../main/projects/store.ts';

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

  it('allow rules of a dashboard project: seeded once, kept once, removed; a config-file project is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-store-'));
    try {
      const a = fs.mkdtempSync(path.join(dir, 'a-'));
      const c = fs.mkdtempSync(path.join(dir, 'c-'));
      const store = new ProjectStore(path.join(dir, 'projects.json'), [{ name: 'cfg', folder: c, policy: { mode: 'full', allow: [], denyRead: [], allowedDomains: [] } }], () => ['sonnet']);
      store.add({ name: 'app', folder: a });
      store.addAllowRule('app', 'Bash(make)', ['Read', 'Read']);
      store.addAllowRule('app', 'Bash(make)', ['ignored once the list is not empty']);
      assert.deepEqual(store.get('app')?.policy.allow, ['Read', 'Bash(make)']);
      store.removeAllowRule('app', 'Bash(make)');
      assert.deepEqual(store.get('app')?.policy.allow, ['Read']);
      assert.throws(() => store.removeAllowRule('app', 'Bash(make)'), (e: unknown) => e instanceof ProjectError && e.status === 404 && e.code === 'rule_not_found');
      assert.throws(() => store.addAllowRule('cfg', 'Bash(make)', []), (e: unknown) => e instanceof ProjectError && e.code === 'defined_in_config');
      assert.equal(store.isAppProject('cfg'), false);
      assert.equal(store.isAppProject('app'), true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
