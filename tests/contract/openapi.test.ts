import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_AREAS, API_TABLES, areaOf, controlApiDocument } from '../../main/contract/openapi.ts';
import type { AnyRoute, AnyStream } from '../../main/contract/route.ts';

const contractDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../main/contract');
type Doc = { openapi: string; paths: Record<string, Record<string, { summary?: string; operationId: string }>>; components: { schemas: Record<string, unknown> } };
const doc = controlApiDocument('0.0.0-test') as unknown as Doc;

/** Every route and stream exported by any main/contract/*-routes.ts, found by importing them all. */
async function everyTableEntry(): Promise<Array<AnyRoute | AnyStream>> {
  const out: Array<AnyRoute | AnyStream> = [];
  for (const file of fs.readdirSync(contractDir).filter((f) => f.endsWith('-routes.ts'))) {
    const mod = (await import(pathToFileURL(path.join(contractDir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (!value || typeof value !== 'object') continue;
      for (const entry of Object.values(value)) {
        if (entry && typeof entry === 'object' && 'kind' in entry && (entry.kind === 'route' || entry.kind === 'stream')) out.push(entry as AnyRoute | AnyStream);
      }
    }
  }
  return out;
}

/** Python's openapi-spec-validator (Debian's python3 has it here), or why it cannot run. */
const validatorMissing = ((): string | null => {
  const r = spawnSync('python3', ['-c', 'import openapi_spec_validator'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3 with openapi-spec-validator not installed (pip install openapi-spec-validator)';
})();

const key = (method: string, p: string): string => `${method.toUpperCase()} ${p.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;

describe('the control API as OpenAPI 3.1', () => {
  test('every route and stream of every route table is in the document (a new table goes into API_TABLES)', async () => {
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => key(m, p))));
    const entries = await everyTableEntry();
    assert.ok(entries.length > 40, `only ${entries.length} entries found`);
    const missing = entries.map((e) => key(e.method, e.path)).filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], 'add the table to API_TABLES in main/contract/openapi.ts');
    assert.equal(documented.size, new Set(entries.map((e) => key(e.method, e.path))).size);
  });

  test('every call has a summary and its area a description', () => {
    for (const table of Object.values(API_TABLES)) {
      for (const [name, entry] of Object.entries(table)) {
        assert.ok(entry.summary && entry.summary.length > 5, `${entry.method} ${entry.path} (${name}): add summary: '…' to its table entry`);
        assert.ok(API_AREAS[areaOf(entry.path)], `${entry.path}: add its area "${areaOf(entry.path)}" to API_AREAS in main/contract/openapi.ts`);
      }
    }
  });

  test('it is OpenAPI 3.1 with every $ref resolving to a component and unique operation ids', () => {
    assert.equal(doc.openapi, '3.1.0');
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length > 20);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(doc.components.schemas[ref.split('/').pop() as string], `${ref} does not resolve`);
    }
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('request bodies, path and query parameters come from the tables\' schemas', () => {
    const d = doc as unknown as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> }; parameters?: Array<{ name: string; in: string; schema: { enum?: string[] } }> }>> };
    const decide = d.paths['/api/approvals/{id}'].post;
    const ref = decide.requestBody?.content['application/json'].schema.$ref;
    const body = ref ? (doc.components.schemas[ref.split('/').pop() as string] as { properties: { decision: { enum: string[] } } }) : (decide.requestBody?.content['application/json'].schema as unknown as { properties: { decision: { enum: string[] } } });
    assert.deepEqual(body.properties.decision.enum, ['allow_once', 'allow_conversation', 'allow_project', 'deny']);
    const action = d.paths['/api/docker/{action}'].post.parameters?.find((p) => p.name === 'action');
    assert.deepEqual(action?.schema.enum, ['up', 'down', 'restart', 'rebuild']);
    const query = d.paths['/api/transcripts'].get.parameters?.filter((p) => p.in === 'query').map((p) => p.name);
    assert.deepEqual(query, ['status', 'model', 'q', 'limit', 'offset']);
  });

  test('an OpenAPI validator accepts the document (openapi-spec-validator, 3.1 schema)', { skip: validatorMissing ?? false }, () => {
    const check = (json: string) =>
      spawnSync('python3', ['-c', 'import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))'], { input: json, encoding: 'utf8' });
    const ok = check(JSON.stringify(doc));
    assert.equal(ok.status, 0, ok.stderr);
    // and it does reject a broken one, so a pass means something
    const broken = JSON.parse(JSON.stringify(doc)) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    broken.paths['/api/info'].get.responses = { '200': { content: {} } };
    assert.notEqual(check(JSON.stringify(broken)).status, 0);
  });
});
