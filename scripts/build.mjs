#!/usr/bin/env node
// Compiles main/ + preload/ to dist/ (tsc) and the renderer (vite) to dist/renderer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
const run = (cmd, args) => {
  const r = spawnSync(process.execPath, [cmd, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json']);
if (fs.existsSync('tsconfig.electron.json')) run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.electron.json']);
if (fs.existsSync('renderer/vite.config.ts')) run('node_modules/vite/bin/vite.js', ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
