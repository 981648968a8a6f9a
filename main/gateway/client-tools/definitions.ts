import { BUILTIN_TOOL_NAMES } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { badRequest } from '../openai-errors.ts';
import { localRefsInDefs } from './local-refs.ts';

/**
 * The caller's own functions (`tools` of a chat completions request), validated and ready to become Claude's tools
 * for one run. A malformed definition is a 400 before anything starts: Claude must never see a tool it cannot call.
 */

/** A JSON Schema of type object, as the caller sent it (what the model is shown). */
export type JsonSchemaObject = Record<string, unknown>;

export interface ClientTool {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
  /** The same schema as zod fields: what the Agent SDK's tool() takes, and what arguments are checked against. */
  shape: z.ZodRawShape;
}

export type ToolChoice = { kind: 'auto' } | { kind: 'required' } | { kind: 'named'; name: string };

export interface ClientToolSet {
  /** Shared by every request that sent the same list (frozen): never changed. */
  tools: readonly ClientTool[];
  choice: ToolChoice;
  /** false: Claude is asked to call one function per turn (`parallel_tool_calls:false`). */
  parallel: boolean;
}

/** OpenAI's rule for function names; it also keeps `mcp__<server>__<name>` within the model API's limits. */
const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

const fnFields = {
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  parameters: z.unknown().optional(),
};
// Chat completions nests the function; the Responses API (and some clients on chat completions) send it flat.
const toolEntry = z.object({ type: z.string().optional(), function: z.object(fnFields).passthrough().optional(), ...fnFields }).passthrough();
const toolsField = z.array(toolEntry).max(128);
const choiceField = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).passthrough().optional(), name: z.string().optional() }).passthrough(),
]);

/** Names a client tool may not take: Claude Code's own tools and whatever the configuration names. */
export function reservedToolNames(configured: readonly string[]): Set<string> {
  // "Bash(git:*)" is a rule on Bash: the tool's name is what precedes the parenthesis.
  return new Set([...BUILTIN_TOOL_NAMES, ...configured.map((t) => t.replace(/\(.*$/, '').trim()).filter(Boolean)]);
}

/**
 * Shapes already converted, by their schema's JSON: clients send the same tools on every turn (OpenWebUI's 34 built-in
 * ones cost ≈ 5 ms of conversion per request). Zod schemas are immutable, so one shape serves every request.
 */
const shapes = new Map<string, z.ZodRawShape>();
const MAX_SHAPES = 2_000;

function toShape(schema: unknown, param: string): z.ZodRawShape {
  if (schema === undefined || schema === null) return {};
  if (typeof schema !== 'object' || Array.isArray(schema)) throw badRequest(`Invalid '${param}': a JSON Schema object is required.`, param, 'invalid_function_parameters');
  const key = JSON.stringify(schema);
  const known = shapes.get(key);
  if (known) return known;
  const shape = convertShape(schema as JsonSchemaObject, param);
  if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value ?? '');
  shapes.set(key, shape);
  return shape;
}

function convertShape(s: JsonSchemaObject, param: string): z.ZodRawShape {
  if (s.type !== undefined && s.type !== 'object') {
    throw badRequest(`Invalid '${param}': the parameters of a function must be a JSON Schema of type "object" (got ${JSON.stringify(s.type)}).`, param, 'invalid_function_parameters');
  }
  let converted: z.ZodType;
  try {
    converted = z.fromJSONSchema({ ...localRefsInDefs(s), type: 'object' });
  } catch (err) {
    throw badRequest(`Invalid '${param}': not a usable JSON Schema (${err instanceof Error ? err.message : String(err)}).`, param, 'invalid_function_parameters');
  }
  // Keys given by a pattern only (patternProperties): an object all the same; its arguments are not checked here.
  if (converted instanceof z.ZodRecord) return {};
  if (!(converted instanceof z.ZodObject)) throw badRequest(`Invalid '${param}': the schema does not describe an object.`, param, 'invalid_function_parameters');
  return converted.shape;
}

