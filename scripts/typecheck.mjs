#!/usr/bin/env node
// Type-checks every TypeScript project of the repo: services + tests, the renderer, and Electron/preload.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
const projects = ['tsconfig.test.json', 'renderer/tsconfig.json', 'tsconfig.electron.json'].filter((p) => fs.existsSync(p));
let failed = false;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', p, '--noEmit'], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`[typecheck] ${p} failed`); failed = true; }
}
process.exit(failed ? 1 : 0);
