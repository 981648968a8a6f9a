/**
 * zod's `fromJSONSchema` resolves only `#/$defs/…` references, while callers' schemas also use `#/definitions/…`
 * (draft-07, pydantic v1) and JSON pointers into the schema itself (`#/properties/a`: zod-to-json-schema writes those
 * for a reused part, so LangChain and MCP tools carry them). This moves what every other local reference points at
 * into `$defs` and points the reference there. The caller's own schema, which the model is shown, is not changed.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value a local JSON pointer (`#/a/b~1c/0`) names in `root`, or undefined. */
function resolvePointer(root: unknown, ref: string): unknown {
  const path = ref.slice(1);
  if (path === '') return root;
  if (!path.startsWith('/')) return undefined; // an anchor (`#name`), not a pointer
  let at: unknown = root;
  for (const raw of path.slice(1).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined; // a malformed %-escape
    }
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObject(at)) at = Object.hasOwn(at, key) ? at[key] : undefined;
    else return undefined;
  }
  return at;
}

/**
 * Bounds on what a request's schema can make this copy (the schema is the caller's, so possibly hostile): the
 * references moved, and the characters copied for them against the schema's own size. A reference past either
 * bound is left as it is, and zod refuses the schema (a 400), rather than the gateway expanding it.
 */
const MAX_MOVED = 200;
const MAX_COPIED_PER_CHAR = 2;

/** `schema`, or a copy whose local references all point into `$defs` (one that resolves to nothing is left as it is). */
export function localRefsInDefs(schema: Json): Json {
  const text = JSON.stringify(schema);
  if (!text.includes('"$ref"')) return schema;
  let budget = MAX_COPIED_PER_CHAR * text.length;
  const out = structuredClone(schema);
  // The same object as out.$defs (so the ones already there are walked with the rest); each one added is walked too.
  const defs: Json = isObject(out.$defs) ? out.$defs : {};
  out.$defs = defs;
  // By what a reference points at, not how it is written: many spellings of one pointer share one definition.
  const names = new Map<unknown, string>();
  const pending: unknown[] = [out];
  while (pending.length) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    if (!isObject(node)) continue;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#') && !ref.startsWith('#/$defs/')) {
      const target = resolvePointer(schema, ref);
      let name = target === undefined ? undefined : names.get(target);
      if (target !== undefined && name === undefined && names.size < MAX_MOVED) {
        const size = JSON.stringify(target)?.length ?? 0;
        if (size <= budget) {
          budget -= size;
          name = `ref_${names.size}`;
          while (Object.hasOwn(defs, name)) name = `_${name}`;
          names.set(target, name);
          const copy = structuredClone(target);
          defs[name] = copy;
          pending.push(copy);
        }
      }
      if (name !== undefined) node.$ref = `#/$defs/${name}`;
    }
    pending.push(...Object.values(node));
  }
  return names.size ? out : schema;
}
