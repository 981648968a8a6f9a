/**
 * Live approvals as the control API, the dashboard and the desktop shell see them: a tool call outside the run's
 * allow-list waits for the user's decision. Types only, no runtime imports.
 */

export const APPROVAL_DECISIONS = ['allow_once', 'allow_conversation', 'allow_project', 'deny'] as const;
/** What the user can answer: allow this call, every call of it in this conversation, always in this project; or deny. */
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** How an approval ended: the user's decision, or the gateway's (timeout, the request went away, a grant applied). */
export type ApprovalOutcome = ApprovalDecision | 'timeout' | 'withdrawn';

export interface PendingApproval {
  id: string;
  /** The transcript (request id) of the run that asks. */
  requestId: string;
  toolUseId: string;
  tool: string;
  input: unknown;
  /** One line for a title: "Bash: rm -rf build/". */
  summary: string;
  /** The project's name, or null for a chat's own workspace. */
  project: string | null;
  /** Who sent the request (OpenWebUI, n8n, …). */
  client: string;
  /** The conversation's key (chat id, session id or history hash), or null when none is known. */
  conversation: string | null;
  createdAt: string;
  /** When it is denied by itself (APPROVAL_TIMEOUT_S). */
  expiresAt: string;
}

/** GET /api/approvals */
export interface ApprovalListResponse {
  pending: PendingApproval[];
}

/** POST /api/approvals/:id — `message` (deny only) is what Claude receives as the tool's result. */
export interface ApprovalDecideRequest {
  decision: ApprovalDecision;
  message?: string;
}

export interface ApprovalDecideResponse {
  id: string;
  outcome: ApprovalOutcome;
  /** The rule written for `allow_project` ("Bash(rm -rf build/)"), else null. */
  rule: string | null;
}

/** GET /api/approvals/stream — SSE `approvals` events: the whole pending list, now and after every change. */
export interface ApprovalStreamMessage {
  pending: PendingApproval[];
}
