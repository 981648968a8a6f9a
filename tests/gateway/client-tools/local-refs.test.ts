import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { localRefsInDefs } from '../../../main/gateway/client-tools/local-refs.ts';

const point = { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] };

function validator(schema: Record<string, unknown>): z.ZodType {
  return z.fromJSONSchema(localRefsInDefs(schema) as Parameters<typeof z.fromJSONSchema>[0]);
}

describe('client tools: local $refs for zod', () => {
  it('draft-07 #/definitions/… refs check arguments like $defs ones', () => {
    const v = validator({ type: 'object', definitions: { Point: point }, properties: { from: { $ref: '#/definitions/Point' }, to: { $ref: '#/definitions/Point' } }, required: ['from', 'to'] });
    assert.equal(v.safeParse({ from: { x: 1, y: 2 }, to: { x: 3, y: 4 } }).success, true);
    assert.equal(v.safeParse({ from: { x: 1, y: 2 }, to: { x: '3', y: 4 } }).success, false);
  });

  it("zod-to-json-schema's pointers into the schema itself (a reused part), escaped keys included", () => {
    const v = validator({ type: 'object', properties: { 'a/b': point, second: { $ref: '#/properties/a~1b' }, list: { type: 'array', items: { $ref: '#/properties/a~1b' } } } });
    assert.equal(v.safeParse({ 'a/b': { x: 1, y: 2 }, second: { x: 1, y: 2 }, list: [{ x: 0, y: 0 }] }).success, true);
    assert.equal(v.safeParse({ list: [{ x: 0 }] }).success, false);
  });

  it('recursive and mixed references ($defs pointing at definitions, a definition pointing at itself)', () => {
    const v = validator({
      type: 'object',
      definitions: { Name: { type: 'string' }, Node: { type: 'object', properties: { name: { $ref: '#/definitions/Name' }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } } } },
      $defs: { Root: { $ref: '#/definitions/Node' } },
      properties: { tree: { $ref: '#/$defs/Root' } },
    });
    assert.equal(v.safeParse({ tree: { name: 'a', children: [{ name: 'b', children: [] }] } }).success, true);
    assert.equal(v.safeParse({ tree: { name: 'a', children: [{ name: 2 }] } }).success, false);
  });

  it('changes nothing of the caller\'s schema, and returns it as it is when there is nothing to move', () => {
    const schema = { type: 'object', definitions: { Point: point }, properties: { p: { $ref: '#/definitions/Point' } } };
    const before = JSON.stringify(schema);
    assert.notEqual(localRefsInDefs(schema), schema);
    assert.equal(JSON.stringify(schema), before);
    const plain = { type: 'object', properties: { p: point } };
    assert.equal(localRefsInDefs(plain), plain);
    const defsOnly = { type: 'object', $defs: { P: point }, properties: { p: { $ref: '#/$defs/P' } } };
    assert.equal(localRefsInDefs(defsOnly), defsOnly);
  });

  it('leaves a reference that points at nothing (or is malformed, or an anchor) for zod to refuse', () => {
    for (const ref of ['#/definitions/Nope', '#/properties/%E0%A4%A', '#xproperties/p']) {
      const schema = { type: 'object', properties: { p: { $ref: ref } } };
      assert.equal(localRefsInDefs(schema), schema);
      assert.throws(() => validator(schema), /Reference not found/);
    }
  });

  it('a hostile schema cannot make it copy a large part once per spelling of a pointer to it (bounded output)', () => {
    // ≈ 100 KB of schema named by 300 spellings of a pointer to it: %-escapes that decode to the same key, and an
    // array index written with more and more leading zeros.
    const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`field_${i}`, { type: 'string', description: 'x'.repeat(20) }])) };
    const escaped = (i: number): string => [...'big'].map((c, j) => ((i >> j) & 1 ? `%${c.charCodeAt(0).toString(16)}` : c)).join('');
    const list = { type: 'array', items: [big] };
    const refs: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) refs[`r${i}`] = { $ref: `#/properties/${escaped(i)}` };
    for (let i = 8; i < 300; i++) refs[`r${i}`] = { $ref: `#/properties/list/items/${'0'.repeat(i - 7)}` };
    const schema = { type: 'object', properties: { big, list, ...refs } };
    const inputChars = JSON.stringify(schema).length;
    const out = localRefsInDefs(schema);
    assert.ok(JSON.stringify(out).length < 3 * inputChars, `output ${JSON.stringify(out).length} chars for ${inputChars} in`);
    // What it did move still checks arguments through the references.
    const v = z.fromJSONSchema(out as Parameters<typeof z.fromJSONSchema>[0]);
    assert.equal(v.safeParse({ r0: { field_1: 'a' } }).success, true);
    assert.equal(v.safeParse({ r0: { field_1: 1 } }).success, false);
  });

  it('moves at most a bounded number of references; the rest stay unresolved, so the schema is refused, not expanded', () => {
    // 2 000 distinct small targets: each is cheap, all together would still be work a request should not buy.
    const parts = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`p${i}`, { type: 'string' }]));
    const refs = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`r${i}`, { $ref: `#/properties/p${i}` }]));
    const out = localRefsInDefs({ type: 'object', properties: { ...parts, ...refs } });
    const defs = Object.keys((out.$defs ?? {}) as object);
    assert.ok(defs.length <= 200, `${defs.length} definitions`);
    assert.throws(() => z.fromJSONSchema(out as Parameters<typeof z.fromJSONSchema>[0]), /Reference not found/);
  });
});
