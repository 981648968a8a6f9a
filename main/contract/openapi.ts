/**
 * The control API (`/api`) as an OpenAPI 3.1 document, built from the route tables (main/contract/*-routes.ts) and
 * their zod schemas. Served at GET /api/openapi.json and written to docs/control-api.json by `npm run docs`; a new
 * area's tables are added to API_TABLES (tests/contract/openapi.test.ts fails while one is missing).
 */
import { z } from 'zod';
import { APPROVAL_ROUTES, APPROVAL_STREAMS } from './approvals-routes.ts';
import { CLAUDE_AUTH_ROUTES, CLAUDE_AUTH_STREAMS } from './claude-auth-routes.ts';
import { CONTROL_ROUTES, CONTROL_STREAMS, controlErrorSchema } from './control-routes.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from './docker-routes.ts';
import { MCP_ROUTES, MCP_STREAMS } from './mcp-routes.ts';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from './projects-routes.ts';
import type { AnyRoute, AnyStream } from './route.ts';

type Table = Readonly<Record<string, AnyRoute | AnyStream>>;

/** Every route table, named (the name prefixes each operationId). */
export const API_TABLES: Readonly<Record<string, Table>> = {
  control: CONTROL_ROUTES,
  controlStreams: CONTROL_STREAMS,
  projects: PROJECT_ROUTES,
  workspaces: WORKSPACE_ROUTES,
  approvals: APPROVAL_ROUTES,
  approvalStreams: APPROVAL_STREAMS,
  mcp: MCP_ROUTES,
  mcpStreams: MCP_STREAMS,
  docker: DOCKER_ROUTES,
  dockerStreams: DOCKER_STREAMS,
  claudeAuth: CLAUDE_AUTH_ROUTES,
  claudeAuthStreams: CLAUDE_AUTH_STREAMS,
};

/** One line per area, by the path segment after /api (the document's tags). */
export const API_AREAS: Readonly<Record<string, string>> = {
  info: 'The app, its version, the gateway state',
  transcripts: 'Stored runs: list, one run with its events, end a run waiting for client tool results',
  stream: 'Live transcripts (SSE, resumable)',
  health: 'Components, live runs and request metrics',
  gateway: 'Start, stop or restart /v1',
  config: 'The running configuration; save the settings the dashboard edits',
  keys: 'API keys for /v1 created in the dashboard',
  logs: "The app's own log file",
  projects: 'Projects: a name, a folder and a policy',
  workspaces: 'Chat workspaces and their pins',
  approvals: 'Tool calls waiting for a decision; "always allow" grants',
  mcp: 'MCP servers, their OAuth sign-ins and the callback listener',
  docker: 'The docker runtime: status, up/down/restart/rebuild, build progress, container logs',
  'claude-auth': "Claude Code's own sign-in: status, saved key or token, subscription login",
  'openapi.json': 'This document',
};

export function areaOf(path: string): string {
  return path.split('/')[2] ?? '';
}

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

/**
 * Turns the zod schemas of one document into JSON Schema 2020-12 (what OpenAPI 3.1 uses) in one pass per direction,
 * so a schema used by several calls (a transcript event, a project) is written once, in components.schemas, and
 * referenced. `ref()` hands back an object that `finish()` fills in.
 */
class SchemaSet {
  private readonly items: Array<{ schema: z.ZodType; io: Io; target: Json }> = [];
  readonly components: Record<string, Json> = {};

  ref(schema: z.ZodType, io: Io = 'output'): Json {
    const target: Json = {};
    this.items.push({ schema, io, target });
    return target;
  }

  finish(): void {
    for (const io of ['output', 'input'] as const) {
      const items = this.items.filter((i) => i.io === io);
      if (!items.length) continue;
      const all = z.object(Object.fromEntries(items.map((item, n) => [`s${n}`, item.schema])));
      const js = z.toJSONSchema(all, { target: 'draft-2020-12', unrepresentable: 'any', io, reused: 'ref' }) as { properties: Record<string, Json>; $defs?: Record<string, Json> };
      // Small shared pieces (a nullable string) read better inline; the rest become components, numbered in order.
      const defs = js.$defs ?? {};
      const names = new Map<string, string>();
      const prefix = io === 'input' ? 'Input' : 'Shared';
      const resolve = (node: unknown): unknown => {
        if (Array.isArray(node)) return node.map(resolve);
        if (!node || typeof node !== 'object') return node;
        const ref = (node as Json).$ref;
        if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
          const key = ref.slice('#/$defs/'.length);
          const def = defs[key];
          if (def && JSON.stringify(def).length < 120) return resolve(def);
          let name = names.get(key);
          if (!name) {
            name = `${prefix}${names.size + 1}`;
            names.set(key, name);
            this.components[name] = resolve(def) as Json;
          }
          return { $ref: `#/components/schemas/${name}` };
        }
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
      };
      items.forEach((item, n) => Object.assign(item.target, resolve(js.properties[`s${n}`])));
    }
  }
}

