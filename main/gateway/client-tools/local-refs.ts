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

/** `schema`, or a copy whose local references all point into `$defs` (one that resolves to nothing is left as it is). */
export function localRefsInDefs(schema: Json): Json {
  if (!JSON.stringify(schema).includes('"$ref"')) return schema;
  const out = structuredClone(schema);
  // The same object as out.$defs (so the ones already there are walked with the rest); each one added is walked too.
  const defs: Json = isObject(out.$defs) ? out.$defs : {};
  out.$defs = defs;
  const names = new Map<string, string>();
  const pending: unknown[] = [out];
  while (pending.length) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    if (!isObject(node)) continue;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#') && !ref.startsWith('#/$defs/')) {
      let name = names.get(ref);
      if (name === undefined) {
        const target = resolvePointer(schema, ref);
        if (target !== undefined) {
          name = `ref_${names.size}`;
          while (Object.hasOwn(defs, name)) name = `_${name}`;
          names.set(ref, name);
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
