import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../../../main/config/schema.ts';
import { EDITABLE_CONFIG_KEYS } from '../../../main/contract/control-api.ts';
import { configKeyDocs, descriptionOf, renderConfigTable } from '../../../scripts/docs/config-page.ts';
import { fillRegion, generatedFiles, REGENERATE } from '../../../scripts/docs/generate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('every config key has a user-facing description in the schema (.describe)', () => {
  const missing = configKeyDocs().filter((d) => !d.description || d.description.trim().length < 10).map((d) => d.key);
  assert.deepEqual(missing, [], `add .describe('…') to these keys in main/config/schema.ts, then run \`${REGENERATE}\``);
});

test('the generated docs on disk match the code (config schema, control API)', () => {
  for (const file of generatedFiles(root)) {
    const onDisk = fs.readFileSync(path.join(root, file.path), 'utf8');
    assert.ok(onDisk === file.text, `${file.path} is out of date with ${file.source}: run \`${REGENERATE}\` and commit the result`);
  }
});

test('the configuration table names each key with its type, default and where it can be set', () => {
  const table = renderConfigTable();
  const keys = Object.keys(configSchema.shape);
  for (const key of keys) assert.match(table, new RegExp(`^\\| \`${key}\` \\|`, 'm'), key);
  assert.match(table, /^\| `GATEWAY_PORT` \| integer 0–65535 \| `8000` \| env, file, dashboard \| /m);
  assert.match(table, /^\| `DEFAULT_POLICY` \| `auto` \\\| `read-only` \\\| `sandboxed` \\\| `full` \| `auto` \| env, file \| /m);
  for (const key of EDITABLE_CONFIG_KEYS) assert.match(table, new RegExp(`^\\| \`${key}\` \\|[^\\n]*\\| env, file, dashboard \\|`, 'm'), key);
  // a machine-dependent default is written from its defaultText meta, never from this machine's value
  assert.doesNotMatch(table, new RegExp(process.env.HOME ?? '/nonexistent-home'));
  assert.equal(z.globalRegistry.get(configSchema.shape.MAX_LIVE_CONVERSATIONS)?.defaultText, 'half the free memory at start ÷ 300 MB (at least 1)');
});

test('a description cannot break the table: markup characters are escaped', () => {
  const row = renderConfigTable().split('\n').find((l) => l.startsWith('| `CLAUDE_ALLOWED_TOOLS`'));
  assert.ok(row?.includes('mcp\\_\\_&lt;server>'), row);
});

test('fillRegion replaces only the marked region and refuses a page without markers', () => {
  const open = `<!-- generated:x (${REGENERATE}; edit the source, not this) -->`;
  const page = `intro\n${open}\nold\n<!-- /generated:x -->\noutro\n`;
  assert.equal(fillRegion(page, 'x', 'new'), `intro\n${open}\nnew\n<!-- /generated:x -->\noutro\n`);
  assert.throws(() => fillRegion('no markers', 'x', 'new'), /missing the markers/);
});

test('a description is found wherever .describe() sits on the key (before or after .default() or a transform)', () => {
  assert.equal(descriptionOf(z.string().describe('inner').default('')), 'inner');
  assert.equal(descriptionOf(z.coerce.number().int().describe('n').default(3)), 'n');
  assert.equal(descriptionOf(z.union([z.string(), z.array(z.string())]).describe('csv').transform((v) => v).default([])), 'csv');
  assert.equal(descriptionOf(z.string().default('x').describe('outer')), 'outer');
  assert.equal(descriptionOf(z.string().default('')), undefined);
});
