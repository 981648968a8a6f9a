/**
 * `/api/approvals`: pending approvals of tool calls outside the allow-list, and the user's decisions. Contract:
 * main/contract/approvals.ts. No auth of its own: mounted behind the control API's guard.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { APPROVAL_DECISIONS, type AllowRuleListResponse, type AllowRulePlace, type ApprovalListResponse, type ApprovalStreamMessage } from '../contract/approvals.ts';
import { ApprovalError, type ApprovalCenter } from '../approvals/center.ts';
import { sendControlError } from './guard.ts';

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

  if (granted) {
    r.get('/rules', (_req, res) => {
      const body: AllowRuleListResponse = { places: granted.places() };
      res.json(body);
    });
    r.delete('/rules', async (req, res) => {
      const parsed = removeRuleSchema.safeParse(req.body);
      if (!parsed.success) return sendControlError(res, 400, 'invalid_rule', 'The body must be {"project": <name or null for chat workspaces>, "rule": "<rule>"}.');
      const { project, rule } = parsed.data;
      if (!(await granted.removeGranted(project, rule))) return sendControlError(res, 404, 'rule_not_found', `No "always allow" rule ${JSON.stringify(rule)} for ${project ?? 'chat workspaces'}.`);
      res.status(204).end();
    });
  }

  r.get('/', (_req, res) => {
    const body: ApprovalListResponse = { pending: center.list() };
    res.json(body);
  });

  r.get('/stream', (req, res) => {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const send = (): void => {
      const msg: ApprovalStreamMessage = { pending: center.list() };
      res.write(`event: approvals\ndata: ${JSON.stringify(msg)}\n\n`);
    };
    send();
    const off = center.onChange(send);
    const ping = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    ping.unref();
    req.on('close', () => {
      off();
      clearInterval(ping);
    });
  });

  r.post('/:id', async (req, res) => {
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
