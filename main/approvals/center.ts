import crypto from 'node:crypto';
import type { CanUseTool, PermissionResult } from '@anthropic-ai/claude-agent-sdk';
import type { ApprovalDecideResponse, ApprovalDecision, ApprovalOutcome, PendingApproval } from '../contract/approvals.ts';
import type { TranscriptEventBody } from '../contract/events.ts';
import type { PolicyMode } from '../contract/projects.ts';
import { toolSummary } from '../gateway/render.ts';
import { projectRulesMayAllow } from '../policy/read-only-tools.ts';
import { anyRuleMatches, ruleFor, ruleMatches } from './rules.ts';
import type { ProjectRuleStore } from './rule-store.ts';

/** Who asks: one run, in one place, for one client and conversation. */
export interface ApprovalContext {
  requestId: string;
  project: string | null;
  /** The run's policy mode: under read-only, project rules never answer for an MCP tool (it asks). */
  mode?: PolicyMode | null;
  client: string;
  conversation: string | null;
  /** The run's own abort (client gone, REQUEST_TIMEOUT_S, shutdown): its pending approvals are withdrawn. */
  signal: AbortSignal;
  /** Writes the run's transcript events (approval_wait, approval_decision). */
  record(body: Extract<TranscriptEventBody, { type: 'approval_wait' | 'approval_decision' }>): void;
}

/** A decision the control API refuses: unknown id (404), already decided (409), a failed write (500). */
export class ApprovalError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface Waiting {
  approval: PendingApproval;
  ctx: ApprovalContext;
  startedAt: number;
  settle(outcome: ApprovalOutcome, message: string | null, rule: string | null): void;
}

export interface ApprovalCenterOptions {
  timeoutMs: number;
  rules: ProjectRuleStore;
  /** How long "allow for this conversation" grants live after their last use (SESSION_TTL_S, the conversation's own life). */
  grantTtlMs: number;
  now?: () => number;
}

const DENIED = 'The user denied this tool call in Claude Code Gateway.';
/** Decided ids remembered, so deciding one again is told apart from an unknown id. */
const DECIDED_MEMORY = 500;

/**
 * Pending approvals of every run: a tool call outside the run's allow-list asks through the Agent SDK's canUseTool
 * and waits here until the user decides (control API, dashboard, notification), APPROVAL_TIMEOUT_S passes (denied)
 * or the run goes away (withdrawn). Grants made here — for a conversation (in memory) or always for a project (the
 * rule store) — answer later calls without asking.
 */
export class ApprovalCenter {
  private readonly waiting = new Map<string, Waiting>();
  private readonly decided = new Map<string, ApprovalOutcome>();
  private readonly grants = new Map<string, { rules: string[]; usedAt: number }>();
  private readonly changeListeners = new Set<() => void>();
  private readonly askListeners = new Set<(a: PendingApproval) => void>();

  private readonly now: () => number;

  constructor(private readonly opts: ApprovalCenterOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Grants for a conversation (or a request without one) in force now. */
  grantCount(): number {
    this.prune();
    return this.grants.size;
  }

  list(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => w.approval);
  }

  /** Told after every change of the pending list (SSE, tray). */
  onChange(cb: () => void): () => void {
    this.changeListeners.add(cb);
    return () => this.changeListeners.delete(cb);
  }

  /** Told once per new pending approval (desktop notification). */
  onAsk(cb: (a: PendingApproval) => void): () => void {
    this.askListeners.add(cb);
    return () => this.askListeners.delete(cb);
  }

  /** The canUseTool callback of one run. */
  gate(ctx: ApprovalContext): CanUseTool {
    // A request without a conversation keeps its grants for itself: they end with it when it is cancelled.
    if (ctx.conversation === null) ctx.signal.addEventListener('abort', () => this.grants.delete(grantKey(ctx)), { once: true });
    return async (tool, input, options) => {
      this.prune();
      // Claude Code offers its question tool once a host answers prompts: the question belongs in the chat answer.
      if (tool === 'AskUserQuestion') return { behavior: 'deny', message: 'No one can answer questions during this run: ask them in your reply instead.' };
      if (this.granted(ctx, tool, input)) return { behavior: 'allow', updatedInput: input };
      if (ctx.signal.aborted || options.signal.aborted) return { behavior: 'deny', message: 'The request was cancelled.', interrupt: true };
      return this.ask(ctx, tool, input, options.toolUseID, options.signal);
    };
  }

