/**
 * Express handlers registered from route-table entries (main/contract/*-routes.ts): the entry gives the method and
 * path, and types the handler's path params and the body `res.json` may send, so a router cannot answer a shape
 * the renderer's client would refuse, nor serve a path the table does not name.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { EventMap, HttpMethod, PathParams, Route, SendEvent, Stream } from '../contract/route.ts';
import type { SseWriter } from '../gateway/sse.ts';

export type RouteHandler<P extends string, Res> = RequestHandler<PathParams<P>, Res>;
export type StreamHandler<P extends string> = (req: Request<PathParams<P>>, res: Response) => void;

const METHOD = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const satisfies Record<HttpMethod, string>;

/**
 * The entries under `base` served by `router` (mounted at `base`): `handle(entry, …handlers)` registers them at the
 * entry's path relative to the mount. A path outside `base` does not compile, and throws if built at run time.
 */
export function routesAt<const Base extends string>(router: Router, base: Base) {
  const relative = (path: string): string => {
    if (!path.startsWith(base)) throw new Error(`${path} is not under ${base}`);
    return path.slice(base.length) || '/';
  };
  return {
    handle<M extends HttpMethod, P extends `${Base}${string}`, Res, B, Q, Params>(route: Route<M, P, Res, B, Q, Params>, ...handlers: Array<RouteHandler<P, Res>>): void {
      router[METHOD[route.method]]<string, PathParams<P>, Res>(relative(route.path), ...handlers);
    },
    stream<P extends `${Base}${string}`, E extends EventMap, Q>(stream: Stream<P, E, Q>, handler: StreamHandler<P>): void {
      router.get<string, PathParams<P>>(relative(stream.path), handler);
    },
  };
}

/** The one SSE writer (main/gateway/sse.ts) typed by a stream's event map: only its events, each with its data. */
export function eventSender<E extends EventMap>(sse: SseWriter, _stream: Stream<string, E, unknown>): SendEvent<E> {
  return (event, data) => sse.event(event, data);
}