function parseChoice(raw: unknown, names: ReadonlySet<string>): ToolChoice | 'none' {
  if (raw === undefined || raw === null) return { kind: 'auto' };
  const r = choiceField.safeParse(raw);
  if (!r.success) throw badRequest(`Invalid 'tool_choice': use "none", "auto", "required" or {"type":"function","function":{"name":…}}.`, 'tool_choice');
  const c = r.data;
  if (c === 'none') return 'none';
  if (c === 'auto') return { kind: 'auto' };
  if (c === 'required') return { kind: 'required' };
  const name = c.function?.name ?? c.name;
  if (!name) throw badRequest(`Invalid 'tool_choice': a named choice needs function.name.`, 'tool_choice');
  if (!names.has(name)) throw badRequest(`Invalid 'tool_choice': no function named '${name}' in tools.`, 'tool_choice');
  return { kind: 'named', name };
}

/**
 * Tool lists already read, by their JSON, per reserved set: OpenWebUI (native function calling) and n8n send the same
 * list on every turn. A request then gets the same frozen ClientTool objects as the last one, so what is derived from
 * them (the model's view, the keys that compare tool sets) is reused too. Only lists that passed are kept.
 */
const lists = new WeakMap<ReadonlySet<string>, Map<string, readonly ClientTool[]>>();
const MAX_LISTS = 64;
/** A list longer than this (as JSON) is read again each time: the cache stays small. */
const MAX_LIST_CHARS = 200_000;

function readTools(raw: unknown, reserved: ReadonlySet<string>): readonly ClientTool[] {
  const key = JSON.stringify(raw);
  let known = lists.get(reserved);
  const hit = known?.get(key);
  if (hit) return hit;
  const tools = Object.freeze(validateTools(raw, reserved).map((t) => Object.freeze(t)));
  if (key.length > MAX_LIST_CHARS) return tools;
  if (!known) lists.set(reserved, (known = new Map()));
  if (known.size >= MAX_LISTS) known.delete(known.keys().next().value ?? '');
  known.set(key, tools);
  return tools;
}

function validateTools(raw: unknown, reserved: ReadonlySet<string>): ClientTool[] {
  const parsed = toolsField.safeParse(raw);
  if (!parsed.success) throw badRequest(`Invalid 'tools': an array of at most 128 function tools is required.`, 'tools');
  const tools: ClientTool[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of parsed.data.entries()) {
    const type = entry.type ?? 'function';
    if (type !== 'function') throw badRequest(`Invalid 'tools[${i}].type': only "function" tools are supported (got "${type}").`, `tools[${i}].type`);
    const fn = entry.function ?? entry;
    const at = entry.function ? `tools[${i}].function` : `tools[${i}]`;
    const name = fn.name;
    if (!name) throw badRequest(`Missing required parameter: '${at}.name'.`, `${at}.name`);
    if (!NAME_RE.test(name)) throw badRequest(`Invalid '${at}.name': '${name}' must be 1-64 letters, digits, underscores or dashes.`, `${at}.name`);
    if (seen.has(name)) throw badRequest(`Invalid 'tools': the function name '${name}' is used twice.`, `${at}.name`);
    if (reserved.has(name)) throw badRequest(`Invalid '${at}.name': '${name}' is the name of one of Claude Code's own tools; rename the function.`, `${at}.name`);
    seen.add(name);
    const shape = toShape(fn.parameters, `${at}.parameters`);
    const parameters = fn.parameters && typeof fn.parameters === 'object' ? (fn.parameters as JsonSchemaObject) : { type: 'object', properties: {} };
    tools.push({ name, description: fn.description ?? '', parameters, shape });
  }
  return tools;
}

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` of a request → the set to expose, or null when nothing is exposed
 * (no tools, or tool_choice "none"). Throws a 400 naming the offending field.
 */
export function parseClientTools(body: { tools?: unknown; tool_choice?: unknown; parallel_tool_calls?: unknown }, reserved: ReadonlySet<string>): ClientToolSet | null {
  if (body.tools === undefined || body.tools === null) return null;
  const tools = readTools(body.tools, reserved);
  const choice = parseChoice(body.tool_choice, new Set(tools.map((t) => t.name)));
  if (choice === 'none' || tools.length === 0) return null;
  return { tools, choice, parallel: body.parallel_tool_calls !== false };
}
