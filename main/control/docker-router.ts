/**
 * `/api/docker`: the dashboard's controls of the Docker runtime's compose project (status, up/down/restart/rebuild,
 * live logs). Contract: main/contract/docker-api.ts. No auth of its own: mount it behind the control API's guard.
 *
 * A thin HTTP view over the shared ComposeOperations (main/compose/operations.ts): actions answer 202 and report on
 * SSE, one at a time with whatever the tray started, cancellable. A page that closes neither cancels nor leaks
 * anything: SSE subscribers and log streams end with their request.
 */
import express, { type Router } from 'express';
import { ComposeBusyError, ComposeError, ComposeOperations, type ComposeManager, type ComposeProblem, type ComposeStatus } from '../compose/index.ts';
import { DOCKER_ACTIONS, type DockerAction, type DockerStatusResponse } from '../contract/docker-api.ts';
import { DOCKER_ROUTES, DOCKER_STREAMS } from '../contract/docker-routes.ts';
import type { SendEvent } from '../contract/route.ts';
import { DEFAULT_KEEPALIVE_MS, SseWriter } from '../gateway/sse.ts';
import { sendControlError } from './guard.ts';
import { eventSender, routesAt } from './typed-routes.ts';

type DockerEvents = typeof DOCKER_STREAMS.events.events;
const isAction = (a: string): a is DockerAction => DOCKER_ACTIONS.some((x) => x === a);

export interface DockerRouterDeps {
  compose: ComposeManager;
  /** The operations the tray shares (built over `compose`); default: the router's own. */
  operations?: ComposeOperations;
  /** The active Claude runtime kind ('local' | 'docker'). */
  runtime: () => string;
  /** Reads the status (services.refreshCompose keeps the health view in step); default compose.status(). */
  readStatus?: () => Promise<ComposeStatus>;
  /** How often /events re-reads the status while someone listens (default 5 s; 1 s during an operation). */
  pollMs?: number;
  /**
   * The health monitor's readings (the composition root passes it): /events then follows the monitor's one poll
   * instead of polling on its own.
   */
  watch?: { current(): ComposeStatus | null; onChange(cb: () => void): void };
  /** Keep-alive interval of its streams (SSE_KEEPALIVE_S; default 5 s). */
  keepAliveMs?: number;
  /** Deadline of a status read answered to GET /status (default 15 s). */
  statusTimeoutMs?: number;
}

function asProblem(err: unknown, fallbackFix: string): ComposeProblem {
  if (err instanceof ComposeError) return err.toProblem();
  return { code: 'failed', reason: err instanceof Error ? err.message : String(err), fix: fallbackFix };
}

export function dockerRouter(deps: DockerRouterDeps): Router {
  const { compose } = deps;
  const ops = deps.operations ?? new ComposeOperations(compose);
  const statusTimeoutMs = deps.statusTimeoutMs ?? 15_000;
  const readStatus = deps.readStatus ?? (() => compose.status({ timeoutMs: statusTimeoutMs }));
  const pollMs = deps.pollMs ?? 5_000;
  const keepAliveMs = deps.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
  const r = express.Router();
  const api = routesAt(r, '/api/docker');

  let last: ComposeStatus | null = null;
  let reading: Promise<ComposeStatus> | null = null;
  const subscribers = new Set<SendEvent<DockerEvents>>();
  let poller: NodeJS.Timeout | null = null;

  const commands = (): DockerStatusResponse['commands'] => ({
    up: compose.commandLine('up', '-d'),
    down: compose.commandLine('down'),
    logs: compose.commandLine('logs', '-f', compose.service),
    ps: compose.commandLine('ps'),
  });
  const body = (status: ComposeStatus): DockerStatusResponse => ({ status, runtime: deps.runtime(), operation: ops.current(), commands: commands() });
  const broadcast: SendEvent<DockerEvents> = (event, data) => {
    for (const s of subscribers) s(event, data);
  };

  /** One read at a time: concurrent callers (several tabs, the poller) share it. */
  function refresh(): Promise<ComposeStatus> {
    reading ??= readStatus()
      .then((st) => {
        last = st;
        broadcast('status', body(st));
        return st;
      })
      .finally(() => {
        reading = null;
      });
    return reading;
  }

  const watch = deps.watch;
  watch?.onChange(() => {
    const st = watch.current();
    if (st && st !== last && subscribers.size) {
      last = st;
      broadcast('status', body(st));
    }
  });

  function schedulePoll(): void {
    if (poller) clearTimeout(poller);
    poller = null;
    if (!subscribers.size || watch) return;
    poller = setTimeout(() => {
      void refresh().catch(() => undefined).finally(schedulePoll);
    }, ops.busy() ? Math.min(1_000, pollMs) : pollMs);
    poller.unref();
  }

  // Operations live as long as the services, like this router: one subscription each, never removed.
  ops.on('operation', (op) => {
    broadcast('operation', op);
    if (op.state === 'running') schedulePoll();
    else void refresh().catch(() => undefined);
  });
  ops.on('progress', (line) => broadcast('progress', line));

  api.handle(DOCKER_ROUTES.status, async (_req, res) => {
    try {
      res.json(body(await refresh()));
    } catch (err) {
      // readStatus never rejects by contract; guard anyway so the page gets a reason, not a 500 page.
      const problem = asProblem(err, compose.commandLine('ps'));
      res.json(body({ overall: 'error', project: compose.project, services: [], problem, compose: null, checkedAt: new Date().toISOString() }));
    }
  });

  // Before /:action, which would take "cancel" for an action.
  api.handle(DOCKER_ROUTES.cancel, (_req, res) => {
    res.json({ cancelled: ops.cancel() });
  });

  api.handle(DOCKER_ROUTES.action, (req, res, next) => {
    const action = req.params.action;
    if (!isAction(action)) return next();
    try {
      res.status(202).json({ operation: ops.start(action, 'control') });
    } catch (err) {
      if (!(err instanceof ComposeBusyError)) throw err;
      res.status(409).json({ operation: err.operation });
    }
  });

  api.stream(DOCKER_STREAMS.events, (_req, res) => {
    const sse = new SseWriter(res, { keepAliveMs });
    const send = eventSender(sse, DOCKER_STREAMS.events);
    subscribers.add(send);
    sse.onClose(() => {
      subscribers.delete(send);
      if (!subscribers.size) schedulePoll();
    });
    const op = ops.current();
    if (op) send('operation', op);
    // A page opened mid-build sees the output so far.
    for (const line of ops.lines()) send('progress', line);
    if (last) send('status', body(last));
    void refresh().catch(() => undefined);
    schedulePoll();
  });

  api.stream(DOCKER_STREAMS.logs, (req, res) => {
    const raw = typeof req.query.tail === 'string' ? req.query.tail : '';
    if (raw && !/^\d{1,5}$/.test(raw)) return sendControlError(res, 400, 'invalid_tail', 'tail must be a whole number (0–99999).');
    const sse = new SseWriter(res, { keepAliveMs });
    const send = eventSender(sse, DOCKER_STREAMS.logs);
    let ended = false;
    // compose's logs exits when no container exists: the page gets `end` with the reason, not a silent stream.
    const unsubscribe = compose.logs({
      tail: raw ? Number(raw) : 200,
      onLine: (line) => send('line', line),
      onEnd: (problem) => {
        ended = true;
        send('end', { problem });
        sse.end();
      },
    });
    sse.onClose(() => {
      if (!ended) unsubscribe();
    });
  });

  return r;
}
