/**
 * The live approvals route table (`/api/approvals`, main/control/approvals-router.ts) and its stream, with the
 * schemas the renderer validates answers with (types in approvals.ts).
 */
import { z } from 'zod';
import { APPROVAL_DECISIONS, type AllowRuleListResponse, type AllowRuleRemoveRequest, type ApprovalDecideRequest, type ApprovalDecideResponse, type ApprovalListResponse, type ApprovalOutcome, type ApprovalStreamMessage, type PendingApproval } from './approvals.ts';
import { route, shape, stream } from './route.ts';

export const approvalOutcomeSchema: z.ZodType<ApprovalOutcome> = z.enum([...APPROVAL_DECISIONS, 'timeout', 'withdrawn']);

const pending: z.ZodType<PendingApproval> = z.object({
  id: z.string(),
  requestId: z.string(),
  toolUseId: z.string(),
  tool: z.string(),
  input: z.unknown(),
  summary: z.string(),
  project: z.string().nullable(),
  client: z.string(),
  conversation: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const pendingList: z.ZodType<ApprovalListResponse> = z.object({ pending: z.array(pending) });
/** Each stream event carries what the list answers: every pending approval. */
const streamMessage: z.ZodType<ApprovalStreamMessage> = z.object({ pending: z.array(pending) });
const ruleList: z.ZodType<AllowRuleListResponse> = z.object({ places: z.array(z.object({ project: z.string().nullable(), rules: z.array(z.string()) })) });
const decideResponse: z.ZodType<ApprovalDecideResponse> = z.object({ id: z.string(), outcome: approvalOutcomeSchema, rule: z.string().nullable() });

export const APPROVAL_ROUTES = {
  pending: route({ method: 'GET', path: '/api/approvals', response: pendingList, summary: 'Tool calls waiting for a decision' }),
  /** 404 `approval_not_found`, 409 `approval_already_decided` (decided, timed out or withdrawn meanwhile). */
  decide: route({
    method: 'POST',
    path: '/api/approvals/:id',
    response: decideResponse,
    body: shape<ApprovalDecideRequest>(z.object({ decision: z.enum(APPROVAL_DECISIONS), message: z.string().optional().describe('Deny: what Claude receives as the tool result') })),
    summary: 'Decides one: 400 invalid_decision, 404 approval_not_found, 409 approval_already_decided (decided, timed out or withdrawn meanwhile)',
  }),
  /** "Always allow" grants kept beside a policy (config-file projects, chat workspaces). */
  rules: route({
    method: 'GET',
    path: '/api/approvals/rules',
    response: ruleList,
    summary: '"Always allow" grants kept in approval-rules.json (config-file projects; project null = chat workspaces)',
  }),
  /** 400 `invalid_rule`, 404 `rule_not_found`. */
  removeRule: route({
    method: 'DELETE',
    path: '/api/approvals/rules',
    response: z.undefined(),
    ok: [204],
    body: shape<AllowRuleRemoveRequest>(z.object({ project: z.string().nullable(), rule: z.string() })),
    summary: 'Removes a grant: 400 invalid_rule, 404 rule_not_found',
  }),
} as const;

export const APPROVAL_STREAMS = {
  /** `approvals`: the whole pending list, at once and after every change. */
  pending: stream({ path: '/api/approvals/stream', events: { approvals: streamMessage }, summary: 'approvals: the whole pending list, at once and after every change' }),
} as const;
