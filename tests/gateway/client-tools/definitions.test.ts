import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseClientTools, reservedToolNames } from '../../../main/gateway/client-tools/definitions.ts';
import { GatewayError } from '../../../main/gateway/openai-errors.ts';
import { turnTools } from '../../../main/gateway/client-tools/bridge.ts';
import { toolSetKey } from '../../../main/claude/client-tool-endpoint.ts';
import { OPENWEBUI_TOOLS } from '../../fixtures/openwebui-tools.ts';

const reserved = reservedToolNames(['Bash', 'LS', 'Bash(git:*)', 'mcp__github']);
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } } };

function rejects(body: Record<string, unknown>, message: RegExp, param?: string): void {
  assert.throws(() => parseClientTools(body, reserved), (err: unknown) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 400);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.message, message);
    if (param) assert.equal(err.param, param);
    return true;
  });
}

describe('client tool definitions', () => {
  it('reads chat completions tools: name, description, the schema as sent and as zod fields', () => {
    const set = parseClientTools({ tools: [weather] }, reserved);
    assert.ok(set);
    assert.equal(set.tools.length, 1);
    const t = set.tools[0];
    assert.equal(t.name, 'get_weather');
    assert.equal(t.description, 'Weather of a city');
    assert.deepEqual(t.parameters, weather.function.parameters);
    const json = z.toJSONSchema(z.object(t.shape)) as { properties: Record<string, unknown>; required?: string[] };
    assert.deepEqual(Object.keys(json.properties), ['city', 'unit']);
    assert.deepEqual(json.required, ['city']);
    assert.deepEqual(set.choice, { kind: 'auto' });
    assert.equal(set.parallel, true);
  });

  it('accepts the flat Responses shape and a function without parameters', () => {
    const set = parseClientTools({ tools: [{ type: 'function', name: 'calculator', description: 'math', parameters: { type: 'object', properties: { input: { type: 'string' } } }, strict: false }, { type: 'function', function: { name: 'now' } }] }, reserved);
    assert.deepEqual(set?.tools.map((t) => t.name), ['calculator', 'now']);
    assert.deepEqual(Object.keys(set?.tools[1].shape ?? { x: 1 }), []);
  });

  it('exposes nothing without tools or with tool_choice "none"', () => {
    assert.equal(parseClientTools({}, reserved), null);
    assert.equal(parseClientTools({ tools: null }, reserved), null);
    assert.equal(parseClientTools({ tools: [] }, reserved), null);
    assert.equal(parseClientTools({ tools: [weather], tool_choice: 'none' }, reserved), null);
  });

  it('reads tool_choice and parallel_tool_calls', () => {
    assert.deepEqual(parseClientTools({ tools: [weather], tool_choice: 'required' }, reserved)?.choice, { kind: 'required' });
    assert.deepEqual(parseClientTools({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, reserved)?.choice, { kind: 'named', name: 'get_weather' });
    assert.deepEqual(parseClientTools({ tools: [weather], tool_choice: { type: 'function', name: 'get_weather' } }, reserved)?.choice, { kind: 'named', name: 'get_weather' });
    assert.equal(parseClientTools({ tools: [weather], parallel_tool_calls: false }, reserved)?.parallel, false);
  });

  it('refuses malformed tools with a 400 naming the field', () => {
    rejects({ tools: [{ type: 'function', function: { description: 'no name' } }] }, /Missing required parameter: 'tools\[0\]\.function\.name'/, 'tools[0].function.name');
    rejects({ tools: [{ type: 'function', function: { name: 'get weather!' } }] }, /must be 1-64 letters/, 'tools[0].function.name');
    rejects({ tools: [{ type: 'function', function: { name: 'x'.repeat(65) } }] }, /must be 1-64 letters/);
    rejects({ tools: [weather, weather] }, /used twice/);
    rejects({ tools: [{ type: 'function', function: { name: 'Bash' } }] }, /one of Claude Code's own tools/);
    rejects({ tools: [{ type: 'function', function: { name: 'Read' } }] }, /one of Claude Code's own tools/);
    rejects({ tools: [{ type: 'function', function: { name: 'LS' } }] }, /one of Claude Code's own tools/);
    rejects({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }, /of type "object"/, 'tools[0].function.parameters');
    rejects({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'strng' } } } } }] }, /not a usable JSON Schema/);
    rejects({ tools: [{ type: 'function', function: { name: 'f', parameters: [1] } }] }, /JSON Schema object is required/);
    rejects({ tools: [{ type: 'custom', custom: { name: 'f' } }] }, /only "function" tools/);
    rejects({ tools: 'get_weather' }, /Invalid 'tools'/, 'tools');
    rejects({ tools: [weather], tool_choice: { type: 'function', function: { name: 'other' } } }, /no function named 'other'/, 'tool_choice');
    rejects({ tools: [weather], tool_choice: 'always' }, /Invalid 'tool_choice'/, 'tool_choice');
  });

  it('reads a list sent again (every OpenWebUI turn) once: the same frozen tools, while choice and parallel stay per request', () => {
    // Each request's body is parsed anew from its JSON, as express does.
    const body = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...JSON.parse(JSON.stringify({ tools: OPENWEBUI_TOOLS })), ...extra });
    const a = parseClientTools(body(), reserved);
    const b = parseClientTools(body({ tool_choice: 'required', parallel_tool_calls: false }), reserved);
    assert.ok(a && b);
    assert.equal(b.tools, a.tools);
    assert.ok(Object.isFrozen(a.tools) && a.tools.every((t) => Object.isFrozen(t)));
    assert.deepEqual([a.choice, a.parallel], [{ kind: 'auto' }, true]);
    assert.deepEqual([b.choice, b.parallel], [{ kind: 'required' }, false]);
    // What the process compares is derived once per list too.
    assert.equal(turnTools(b), turnTools(a));
    assert.equal(toolSetKey(turnTools(b)), toolSetKey(turnTools(a)));
    // A changed definition is another list; a list that failed is refused again, not remembered.
    const changed = JSON.parse(JSON.stringify(OPENWEBUI_TOOLS)) as typeof OPENWEBUI_TOOLS;
    const first = changed[0];
    if (first.type === 'function') first.function.description = 'changed';
    const c = parseClientTools({ tools: changed }, reserved);
    assert.notEqual(c?.tools, a.tools);
    assert.equal(c?.tools[0].description, 'changed');
    for (let i = 0; i < 2; i++) rejects({ tools: [weather, weather] }, /used twice/);
  });

  it('keeps the lists it has read for one reserved set apart from another\'s', () => {
    const other = reservedToolNames(['get_weather']);
    assert.ok(parseClientTools({ tools: [weather] }, reserved));
    assert.throws(() => parseClientTools({ tools: [weather] }, other), /one of Claude Code's own tools/);
  });

  it("accepts schemas other generators write: #/definitions/… and pointer refs (MCP and LangChain tools), keys by pattern only", () => {
    const point = { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] };
    const viaDefinitions = { type: 'function', function: { name: 'move', parameters: { type: 'object', definitions: { P: point }, properties: { to: { $ref: '#/definitions/P' } }, required: ['to'] } } };
    const viaPointer = { type: 'function', function: { name: 'line', parameters: { type: 'object', properties: { from: point, to: { $ref: '#/properties/from' } } } } };
    const byPattern = { type: 'function', function: { name: 'tags', parameters: { type: 'object', patternProperties: { '^t_': { type: 'string' } } } } };
    const set = parseClientTools({ tools: [viaDefinitions, viaPointer, byPattern] }, reserved);
    assert.deepEqual(set?.tools.map((t) => t.name), ['move', 'line', 'tags']);
    // The model is shown the schema as sent; arguments are checked through the references.
    assert.deepEqual(set?.tools[0].parameters, viaDefinitions.function.parameters);
    const move = z.object(set?.tools[0].shape ?? {});
    assert.equal(move.safeParse({ to: { x: 1 } }).success, true);
    assert.equal(move.safeParse({ to: { x: 'one' } }).success, false);
    assert.equal(z.object(set?.tools[1].shape ?? {}).safeParse({ to: { x: 'one' } }).success, false);
    assert.equal(z.object(set?.tools[2].shape ?? {}).safeParse({ t_a: 'x' }).success, true);
    rejects({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { $ref: '#/definitions/Nope' } } } } }] }, /not a usable JSON Schema \(Reference not found/);
  });
});
