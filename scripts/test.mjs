#!/usr/bin/env node
// `npm test`: bring up the system parts the tests need (scripts/system/*.mjs, each exporting
// `setup(env) -> Promise<{ env?, stop? }>`), type-check, run every tests/**/*.test.ts with node:test, then stop
// what was started (by PID). Under CI=true a missing part is a failure, never a skip. Ctrl-C / SIGTERM reach the
// test runner at once and the system parts are still stopped (a private dockerd is never leaked). The summary names
// every skipped test and why.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { skippedFromTap } from './test-summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const skipTypecheck = args.includes('--no-typecheck');

function findTests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const stops = [];
async function stopAll() {
  for (const stop of stops.reverse()) {
    try { await stop(); } catch (err) { console.error('[test] stop failed:', err); }
  }
}

let child = null;
let interrupted = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = sig;
    if (child && child.exitCode === null) child.kill(sig);
  });
}

let code = 1;
const tapFile = path.join(os.tmpdir(), `ccg-test-${process.pid}.tap`);
try {
  if (!skipTypecheck) {
    console.log('[test] type-check');
    const tc = spawnSync(process.execPath, ['scripts/typecheck.mjs'], { stdio: 'inherit' });
    if (tc.status !== 0) throw new Error('type-check failed');
  }
  const env = { ...process.env };
  const systemDir = path.join(root, 'scripts/system');
  for (const name of fs.readdirSync(systemDir).filter((n) => n.endsWith('.mjs')).sort()) {
    const mod = await import(pathToFileURL(path.join(systemDir, name)).href);
    if (typeof mod.setup !== 'function') continue;
    console.log(`[test] system part: ${name}`);
    const res = (await mod.setup(env)) ?? {};
    Object.assign(env, res.env ?? {});
    if (res.stop) stops.push(res.stop);
  }
  let files = findTests(path.join(root, 'tests'));
  if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
  console.log(`[test] ${files.length} test files`);
  if (interrupted) throw new Error(`interrupted (${interrupted})`);
  child = spawn(process.execPath, [
    '--import', 'tsx', '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    `--test-concurrency=${env.TEST_CONCURRENCY ?? 2}`, ...files,
  ], { stdio: 'inherit', env });
  code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  if (interrupted) code = code || 130;
  const skipped = fs.existsSync(tapFile) ? skippedFromTap(fs.readFileSync(tapFile, 'utf8')) : [];
  if (skipped.length) {
    console.log(`[test] ${skipped.length} skipped:`);
    for (const s of skipped) console.log(`[test]   ${s.name} — ${s.reason}`);
  }
} catch (err) {
  console.error(`[test] ${err instanceof Error ? err.message : err}`);
  code = 1;
} finally {
  fs.rmSync(tapFile, { force: true });
  await stopAll();
}
process.exit(code);
