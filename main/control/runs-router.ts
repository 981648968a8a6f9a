import type { CONTROL_ROUTES } from '../contract/control-routes.ts';
import type { ResponseOf } from '../contract/route.ts';
import { log } from '../log.ts';
import type { Services } from '../services.ts';
import { sendControlError } from './guard.ts';
import type { RouteHandler } from './typed-routes.ts';

type EndRoute = typeof CONTROL_ROUTES.endWaitingRun;

/**
 * `POST /api/transcripts/:id/end` (CONTROL_ROUTES.endWaitingRun, behind the control guard): ends a run suspended on
 * client tool calls. Only a waiting run: one a request drives is ended by its client (closing the connection), not
 * from here.
 */
export function endWaitingRun(services: Pick<Services, 'executor' | 'store'>): RouteHandler<EndRoute['path'], ResponseOf<EndRoute>> {
  return async (req, res, next) => {
    const id = req.params.id;
    try {
      const summary = services.store.summary(id);
      if (!summary) return sendControlError(res, 404, 'not_found', `No transcript ${id}.`);
      if (!(await services.executor.endSuspended(id))) {
        const why = summary.status === 'running'
          ? 'it is running for a request right now (its client ends it by closing the connection)'
          : `it already ended (${summary.status})`;
        return sendControlError(res, 409, 'not_waiting', `Request ${id} is not waiting for the caller: ${why}.`);
      }
      log.info(`control API: request ${id} ended while it waited for client tool results`);
      res.json({ requestId: id, status: services.store.summary(id)?.status ?? 'interrupted' });
    } catch (err) {
      next(err);
    }
  };
}
