import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { skippedFromTap } from '../../scripts/test-summary.mjs';

test('npm test names every skipped test with its suite and reason (from a real node:test TAP report)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-tap-'));
  try {
    const file = path.join(dir, 'sample.test.mjs');
    fs.writeFileSync(file, `import { describe, it, test } from 'node:test';
describe('suite A', () => { it('inner skip', { skip: 'no binary' }, () => {}); it('runs', () => {}); });
test('top skip', (t) => { t.skip('skipped: no Electron binary'); });
test('plain', () => {});
`);
    // without the runner's own context variable the child would report to us in its binary protocol, not TAP
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const skipped = skippedFromTap(r.stdout);
    assert.equal(skipped.length, 2);
    assert.ok(skipped.some((s) => /suite A › inner skip$/.test(s.name) && s.reason === 'no binary'), JSON.stringify(skipped));
    assert.ok(skipped.some((s) => /top skip$/.test(s.name) && s.reason === 'skipped: no Electron binary'), JSON.stringify(skipped));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
