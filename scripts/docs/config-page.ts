/**
 * docs/configuration.md's reference table, rendered from the config schema (main/config/schema.ts): each key's type,
 * default, description (its `.describe()`) and where it can be set. Machine-dependent defaults (a home folder, free
 * memory) are written from the key's `defaultText` meta so the page is the same on every machine.
 */
import { z } from 'zod';
import { EDITABLE_CONFIG_KEYS } from '../../main/contract/control-api.ts';
import { configSchema } from '../../main/config/schema.ts';

export interface ConfigKeyDoc {
  key: string;
  type: string;
  default: string;
  description: string | undefined;
  setIn: string;
}

type JsonSchema = { type?: string; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[]; items?: JsonSchema; minimum?: number; maximum?: number; pattern?: string };

const code = (s: string): string => `\`${s.replace(/\|/g, '\\|')}\``;

/** A short type for a table cell, from the input side of the key's schema (what env and file accept). */
export function typeText(js: JsonSchema): string {
  if (js.enum) return js.enum.map((v) => code(String(v))).join(' \\| ');
  if (js.const !== undefined) return js.const === '' ? 'empty' : code(String(js.const));
  if (js.anyOf) {
    const kinds = js.anyOf.map((s) => s.type);
    if (kinds.includes('boolean')) return 'boolean';
    if (kinds.includes('string') && kinds.includes('array')) return 'list (comma-separated, or a JSON array in the file)';
    return js.anyOf.map(typeText).join(' or ');
  }
  if (js.type === 'integer' || js.type === 'number') {
    const range = js.minimum !== undefined && js.maximum !== undefined ? ` ${js.minimum}–${js.maximum}` : '';
    return `${js.type}${range}`;
  }
  if (js.type === 'array') return js.items?.type === 'object' ? 'JSON array of objects' : 'JSON array';
  return js.type ?? 'any';
}

function defaultText(value: unknown): string {
  if (value === '' || (Array.isArray(value) && value.length === 0)) return '(empty)';
  if (Array.isArray(value)) return code(value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(','));
  return code(String(value));
}

/** The schemas a key is made of, outside in: through defaults, optionals and transforms to the schema they wrap. */
function layers(schema: z.ZodType): z.ZodType[] {
  const out: z.ZodType[] = [];
  for (let s: z.ZodType | undefined = schema; s; ) {
    out.push(s);
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else s = undefined;
  }
  return out;
}

/** The key's description, also when `.describe()` was written before `.default()` or a transform (on an inner schema). */
export function descriptionOf(schema: z.ZodType): string | undefined {
  return layers(schema).find((s) => s.description)?.description;
}

/** The `defaultText` meta (what the docs say the default is, when it depends on the machine), wherever it sits. */
export function defaultTextOf(schema: z.ZodType): string | undefined {
  for (const s of layers(schema)) {
    const text = z.globalRegistry.get(s)?.defaultText;
    if (typeof text === 'string') return text;
  }
  return undefined;
}

export function configKeyDocs(): ConfigKeyDoc[] {
  const editable = new Set<string>(EDITABLE_CONFIG_KEYS);
  return Object.entries(configSchema.shape).map(([key, field]) => {
    const schema = field as z.ZodType;
    const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const fixed = defaultTextOf(schema);
    return {
      key,
      type: typeText(js),
      default: fixed !== undefined ? cell(fixed) : defaultText(schema.parse(undefined)),
      description: descriptionOf(schema),
      setIn: editable.has(key) ? 'env, file, dashboard' : 'env, file',
    };
  });
}

/** Plain text in a table cell: nothing in it may read as markup (`<model>`, `mcp__x`, `*.org`, a `|`). */
const cell = (s: string): string => s.replace(/[\\`*_|[\]]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/\n/g, ' ');

/** The generated part of docs/configuration.md (between its markers). */
export function renderConfigTable(): string {
  const rows = configKeyDocs().map((d) => `| \`${d.key}\` | ${d.type} | ${d.default} | ${d.setIn} | ${cell(d.description ?? '')} |`);
  return ['| key | type | default | set in | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}
