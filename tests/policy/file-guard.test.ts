import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FILE_GUARD_FLAG, installFileGuard, type FileGuardCommand } from '../../main/policy/file-guard.ts';

/** The file guard as Claude Code runs it: the hook event on stdin, exit 2 refuses. */
describe('file guard (PreToolUse hook of the file tools)', () => {
  let dir: string;
  let guard: FileGuardCommand;
  let root: string;
  let own: string;
  let other: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-guard-'));
    guard = installFileGuard(path.join(dir, 'run'));
    root = path.join(dir, 'chats');
    own = path.join(root, 'own');
    other = path.join(root, 'other');
    for (const d of [own, other]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(other, 'note.txt'), 'B');
    fs.symlinkSync(other, path.join(own, 'link'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (tool: string, input: Record<string, unknown>, domains: string[] = []): number => {
    const r = spawnSync(guard.command, [...guard.args, ...domains.map((d) => `--domain=${d}`), own, root, path.join(dir, 'data')], { input: JSON.stringify({ tool_name: tool, tool_input: input, cwd: own }), encoding: 'utf8' });
    return r.status ?? -1;
  };

  it('lets the own folder through, refuses other chats, links into them, searches above the root', () => {
    assert.equal(run('Read', { file_path: path.join(own, 'x.txt') }), 0);
    assert.equal(run('Grep', { pattern: 'x' }), 0, 'a search of the own folder');
    assert.equal(run('Glob', { pattern: '**/*.ts' }), 0);
    assert.equal(run('Read', { file_path: '/etc/hostname' }), 0, 'outside every root: left to the other rules');
    assert.equal(run('Read', { file_path: path.join(other, 'note.txt') }), 2);
    assert.equal(run('Read', { file_path: path.join(own, 'link', 'note.txt') }), 2, 'a link into another chat');
    assert.equal(run('Read', { file_path: '../other/note.txt' }), 2, 'relative to the folder');
    assert.equal(run('Grep', { pattern: 'x', path: '..' }), 2, 'a search of the chats root');
    assert.equal(run('Grep', { pattern: 'x', path: '/' }), 2, 'a search above it');
    assert.equal(run('Glob', { pattern: '../*/note.txt' }), 2);
    assert.equal(run('Glob', { pattern: `${root}/**` }), 2);
    assert.equal(run('Read', { file_path: path.join(dir, 'data', 'admin-token') }), 2, 'the app data');
  });

  it("WebFetch reaches only the policy's allowed domains", () => {
    assert.equal(run('WebFetch', { url: 'https://registry.npmjs.org/x', prompt: 'p' }, ['registry.npmjs.org']), 0);
    assert.equal(run('WebFetch', { url: 'https://docs.example.com/', prompt: 'p' }, ['*.example.com']), 0);
    assert.equal(run('WebFetch', { url: 'http://127.0.0.1:8000/v1/models', prompt: 'p' }, ['registry.npmjs.org']), 2, 'the gateway itself');
    assert.equal(run('WebFetch', { url: 'https://evil.test/', prompt: 'p' }), 2, 'no list: nothing');
    assert.equal(run('WebFetch', { url: 'not a url', prompt: 'p' }, ['registry.npmjs.org']), 2);
  });

  it("the packaged desktop app (RunAsNode fuse off) runs the guard with its own binary's guard flag, in process", () => {
    assert.deepEqual(installFileGuard(path.join(dir, 'run'), '/opt/App/app', true), { command: '/opt/App/app', args: [FILE_GUARD_FLAG] });
    assert.deepEqual(installFileGuard(path.join(dir, 'run'), '/usr/bin/node', false).args, [path.join(dir, 'run', 'file-guard.cjs')], 'plain Node runs the script, no ELECTRON_RUN_AS_NODE');
    // What main/electron/main.ts does with the flag: runFileGuard on the arguments after it.
    const entry = pathToFileURL(path.resolve('main/policy/file-guard.ts')).href;
    const inProcess = (file: string): number => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); m.runFileGuard(process.argv.slice(1));`, own, root], {
      input: JSON.stringify({ tool_name: 'Read', tool_input: { file_path: file }, cwd: own }), encoding: 'utf8',
    }).status ?? -1;
    assert.equal(inProcess(path.join(own, 'x.txt')), 0);
    assert.equal(inProcess(path.join(other, 'note.txt')), 2, "another chat's file is refused by the in-process guard too");
  });
});
