import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  AUTOSTART_FILE_NAME,
  autostartCommand,
  autostartDir,
  autostartEntry,
  isAutostartEnabled,
  quoteExecArg,
  setAutostart,
  startedHidden,
} from '../../main/shell/autostart.ts';

test('the autostart command starts the AppImage file (not its mount) in the tray', () => {
  assert.deepEqual(autostartCommand({ execPath: '/tmp/.mount_x/claude-code-gateway', appImage: '/home/u/Apps/CCG.AppImage' }), ['/home/u/Apps/CCG.AppImage', '--hidden']);
  assert.deepEqual(autostartCommand({ execPath: '/opt/Claude Code Gateway/claude-code-gateway' }), ['/opt/Claude Code Gateway/claude-code-gateway', '--hidden']);
  assert.ok(startedHidden(['/x', '--hidden']));
  assert.ok(!startedHidden(['/x']));
});

test('desktop entry: quoted Exec, autostart enabled, no line injection', () => {
  assert.equal(quoteExecArg('/opt/app/bin'), '/opt/app/bin');
  assert.equal(quoteExecArg('/opt/Claude Code Gateway/x'), '"/opt/Claude Code Gateway/x"');
  assert.equal(quoteExecArg('a"b$c'), '"a\\"b\\$c"');
  const entry = autostartEntry({ name: 'Claude Code Gateway\nExec=evil', command: ['/opt/Claude Code Gateway/x', '--hidden'] });
  const lines = entry.trim().split('\n');
  assert.equal(lines[0], '[Desktop Entry]');
  assert.deepEqual(lines.filter((l) => l.startsWith('Exec=')), ['Exec="/opt/Claude Code Gateway/x" --hidden']);
  assert.ok(lines.includes('X-GNOME-Autostart-enabled=true'));
  assert.ok(lines.includes('Type=Application'));
});

test('enable/disable writes and removes the file in XDG_CONFIG_HOME/autostart', (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-xdg-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const dir = autostartDir({ XDG_CONFIG_HOME: home });
  assert.equal(dir, path.join(home, 'autostart'));
  assert.equal(isAutostartEnabled(dir), false);
  setAutostart(dir, true, autostartEntry({ name: 'CCG', command: ['/x', '--hidden'] }));
  assert.equal(isAutostartEnabled(dir), true);
  assert.match(fs.readFileSync(path.join(dir, AUTOSTART_FILE_NAME), 'utf8'), /^Exec=\/x --hidden$/m);
  setAutostart(dir, false, '');
  assert.equal(isAutostartEnabled(dir), false);
  setAutostart(dir, false, ''); // idempotent
});

test('login item strategy per platform; never for an unpackaged run', async () => {
  const { loginItemStrategy } = await import('../../main/shell/autostart.ts');
  assert.equal(loginItemStrategy('darwin', true), 'electron');
  assert.equal(loginItemStrategy('win32', true), 'electron');
  assert.equal(loginItemStrategy('linux', true), 'xdg');
  assert.equal(loginItemStrategy('linux', false), 'unsupported');
  assert.equal(loginItemStrategy('darwin', false), 'unsupported');
  assert.equal(loginItemStrategy('aix', true), 'unsupported');
});
