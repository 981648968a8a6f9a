import { controlErrorSchema } from '../../../main/contract/control-routes.ts';
import { routeUrl, type HttpMethod, type Route, type RouteInput } from '../../../main/contract/route.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status, 0 when the control API could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Array<{ key: string; message: string }> = [],
  ) {
    super(message);
  }
  get unreachable(): boolean {
    return this.status === 0;
  }
}

/** The input argument of a call: optional when the route needs neither params nor a body. */
export type CallArgs<R> = object extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The concrete path of a route or stream for a call's input (its `params` and `query`). */
export function urlFor(path: string, input: unknown): string {
  const fields = isRecord(input) ? input : {};
  return routeUrl(path, isRecord(fields.params) ? fields.params : undefined, isRecord(fields.query) ? fields.query : undefined);
}

/** The first problem zod found, for a message people can act on (`gateway.state: Invalid option…`). */
function firstIssue(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const i = issues[0];
  return i ? `${i.path.map(String).join('.') || '(body)'}: ${i.message}` : 'unreadable';
}

/**
 * The dashboard's one client of the gateway's /api routes (control API, /api/mcp, /api/docker, /api/claude-auth):
 * each call names an entry of a route table in main/contract/*-routes.ts, which types its input and its answer.
 * Answers are validated at the edge with the entry's schema; anything else — an error status, an unexpected body,
 * no connection — is an ApiError.
 */
export class ControlClient {
  constructor(readonly baseUrl: string, readonly token: string) {}

  /** Calls a route; resolves with the answer's status (one of the route's `ok` statuses) and its validated body. */
  async send<M extends HttpMethod, P extends string, Res, B, Q, Params>(
    route: Route<M, P, Res, B, Q, Params>,
    ...[input]: CallArgs<Route<M, P, Res, B, Q, Params>>
  ): Promise<{ status: number; body: Res }> {
    const given: unknown = input;
    const res = await this.fetch(urlFor(route.path, given), { method: route.method, body: isRecord(given) ? given.body : undefined });
    const text = await res.text();
    let parsed: unknown;
    let readable = true;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      readable = false;
    }
    if (!route.ok.includes(res.status)) {
      const e = controlErrorSchema.safeParse(parsed);
      if (e.success) throw new ApiError(res.status, e.data.error.code, e.data.error.message, e.data.error.issues ?? []);
      throw new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText || `HTTP ${res.status}`);
    }
    const body = route.response.safeParse(parsed);
    if (!body.success) {
      // A status a route answers with may also carry the /api error shape (the local runtime's 409 on /api/docker).
      const e = controlErrorSchema.safeParse(parsed);
      if (e.success) throw new ApiError(res.status, e.data.error.code, e.data.error.message, e.data.error.issues ?? []);
    }
    if (!readable || !body.success) {
      const why = readable && !body.success ? firstIssue(body.error.issues) : 'not JSON';
      throw new ApiError(res.status, 'invalid_response', `${route.method} ${route.path} answered an unexpected body (${why}).`);
    }
    return { status: res.status, body: body.data };
  }

  /** Calls a route; resolves with its validated body. */
  async call<M extends HttpMethod, P extends string, Res, B, Q, Params>(
    route: Route<M, P, Res, B, Q, Params>,
    ...args: CallArgs<Route<M, P, Res, B, Q, Params>>
  ): Promise<Res> {
    return (await this.send(route, ...args)).body;
  }

  /** A request with the admin token; a network failure becomes ApiError(0). Streams use it too. */
  async fetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const hasBody = init.body !== undefined;
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${this.token}`, ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
        body: hasBody ? JSON.stringify(init.body) : undefined,
        signal: init.signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiError(0, 'unreachable', `Cannot reach the control API at ${this.baseUrl} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}
