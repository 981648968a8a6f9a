/**
 * What `npm run docs` writes: the parts of docs/ generated from the code. A page that is partly hand-written holds
 * its generated part between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; only that part is replaced.
 * tests/scripts/docs/generate.test.ts fails when a file on disk differs from what this produces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderConfigTable } from './config-page.ts';
import { controlApiJson, renderControlApiList } from './control-api-page.ts';

export const REGENERATE = 'npm run docs';

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  /** Where the content comes from, for the message when the file is stale. */
  source: string;
  /** The whole file as it should be, given what is on disk now. */
  text: string;
}

/** `text` with the region NAME replaced by `body`; throws when the markers are missing. */
export function fillRegion(text: string, name: string, body: string): string {
  const open = `<!-- generated:${name} (${REGENERATE}; edit the source, not this) -->`;
  const start = text.indexOf(open);
  const close = `<!-- /generated:${name} -->`;
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`missing the markers ${open} … ${close}`);
  return `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
}

export function generatedFiles(root: string): GeneratedFile[] {
  const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
  return [
    {
      path: 'docs/configuration.md',
      source: 'main/config/schema.ts (each key\'s .describe())',
      text: fillRegion(read('docs/configuration.md'), 'config-keys', renderConfigTable()),
    },
    { path: 'docs/control-api.json', source: 'the route tables in main/contract/*-routes.ts', text: controlApiJson() },
    {
      path: 'docs/control-api.md',
      source: 'the route tables in main/contract/*-routes.ts',
      text: fillRegion(read('docs/control-api.md'), 'control-api-calls', renderControlApiList()),
    },
  ];
}
