import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deadLinks, headingIds, linksOf } from '../helpers/markdown-links.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** README.md and the pages of docs/ (docs/_incoming/ holds drafts waiting to be folded in). */
const pages = (): string[] => [
  path.join(root, 'README.md'),
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(root, 'docs', f)),
];

test('README.md and docs/*.md have no dead relative links (files and #anchors)', () => {
  const files = pages();
  assert.ok(files.length > 10, files.join('\n'));
  assert.deepEqual(deadLinks(files).map((d) => path.relative(root, d.split(':')[0]) + d.slice(d.indexOf(':'))), []);
});

test('every image the README shows exists and is a PNG', () => {
  const images = linksOf(path.join(root, 'README.md')).filter((l) => l.image);
  assert.ok(images.length >= 1, 'the README shows the dashboard');
  for (const img of images) {
    const file = path.resolve(root, img.target);
    assert.ok(fs.existsSync(file), `README.md:${img.line} shows ${img.target}, which does not exist`);
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${img.target} is not a PNG`);
  }
});

test('the README stays a five-minute read (at most 150 lines) and links every docs page', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.ok(readme.split('\n').length <= 151, `README.md has ${readme.split('\n').length} lines`);
  const linked = new Set(linksOf(path.join(root, 'README.md')).map((l) => l.target.split('#')[0]));
  for (const page of pages().map((p) => path.relative(root, p)).filter((p) => p.startsWith('docs/'))) {
    assert.ok(linked.has(page), `README.md does not link ${page}`);
  }
});

test('the checker finds a missing file, a missing anchor and ignores links in code and external ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-links-'));
  try {
    fs.writeFileSync(path.join(dir, 'b.md'), '# Client tools (the caller\'s own functions)\n\n## `tool_choice` and more\n\n## Twice\n\n## Twice\n');
    fs.writeFileSync(
      path.join(dir, 'a.md'),
      [
        '# A',
        '[ok](b.md#client-tools-the-callers-own-functions) [ok2](b.md#tool_choice-and-more) [ok3](b.md#twice-1) [self](#a)',
        '[gone](missing.md) [bad anchor](b.md#nope) ![img](images/none.png)',
        '`[in code](nowhere.md)` [web](https://example.com/x.md)',
        '```',
        '[in a block](nowhere.md)',
        '```',
      ].join('\n'),
    );
    assert.ok(headingIds(path.join(dir, 'b.md')).has('twice-1'));
    const dead = deadLinks([path.join(dir, 'a.md')]).map((d) => d.slice(d.indexOf('→') + 2));
    assert.deepEqual(dead, ['missing.md (no such file)', 'b.md#nope (no heading with id "nope")', 'images/none.png (no such file)']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
