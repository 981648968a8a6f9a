import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../main/config/load.ts';
import { describeConfigProblem } from '../../main/shell/config-error.ts';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-projcfg-')));

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('the config was accepted');
}

describe('PROJECTS config key', () => {
  it('reads projects from the config file (JSON array) and from the environment (JSON string), with the default policy', () => {
    const dir = tmp();
    const repo = tmp();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ PROJECTS: [{ name: 'myrepo', folder: `${repo}/` }] }));
    const fromFile = loadConfig({ DATA_DIR: dir });
    assert.deepEqual(fromFile.PROJECTS, [{ name: 'myrepo', folder: repo, policy: { mode: 'sandboxed', allow: [], denyRead: [], allowedDomains: [] } }]);
    const fromEnv = loadConfig({ DATA_DIR: tmp(), PROJECTS: JSON.stringify([{ name: 'other', folder: repo, policy: { mode: 'read-only' } }]) });
    assert.equal(fromEnv.PROJECTS[0].policy.mode, 'read-only');
    assert.deepEqual(loadConfig({ DATA_DIR: tmp() }).PROJECTS, []);
  });

  it('an invalid entry stops the start with a clear error naming PROJECTS and what is wrong', () => {
    const repo = tmp();
    const file = path.join(repo, 'a-file');
    fs.writeFileSync(file, 'x');
    const cases: Array<[unknown, RegExp]> = [
      [[{ name: 'x', folder: path.join(repo, 'missing') }], /PROJECTS\.0\.folder: folder .*missing does not exist/],
      [[{ name: 'x', folder: file }], /is not a directory/],
      [[{ name: 'x', folder: 'relative/dir' }], /must be an absolute path/],
      [[{ name: 'My Repo', folder: repo }], /PROJECTS\.0\.name: name must be/],
      [[{ name: 'a@b', folder: repo }], /PROJECTS\.0\.name/],
      [[{ name: 'dup', folder: repo }, { name: 'dup', folder: repo }], /PROJECTS\.1\.name: project name "dup" is used twice/],
      [[{ name: 'x', folder: repo, policy: { mode: 'yolo' } }], /PROJECTS\.0\.policy\.mode/],
      ['not json', /PROJECTS/],
    ];
    for (const [value, pattern] of cases) {
      const err = configError({ DATA_DIR: tmp(), PROJECTS: typeof value === 'string' ? value : JSON.stringify(value) });
      assert.equal(err.key, 'PROJECTS');
      assert.match(err.message, pattern);
    }
    // From the file: the dialog names the file and the key to correct.
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ PROJECTS: [{ name: 'x', folder: path.join(repo, 'gone') }] }));
    const err = configError({ DATA_DIR: dir });
    const problem = describeConfigProblem(err, { DATA_DIR: dir }, dir);
    assert.equal(problem.key, 'PROJECTS');
    assert.match(problem.detail, /PROJECTS\.0\.folder: folder .*gone does not exist/);
    assert.match(problem.detail, /correct "PROJECTS"/);
  });
});