const withoutDialect = (js: object): Json => Object.fromEntries(Object.entries(js).filter(([k]) => k !== '$schema'));

const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function pathParameters(entry: AnyRoute | AnyStream): Json[] {
  const names = [...entry.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const documented = entry.kind === 'route' ? entry.params.schema : undefined;
  const props = documented instanceof z.ZodObject ? (documented.shape as Record<string, z.ZodType>) : {};
  return names.map((name) => ({ name, in: 'path', required: true, schema: props[name] ? withoutDialect(z.toJSONSchema(props[name], { io: 'input' })) : { type: 'string' } }));
}

function queryParameters(entry: AnyRoute | AnyStream): Json[] {
  let schema: z.ZodType | undefined = entry.query.schema;
  if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { $schema: _s, description, ...rest } = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as Json;
    return { name, in: 'query', required: !field.safeParse(undefined).success, schema: rest, ...(description ? { description } : {}) };
  });
}

const errorResponse = { description: 'An error in the /api error shape', content: { 'application/json': { schema: { $ref: '#/components/schemas/ControlError' } } } };

function routeOperation(id: string, r: AnyRoute, schemas: SchemaSet): Json {
  const responses: Json = {};
  for (const status of r.ok) {
    responses[String(status)] =
      r.response instanceof z.ZodUndefined ? { description: 'No content' } : { description: 'Success', content: { 'application/json': { schema: schemas.ref(r.response) } } };
  }
  responses.default = errorResponse;
  const params = [...pathParameters(r), ...queryParameters(r)];
  const body = r.body.schema;
  return {
    operationId: id,
    tags: [areaOf(r.path)],
    ...(r.summary ? { summary: r.summary } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: { required: !body.safeParse(undefined).success, content: { 'application/json': { schema: schemas.ref(body, 'input') } } } } : {}),
    responses,
  };
}

function streamOperation(id: string, s: AnyStream, schemas: SchemaSet): Json {
  const events = Object.entries(s.events).map(([name, schema]) => ({
    type: 'object',
    title: name,
    properties: { event: { const: name }, data: schemas.ref(schema) },
    required: ['event', 'data'],
  }));
  const params = [...pathParameters(s), ...queryParameters(s)];
  return {
    operationId: id,
    tags: [areaOf(s.path)],
    ...(s.summary ? { summary: s.summary } : {}),
    ...(params.length ? { parameters: params } : {}),
    responses: {
      '200': {
        description: `Server-Sent Events: each event's \`event:\` is one of ${Object.keys(s.events).join(', ')}; its \`data:\` the JSON shown under that name. Keep-alive comments while quiet.`,
        content: { 'text/event-stream': { schema: { oneOf: events } } },
      },
      default: errorResponse,
    },
  };
}

export function controlApiDocument(version: string): Json {
  const schemas = new SchemaSet();
  const paths: Record<string, Record<string, Json>> = {};
  for (const [tableName, table] of Object.entries(API_TABLES)) {
    for (const [key, entry] of Object.entries(table)) {
      const id = `${tableName}.${key}`;
      const item = (paths[openApiPath(entry.path)] ??= {});
      item[entry.method.toLowerCase()] = entry.kind === 'route' ? routeOperation(id, entry, schemas) : streamOperation(id, entry, schemas);
    }
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  const errorSchema = schemas.ref(controlErrorSchema);
  schemas.finish();
  const used = new Set(Object.keys(sorted).map((p) => areaOf(p)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Claude Code Gateway control API',
      version,
      description:
        "The dashboard's API under /api on the gateway's port. Every call needs `Authorization: Bearer <admin token>` (DATA_DIR/admin-token) and is answered only for this machine (loopback client, loopback Host, loopback or no Origin). Errors: `{\"error\":{\"code\",\"message\",\"issues\"?}}`. The OpenAI-compatible /v1 is not part of this document.",
    },
    tags: Object.entries(API_AREAS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    security: [{ adminToken: [] }],
    paths: sorted,
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token from DATA_DIR/admin-token' } },
      schemas: { ControlError: errorSchema, ...schemas.components },
    },
  };
}
