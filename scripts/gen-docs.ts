#!/usr/bin/env node
// `npm run docs`: rewrites the generated parts of docs/ from the code (scripts/docs/generate.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './docs/generate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const file of generatedFiles(root)) {
  const target = path.join(root, file.path);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (before === file.text) continue;
  fs.writeFileSync(target, file.text);
  console.log(`[docs] wrote ${file.path} (from ${file.source})`);
}
