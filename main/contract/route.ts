/**
 * How a route table is written. One entry per HTTP route (method, full path, request and response) and one event
 * map per SSE stream; the express routers (main/control, main/oauth) and the renderer's one client are both typed
 * from these entries, so a path, a body or an event cannot drift between the two sides. Adding a route is one entry
 * in its area's table (`*-routes.ts`) plus its handler.
 *
 * Responses and events are zod schemas because the renderer validates what it parses at the edge. A request body or
 * query is a type ({@link shape}), optionally with a schema that documents it (the OpenAPI document,
 * main/contract/openapi.ts): the server validates its own input (with its own messages and codes). `summary` is the
 * entry's one-line description in that document. Imports zod only, so main, preload and renderer all compile it.
 */
import { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A type carried by a table entry for the compiler, and the schema that documents it (checked against the type). */
export interface Shape<T> {
  readonly __shape?: T;
  readonly schema?: z.ZodType<T>;
}
export function shape<T>(schema?: z.ZodType<T>): Shape<T> {
  return schema ? { schema } : {};
}

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;
/** `/api/keys/:id` → `{ id: string }`: what express hands a handler. */
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

export interface Route<M extends HttpMethod = HttpMethod, P extends string = string, Res = unknown, Body = unknown, Query = unknown, Params = unknown> {
  readonly kind: 'route';
  readonly method: M;
  /** Full path from the server's root, express style (`/api/keys/:id`). */
  readonly path: P;
  /** Validates a success answer (`z.undefined()` for a 204 without a body). */
  readonly response: z.ZodType<Res>;
  /** Statuses whose body is `response` (default: 200). Any other status is an error in the /api error shape. */
  readonly ok: readonly number[];
  readonly body: Shape<Body>;
  readonly query: Shape<Query>;
  /** Narrower than strings where the client should only build known values (`/api/gateway/:action`). */
  readonly params: Shape<Params>;
  readonly summary?: string;
}

/** A Server-Sent Events stream: `event:` is a key of `events`, `data:` the JSON its schema validates. */
export interface Stream<P extends string = string, Events extends EventMap = EventMap, Query = unknown> {
  readonly kind: 'stream';
  readonly method: 'GET';
  readonly path: P;
  readonly events: Events;
  readonly query: Shape<Query>;
  readonly summary?: string;
}

export type EventMap = Record<string, z.ZodType>;
/** What a stream's listener receives: one `{ event, data }` per event name, discriminated by `event`. */
export type StreamEvent<E extends EventMap> = { [K in keyof E & string]: { event: K; data: z.output<E[K]> } }[keyof E & string];
/** A server's typed writer for one stream. */
export type SendEvent<E extends EventMap> = <K extends keyof E & string>(event: K, data: z.output<E[K]>) => void;

export type AnyRoute = Route<HttpMethod, string, unknown, unknown, unknown, unknown>;
export type AnyStream = Stream<string, EventMap, unknown>;
export type ResponseOf<R> = R extends Route<HttpMethod, string, infer Res> ? Res : never;
export type BodyOf<R> = R extends Route<HttpMethod, string, unknown, infer B> ? B : never;
export type QueryOf<R> = R extends Route<HttpMethod, string, unknown, unknown, infer Q> ? Q : R extends Stream<string, EventMap, infer Q> ? Q : never;
export type EventsOf<S> = S extends Stream<string, infer E> ? E : never;

/** What a client passes to call a route: path params, body and query, each only where the route has them. */
export type RouteInput<R> =
  R extends Route<HttpMethod, infer P, unknown, infer B, infer Q, infer Params>
    ? ([ParamNames<P>] extends [never] ? object : { params: unknown extends Params ? PathParams<P> : Params }) &
        (undefined extends B ? { body?: B } : { body: B }) &
        (undefined extends Q ? { query?: Q } : { query: Q })
    : R extends Stream<infer P, EventMap, infer Q>
      ? ([ParamNames<P>] extends [never] ? object : { params: PathParams<P> }) & { query?: Q }
      : never;

interface RouteSpec<M extends HttpMethod, P extends string, Res, Body, Query, Params> {
  method: M;
  path: P;
  response: z.ZodType<Res>;
  ok?: readonly number[];
  body?: Shape<Body>;
  query?: Shape<Query>;
  params?: Shape<Params>;
  summary?: string;
}

/** A table entry. Unset body/query mean none (`undefined`); unset params are the path's strings. */
export function route<const M extends HttpMethod, const P extends string, Res, Body = undefined, Query = undefined, Params = unknown>(
  spec: RouteSpec<M, P, Res, Body, Query, Params>,
): Route<M, P, Res, Body, Query, Params> {
  const { method, path, response, ok = [200], body = {}, query = {}, params = {}, summary } = spec;
  return { kind: 'route', method, path, response, ok, body, query, params, ...(summary ? { summary } : {}) };
}

export function stream<const P extends string, E extends EventMap, Query = undefined>(spec: { path: P; events: E; query?: Shape<Query>; summary?: string }): Stream<P, E, Query> {
  const { path, events, query = {}, summary } = spec;
  return { kind: 'stream', method: 'GET', path, events, query, ...(summary ? { summary } : {}) };
}

/** The concrete path: `:name` segments filled (URL-encoded), the query appended (empty and undefined values left out). */
export function routeUrl(path: string, params?: object, query?: object): string {
  const values: Record<string, unknown> = { ...params };
  const filled = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`routeUrl(${path}): no value for :${name}`);
    return encodeURIComponent(String(v));
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${filled}?${s}` : filled;
}
