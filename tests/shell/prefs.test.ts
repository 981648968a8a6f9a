import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { prefsFile, readPrefs, writePrefs } from '../../main/shell/prefs.ts';

test('defaults when missing or broken; round-trips what was written', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-prefs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(readPrefs(dir), { keepRunningInTray: true, showWindowOnStart: true, noTrayNoticeShown: false });
  fs.writeFileSync(prefsFile(dir), '{not json');
  assert.deepEqual(readPrefs(dir), { keepRunningInTray: true, showWindowOnStart: true, noTrayNoticeShown: false });
  fs.writeFileSync(prefsFile(dir), JSON.stringify({ keepRunningInTray: 'yes' }));
  assert.deepEqual(readPrefs(dir), { keepRunningInTray: true, showWindowOnStart: true, noTrayNoticeShown: false });
  writePrefs(path.join(dir, 'nested'), { keepRunningInTray: false, showWindowOnStart: true, noTrayNoticeShown: false });
  assert.deepEqual(readPrefs(path.join(dir, 'nested')), { keepRunningInTray: false, showWindowOnStart: true, noTrayNoticeShown: false });
  assert.deepEqual(fs.readdirSync(path.join(dir, 'nested')), ['shell.json']);
});
