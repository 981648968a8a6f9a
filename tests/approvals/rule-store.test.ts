import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileRuleStore } from '../../main/approvals/rule-store.ts';

describe('FileRuleStore: "always allow" rules under DATA_DIR', () => {
  it('keeps rules per project (null = chat workspaces), once each, across a new instance; the file is 0600', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rules-'));
    try {
      const a = FileRuleStore.inDataDir(dir);
      await a.add('myrepo', 'Bash(npm test)');
      await a.add('myrepo', 'Bash(npm test)');
      await a.add(null, 'WebFetch');
      const b = FileRuleStore.inDataDir(dir);
      assert.deepEqual(b.rules('myrepo'), ['Bash(npm test)']);
      assert.deepEqual(b.rules(null), ['WebFetch']);
      assert.deepEqual(b.rules('other'), []);
      assert.equal(fs.statSync(path.join(dir, 'approval-rules.json')).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged file is reported, kept aside for repair and shown on Health (never a crash, never silently empty)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rules-'));
    try {
      const bad = '{"version":1,"projects":{"x":"Bash"}}';
      fs.writeFileSync(path.join(dir, 'approval-rules.json'), bad);
      const warnings: string[] = [];
      const s = FileRuleStore.inDataDir(dir, (m) => warnings.push(m));
      assert.deepEqual(s.rules('x'), []);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /approval-rules\.json is not a valid rules file/);
      const aside = fs.readdirSync(dir).filter((n) => n.startsWith('approval-rules.json.corrupt-'));
      assert.equal(aside.length, 1, 'the bad file is kept');
      assert.equal(fs.readFileSync(path.join(dir, aside[0]), 'utf8'), bad);
      const h = s.health();
      assert.equal(h.status, 'error');
      assert.match(h.reason ?? '', new RegExp(`kept as .*${aside[0]}`));
      // A new grant does not overwrite the kept file; the problem stays on Health until a restart reads a good file.
      await s.add('x', 'Bash(ls)');
      assert.equal(fs.readFileSync(path.join(dir, aside[0]), 'utf8'), bad);
      assert.equal(s.health().status, 'error');
      assert.equal(FileRuleStore.inDataDir(dir).health().status, 'ok');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rule is in force only once its write succeeded; a failed write changes nothing and shows on Health', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'not-a-folder'), '');
      const s = new FileRuleStore(path.join(dir, 'not-a-folder', 'approval-rules.json'));
      await assert.rejects(s.add('myrepo', 'Bash(npm test)'));
      assert.deepEqual(s.rules('myrepo'), [], 'not in force: the answer said it could not be saved');
      assert.equal(s.health().status, 'error');
      assert.match(s.health().reason ?? '', /could not be saved/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('concurrent adds and removes are serialized: every one lands, the file equals what is in force, no temp file is left', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rules-'));
    try {
      const s = FileRuleStore.inDataDir(dir);
      const rules = Array.from({ length: 30 }, (_, i) => `Bash(step-${i})`);
      await Promise.all(rules.map((r) => s.add('p', r)));
      await Promise.all([...rules.slice(0, 10).map((r) => s.remove('p', r)), ...rules.slice(0, 5).map((r) => s.add('q', r))]);
      assert.deepEqual(new Set(s.rules('p')), new Set(rules.slice(10)));
      const again = FileRuleStore.inDataDir(dir);
      assert.deepEqual(again.rules('p'), s.rules('p'));
      assert.deepEqual(again.rules('q'), s.rules('q'));
      assert.deepEqual(fs.readdirSync(dir), ['approval-rules.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
