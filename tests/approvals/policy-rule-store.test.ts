import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PolicyRuleStore } from '../../main/approvals/policy-rule-store.ts';
import { FileRuleStore } from '../../main/approvals/rule-store.ts';
import { SANDBOXED_PROJECT_POLICY } from '../../main/contract/projects.ts';
import { ProjectStore } from '../../main/projects/store.ts';

describe('PolicyRuleStore: "always allow" written to the project\'s policy', () => {
  let dir = '';
  let appFolder = '';
  let cfgFolder = '';
  const DEFAULTS = ['Read', 'Grep', 'mcp__github'];
  const open = () => {
    const projects = new ProjectStore(path.join(dir, 'projects.json'), [{ name: 'cfg', folder: cfgFolder, policy: SANDBOXED_PROJECT_POLICY }], () => ['sonnet']);
    return { projects, rules: new PolicyRuleStore(projects, FileRuleStore.inDataDir(dir), async () => DEFAULTS) };
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-policy-rules-'));
    appFolder = fs.mkdtempSync(path.join(dir, 'app-'));
    cfgFolder = fs.mkdtempSync(path.join(dir, 'cfg-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an app project with an empty list first takes the configured default, then the rule; once; across a restart', async () => {
    const a = open();
    a.projects.add({ name: 'web', folder: appFolder });
    await a.rules.add('web', 'Bash(npm test)');
    await a.rules.add('web', 'Bash(npm test)');
    await a.rules.add('web', 'WebFetch');
    assert.deepEqual(a.projects.get('web')?.policy.allow, [...DEFAULTS, 'Bash(npm test)', 'WebFetch']);
    assert.equal(fs.existsSync(path.join(dir, 'approval-rules.json')), false, 'nothing in the rule file for an app project');

    const b = open();
    assert.deepEqual(b.projects.get('web')?.policy.allow, [...DEFAULTS, 'Bash(npm test)', 'WebFetch']);
    assert.deepEqual(b.rules.rules('web'), [...DEFAULTS, 'Bash(npm test)', 'WebFetch']);
    // Removing the rule from the policy ends the grant.
    b.projects.removeAllowRule('web', 'Bash(npm test)');
    assert.ok(!open().rules.rules('web').includes('Bash(npm test)'));
  });

  it('a config-file project and the chat workspaces keep theirs in the rule file; listed and removable', async () => {
    const a = open();
    await a.rules.add('cfg', 'Bash(make)');
    await a.rules.add(null, 'WebSearch');
    assert.deepEqual(a.projects.get('cfg')?.policy.allow, [], 'the config file is never written');
    const b = open();
    assert.deepEqual(b.rules.rules('cfg'), ['Bash(make)']);
    assert.deepEqual(b.rules.rules(null), ['WebSearch']);
    assert.deepEqual(b.rules.places(), [{ project: 'cfg', rules: ['Bash(make)'] }, { project: null, rules: ['WebSearch'] }]);
    assert.equal(await b.rules.removeGranted('cfg', 'Bash(make)'), true);
    assert.equal(await b.rules.removeGranted('cfg', 'Bash(make)'), false);
    assert.deepEqual(open().rules.places(), [{ project: null, rules: ['WebSearch'] }]);
  });

  it('a rule file grant left for an app project (from before) still counts beside its policy', async () => {
    const file = FileRuleStore.inDataDir(dir);
    await file.add('web', 'Bash(old)');
    assert.ok(open().rules.rules('web').includes('Bash(old)'));
    await file.remove('web', 'Bash(old)');
  });
});
