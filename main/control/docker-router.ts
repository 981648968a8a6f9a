/**
 * `/api/docker`: the dashboard's controls of the Docker runtime's compose project (status, up/down/restart, live
 * logs). Contract: main/contract/docker-api.ts. No auth of its own: mount it behind the control API's guard.
 *
 * Actions run in the background (202 + SSE) with the compose manager's deadlines, one at a time, cancellable.
 * A page that closes neither cancels nor leaks anything: SSE subscribers and log streams end with their request.
 */
import crypto from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { ComposeError, type ComposeManager, type ComposeProblem, type ComposeStatus } from '../compose/index.ts';
import { DOCKER_ACTIONS, type DockerAction, type DockerActionResponse, type DockerLogEnd, type DockerOperation, type DockerStatusResponse } from '../contract/docker-api.ts';
import { sendControlError } from './guard.ts';

export interface DockerRouterDeps {
  compose: ComposeManager;
  /** The active Claude runtime kind ('local' | 'docker'). */
  runtime: () => string;
  /** Reads the status (services.refreshCompose keeps the health view in step); default compose.status(). */
  readStatus?: () => Promise<ComposeStatus>;
  /** How often /events re-reads the status while someone listens (default 5 s; 1 s during an operation). */
  pollMs?: number;
  /** Deadline of a status read answered to GET /status (default 15 s). */
  statusTimeoutMs?: number;
}

const PHASE: Record<DockerAction, string> = {
  up: 'checking Docker and the image, starting the container, waiting until it is healthy…',
  down: 'stopping and removing the container (volumes are kept)…',
  restart: 'restarting the container and waiting until it is healthy…',
};

function asProblem(err: unknown, fallbackFix: string): ComposeProblem {
  if (err instanceof ComposeError) return err.toProblem();
  return { code: 'failed', reason: err instanceof Error ? err.message : String(err), fix: fallbackFix };
}

export function dockerRouter(deps: DockerRouterDeps): Router {
  const { compose } = deps;
  const statusTimeoutMs = deps.statusTimeoutMs ?? 15_000;
  const readStatus = deps.readStatus ?? (() => compose.status({ timeoutMs: statusTimeoutMs }));
  const pollMs = deps.pollMs ?? 5_000;
  const r = express.Router();

  let last: ComposeStatus | null = null;
  let reading: Promise<ComposeStatus> | null = null;
  let operation: DockerOperation | null = null;
  let abort: AbortController | null = null;
  const subscribers = new Set<(event: 'status' | 'operation', data: unknown) => void>();
  let poller: NodeJS.Timeout | null = null;

  const commands = (): DockerStatusResponse['commands'] => ({
    up: compose.commandLine('up', '-d'),
    down: compose.commandLine('down'),
    logs: compose.commandLine('logs', '-f', compose.service),
    ps: compose.commandLine('ps'),
  });
  const body = (status: ComposeStatus): DockerStatusResponse => ({ status, runtime: deps.runtime(), operation, commands: commands() });
  const broadcast = (event: 'status' | 'operation', data: unknown): void => {
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

  function schedulePoll(): void {
    if (poller) clearTimeout(poller);
    poller = null;
    if (!subscribers.size) return;
    poller = setTimeout(() => {
      void refresh().catch(() => undefined).finally(schedulePoll);
    }, operation?.state === 'running' ? Math.min(1_000, pollMs) : pollMs);
    poller.unref();
  }

  function run(action: DockerAction): DockerOperation {
    const ac = new AbortController();
    abort = ac;
    const op: DockerOperation = {
      id: crypto.randomUUID(),
      action,
      state: 'running',
      phase: PHASE[action],
      command: action === 'up' ? compose.commandLine('up', '-d') : action === 'down' ? compose.commandLine('down') : compose.commandLine('restart', compose.service),
      startedAt: new Date().toISOString(),
      endedAt: null,
      problem: null,
    };
    operation = op;
    broadcast('operation', op);
    schedulePoll();
    const work: Promise<unknown> =
      action === 'up' ? compose.up({ signal: ac.signal }) : action === 'down' ? compose.down({ signal: ac.signal }) : compose.restart({ signal: ac.signal });
    void work.then(
      () => finish(op, 'done', null),
      (err: unknown) => {
        const problem = asProblem(err, compose.commandLine('ps'));
        finish(op, problem.code === 'cancelled' ? 'cancelled' : 'failed', problem);
      },
    );
    return op;
  }

  function finish(op: DockerOperation, state: DockerOperation['state'], problem: ComposeProblem | null): void {
    op.state = state;
    op.problem = problem;
    op.endedAt = new Date().toISOString();
    op.phase = state === 'done' ? `${op.action} finished` : state === 'cancelled' ? `${op.action} cancelled` : `${op.action} failed`;
    if (abort && operation === op) abort = null;
    broadcast('operation', op);
    void refresh().catch(() => undefined);
  }

  r.get('/status', async (_req, res) => {
    try {
      res.json(body(await refresh()));
    } catch (err) {
      // readStatus never rejects by contract; guard anyway so the page gets a reason, not a 500 page.
      const problem = asProblem(err, compose.commandLine('ps'));
      res.json(body({ overall: 'error', project: compose.project, services: [], problem, compose: null, checkedAt: new Date().toISOString() }));
    }
  });

  for (const action of DOCKER_ACTIONS) {
    r.post(`/${action}`, (_req, res) => {
      if (operation?.state === 'running') {
        const busy: DockerActionResponse = { operation };
        res.status(409).json(busy);
        return;
      }
      const answer: DockerActionResponse = { operation: run(action) };
      res.status(202).json(answer);
    });
  }

  r.post('/cancel', (_req, res) => {
    const running = operation?.state === 'running' && abort !== null;
    abort?.abort();
    res.json({ cancelled: running });
  });

  const openSse = (req: Request, res: Response): ((event: string, data: unknown) => void) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => clearInterval(ping));
    return (event, data) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
  };

  r.get('/events', (req, res) => {
    const send = openSse(req, res);
    subscribers.add(send);
    req.on('close', () => {
      subscribers.delete(send);
      if (!subscribers.size) schedulePoll();
    });
    if (operation) send('operation', operation);
    if (last) send('status', body(last));
    void refresh().catch(() => undefined);
    schedulePoll();
  });

  r.get('/logs', (req, res) => {
    const raw = typeof req.query.tail === 'string' ? req.query.tail : '';
    if (raw && !/^\d{1,5}$/.test(raw)) return sendControlError(res, 400, 'invalid_tail', 'tail must be a whole number (0–99999).');
    const send = openSse(req, res);
    let ended = false;
    // compose's logs exits when no container exists: the page gets `end` with the reason, not a silent stream.
    const unsubscribe = compose.logs({
      tail: raw ? Number(raw) : 200,
      onLine: (line) => send('line', line),
      onEnd: (problem) => {
        ended = true;
        const end: DockerLogEnd = { problem };
        send('end', end);
        res.end();
      },
    });
    req.on('close', () => {
      if (!ended) unsubscribe();
    });
  });

  return r;
}
