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

  it('a damaged file is reported and ignored (everything asks again), never a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'approval-rules.json'), '{"version":1,"projects":{"x":"Bash"}}');
      const warnings: string[] = [];
      const s = FileRuleStore.inDataDir(dir, (m) => warnings.push(m));
      assert.deepEqual(s.rules('x'), []);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /approval-rules\.json is not a valid rules file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