  /** Decides a pending approval (the control API). A project grant is persisted before the run goes on. */
  async decide(id: string, decision: ApprovalDecision, message?: string): Promise<ApprovalDecideResponse> {
    const w = this.waiting.get(id);
    if (!w) {
      const before = this.decided.get(id);
      if (before) throw new ApprovalError(409, 'approval_already_decided', `Approval ${id} was already decided (${before}).`);
      throw new ApprovalError(404, 'approval_not_found', `No pending approval ${id}.`);
    }
    const { approval, ctx } = w;
    this.prune();
    let rule: string | null = null;
    // A call no rule can name exactly is allowed once, whatever was asked: a grant never widens to the whole tool.
    if (decision === 'allow_project' || decision === 'allow_conversation') rule = ruleFor(approval.tool, approval.input);
    if (decision === 'allow_project' && rule) {
      let added: boolean;
      try {
        added = await this.opts.rules.add(approval.project, rule);
      } catch (err) {
        throw new ApprovalError(500, 'rule_not_saved', `The rule could not be saved (${err instanceof Error ? err.message : String(err)}); the approval still waits.`);
      }
      if (!this.waiting.has(id)) {
        // The answer is 409: the rule this decision added must not stay behind it.
        if (added) await this.opts.rules.remove(approval.project, rule).catch(() => false);
        throw new ApprovalError(409, 'approval_already_decided', `Approval ${id} ended while the rule was saved (${this.decided.get(id) ?? 'withdrawn'}); the rule was not kept.`);
      }
    } else if (decision === 'allow_conversation' && rule) {
      const key = grantKey(ctx);
      const g = this.grants.get(key) ?? { rules: [], usedAt: 0 };
      if (!g.rules.includes(rule)) g.rules.push(rule);
      g.usedAt = this.now();
      this.grants.set(key, g);
    }
    const text = decision === 'deny' ? (message?.trim() || DENIED) : null;
    w.settle(decision, text, rule);
    // Other calls waiting in the same scope that the new grant covers need no second click.
    if (rule) {
      for (const other of [...this.waiting.values()]) {
        const sameScope = decision === 'allow_project' ? other.approval.project === approval.project : grantKey(other.ctx) === grantKey(ctx);
        if (sameScope && ruleMatches(rule, other.approval.tool, other.approval.input)) other.settle(decision, null, rule);
      }
    }
    return { id, outcome: decision, rule };
  }

  /** Ends every pending approval of a request (it was cancelled); each is recorded as withdrawn. */
  withdraw(requestId: string): void {
    for (const w of [...this.waiting.values()]) if (w.approval.requestId === requestId) w.settle('withdrawn', null, null);
  }

  /** Shutdown: nothing waits any more. */
  close(): void {
    for (const w of [...this.waiting.values()]) w.settle('withdrawn', null, null);
  }

  private granted(ctx: ApprovalContext, tool: string, input: unknown): boolean {
    if (projectRulesMayAllow(ctx.mode, tool) && anyRuleMatches(this.opts.rules.rules(ctx.project), tool, input)) return true;
    const key = grantKey(ctx);
    const g = this.grants.get(key);
    if (!g || !anyRuleMatches(g.rules, tool, input)) return false;
    g.usedAt = this.now();
    return true;
  }

  /** Drops grants unused for SESSION_TTL_S: their conversation has expired too (the conversation map forgets it then). */
  private prune(): void {
    const cutoff = this.now() - this.opts.grantTtlMs;
    for (const [key, g] of this.grants) if (g.usedAt < cutoff) this.grants.delete(key);
  }

  private ask(ctx: ApprovalContext, tool: string, input: Record<string, unknown>, toolUseId: string, sdkSignal: AbortSignal): Promise<PermissionResult> {
    const id = `appr_${crypto.randomBytes(9).toString('base64url')}`;
    const now = Date.now();
    const approval: PendingApproval = {
      id, requestId: ctx.requestId, toolUseId, tool, input, summary: toolSummary(tool, input),
      project: ctx.project, client: ctx.client, conversation: ctx.conversation,
      createdAt: new Date(now).toISOString(), expiresAt: new Date(now + this.opts.timeoutMs).toISOString(),
    };
    return new Promise<PermissionResult>((resolve) => {
      const onAbort = (): void => settle('withdrawn', null, null);
      const timer = setTimeout(() => settle('timeout', null, null), this.opts.timeoutMs);
      timer.unref();
      const settle = (outcome: ApprovalOutcome, message: string | null, rule: string | null): void => {
        if (!this.waiting.delete(id)) return;
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        sdkSignal.removeEventListener('abort', onAbort);
        this.remember(id, outcome);
        const secs = Math.round(this.opts.timeoutMs / 1000);
        const said = outcome === 'timeout' ? `No decision within ${secs} s (APPROVAL_TIMEOUT_S) in Claude Code Gateway: the tool call was denied.` : outcome === 'withdrawn' ? 'The request was cancelled.' : message;
        ctx.record({ type: 'approval_decision', approvalId: id, toolUseId, tool, outcome, message: said, rule, waitedMs: Date.now() - now });
        this.changed();
        if (outcome === 'allow_once' || outcome === 'allow_conversation' || outcome === 'allow_project') resolve({ behavior: 'allow', updatedInput: input });
        else resolve({ behavior: 'deny', message: said ?? DENIED, ...(outcome === 'withdrawn' ? { interrupt: true } : {}) });
      };
      this.waiting.set(id, { approval, ctx, startedAt: now, settle });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      sdkSignal.addEventListener('abort', onAbort, { once: true });
      ctx.record({ type: 'approval_wait', approvalId: id, toolUseId, tool, input, project: ctx.project, client: ctx.client, conversation: ctx.conversation, expiresAt: approval.expiresAt });
      for (const cb of this.askListeners) cb(approval);
      this.changed();
    });
  }

  private remember(id: string, outcome: ApprovalOutcome): void {
    this.decided.set(id, outcome);
    if (this.decided.size > DECIDED_MEMORY) {
      const oldest = this.decided.keys().next().value;
      if (oldest !== undefined) this.decided.delete(oldest);
    }
  }

  private changed(): void {
    for (const cb of this.changeListeners) cb();
  }
}

/** A conversation's grants; a request without a known conversation keeps them for itself. */
function grantKey(ctx: ApprovalContext): string {
  return ctx.conversation !== null ? `c:${ctx.project ?? ''}\u0000${ctx.conversation}` : `r:${ctx.requestId}`;
}
