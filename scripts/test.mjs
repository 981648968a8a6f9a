#!/usr/bin/env node
// `npm test`: bring up the system parts the tests need (scripts/system/*.mjs, each exporting
// `setup(env) -> Promise<{ env?, stop? }>`), type-check, run every tests/**/*.test.ts with node:test, then stop
// what was started (by PID). Under CI=true a missing part is a failure, never a skip.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

let code = 1;
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
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${env.TEST_CONCURRENCY ?? 2}`, ...files], { stdio: 'inherit', env });
  code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
} catch (err) {
  console.error(`[test] ${err instanceof Error ? err.message : err}`);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
