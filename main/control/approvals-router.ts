/**
 * `/api/approvals` (APPROVAL_ROUTES, APPROVAL_STREAMS): pending approvals of tool calls outside the allow-list, and the user's decisions. Contract:
 * main/contract/approvals.ts. No auth of its own: mounted behind the control API's guard.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { APPROVAL_DECISIONS, type AllowRulePlace } from '../contract/approvals.ts';
import { APPROVAL_ROUTES, APPROVAL_STREAMS } from '../contract/approvals-routes.ts';
import { ApprovalError, type ApprovalCenter } from '../approvals/center.ts';
import { SseWriter } from '../gateway/sse.ts';
import { sendControlError } from './guard.ts';
import { eventSender, routesAt } from './typed-routes.ts';

const decideSchema = z.object({
  decision: z.enum(APPROVAL_DECISIONS),
  /** Claude receives it as the tool's result: one short paragraph is plenty. */
  message: z.string().max(2_000).optional(),
}).strict();

const removeRuleSchema = z.object({ project: z.string().min(1).nullable(), rule: z.string().min(1).max(10_000) }).strict();

/** The "always allow" grants kept beside the policies (config-file projects, chat workspaces). */
export interface GrantedRules {
  places(): AllowRulePlace[];
  removeGranted(project: string | null, rule: string): Promise<boolean>;
}

export function approvalsRouter(center: ApprovalCenter, keepAliveMs: number, granted?: GrantedRules): Router {
  const r = express.Router();
  r.use(express.json({ limit: '16kb' }));

  const api = routesAt(r, '/api/approvals');

  if (granted) {
    api.handle(APPROVAL_ROUTES.rules, (_req, res) => {
      res.json({ places: granted.places() });
    });
    api.handle(APPROVAL_ROUTES.removeRule, async (req, res) => {
      const parsed = removeRuleSchema.safeParse(req.body);
      if (!parsed.success) return sendControlError(res, 400, 'invalid_rule', 'The body must be {"project": <name or null for chat workspaces>, "rule": "<rule>"}.');
      const { project, rule } = parsed.data;
      if (!(await granted.removeGranted(project, rule))) return sendControlError(res, 404, 'rule_not_found', `No "always allow" rule ${JSON.stringify(rule)} for ${project ?? 'chat workspaces'}.`);
      res.status(204).end();
    });
  }

  api.handle(APPROVAL_ROUTES.pending, (_req, res) => {
    res.json({ pending: center.list() });
  });

  api.stream(APPROVAL_STREAMS.pending, (_req, res) => {
    const sse = new SseWriter(res, { keepAliveMs });
    const send = eventSender(sse, APPROVAL_STREAMS.pending);
    const update = (): void => send('approvals', { pending: center.list() });
    update();
    sse.onClose(center.onChange(update));
  });

  api.handle(APPROVAL_ROUTES.decide, async (req, res) => {
    const parsed = decideSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'body';
      return sendControlError(res, 400, 'invalid_decision', `${where}: ${issue?.message ?? 'invalid'} (decision is one of ${APPROVAL_DECISIONS.join(', ')}; message is optional text).`);
    }
    try {
      res.json(await center.decide(req.params.id, parsed.data.decision, parsed.data.message));
    } catch (err) {
      if (err instanceof ApprovalError) return sendControlError(res, err.status, err.code, err.message);
      throw err;
    }
  });

  // A body that is not JSON answers in the control API's shape, not express's HTML page.
  r.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && err.status < 500 ? err.status : 500;
    sendControlError(res, status, status === 500 ? 'internal_error' : 'invalid_body', status === 500 ? 'The decision could not be handled.' : 'The body must be JSON: {"decision": …, "message"?: …}.');
  });
  return r;
}
