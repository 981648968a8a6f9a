import type { ApprovalOutcome } from '../../../main/contract/approvals.ts';
import type { RunStatus, TokenUsage, TranscriptEvent } from '../../../main/contract/events.ts';

/**
 * A request's events folded into a tree for the detail view: consecutive text/thinking deltas merge into one block,
 * each tool call is paired with its result by tool_use_id, and a sub-agent's steps (parentToolUseId) nest under the
 * Task call that started them. Append-only and idempotent per (seq), so live events, a replayed snapshot and a
 * reconnect can all be fed in without duplicates. No DOM or React here: it is unit-tested in Node.
 */

export interface ToolResult {
  content: string;
  isError: boolean;
}

interface Base {
  key: string;
  /** Bumped on every change, so a memoised row re-renders only when its node changed. */
  rev: number;
}

export type TNode =
  | (Base & { kind: 'prompt'; prompt: string; systemPrompt: string | null; model: string; client: string; imageCount: number; ts: string; project: string | null; folder: string | null })
  | (Base & { kind: 'init'; model: string; tools: string[]; mcpServers: Array<{ name: string; status: string }>; cwd: string; claudeVersion: string | null })
  | (Base & { kind: 'text'; text: string })
  | (Base & { kind: 'thinking'; text: string })
  | ToolNode
  | (Base & { kind: 'result'; usage: TokenUsage; costUsd: number; numTurns: number; isError: boolean; subtype: string; durationMs: number })
  | (Base & { kind: 'error'; message: string; code: string })
  | (Base & { kind: 'retry'; attempt: number; maxRetries: number; delayMs: number; status: number | null; error: string })
  | (Base & { kind: 'end'; status: Exclude<RunStatus, 'running'>; reason: string | null; durationMs: number });

export interface ToolNode extends Base {
  kind: 'tool';
  toolUseId: string;
  name: string;
  input: unknown;
  result: ToolResult | null;
  children: TNode[];
  parentToolUseId: string | null;
  /** A caller's own function (client tool): the response ended with it and the run waited for the caller's result. */
  caller?: { waitedMs: number | null; abandoned?: boolean };
  /** The call was outside the allow-list and asked the user (live approvals): waiting, or how it was decided. */
  approval?: ToolApproval;
}

export interface ToolApproval {
  id: string;
  /** Where it asked: the project's name, or null for the chat's own workspace. */
  project: string | null;
  /** null while it waits. */
  outcome: ApprovalOutcome | null;
  message: string | null;
  rule: string | null;
  waitedMs: number | null;
  expiresAt: string;
}

export type Row =
  | { key: string; depth: number; node: TNode; rev: number; type: 'node' }
  /** The final answer of a tool that has nested steps (Task), shown after them. */
  | { key: string; depth: number; node: ToolNode; rev: number; type: 'tool-end' };

export function isTaskTool(name: string): boolean {
  return name === 'Task' || name === 'Agent';
}

export class TranscriptModel {
  readonly root: TNode[] = [];
  private readonly tools = new Map<string, ToolNode>();
  /** Approvals asked before their tool call reached the transcript (Claude may ask before the call's message is out). */
  private readonly earlyApprovals = new Map<string, ToolApproval>();
  private readonly seen = new Set<number>();
  /** Bumped on every accepted event; the view re-flattens when it changes. */
  version = 0;
  lastSeq = 0;
  status: RunStatus = 'running';
  eventCount = 0;
  toolCount = 0;
  errorCount = 0;
  /** The run waits, suspended, for the caller's client tool results: since when, for which functions. */
  waiting: { since: string; calls: string[] } | null = null;

  /** Feeds one event; false when it was already applied (same seq). */
  apply(ev: TranscriptEvent): boolean {
    if (this.seen.has(ev.seq)) return false;
    this.seen.add(ev.seq);
    this.lastSeq = Math.max(this.lastSeq, ev.seq);
    this.eventCount++;
    this.version++;
    const key = `e${ev.seq}`;
    switch (ev.type) {
      case 'request':
        this.root.push({ kind: 'prompt', key, rev: 0, prompt: ev.prompt, systemPrompt: ev.systemPrompt, model: ev.model, client: ev.client, imageCount: ev.imageCount, ts: ev.ts, project: ev.project ?? null, folder: ev.folder ?? null });
        break;
      case 'init':
        this.root.push({ kind: 'init', key, rev: 0, model: ev.model, tools: ev.tools, mcpServers: ev.mcpServers, cwd: ev.cwd, claudeVersion: ev.claudeVersion });
        break;
      case 'text_delta':
      case 'thinking_delta': {
        const list = this.container(ev.parentToolUseId);
        const last = list[list.length - 1];
        const kind = ev.type === 'text_delta' ? 'text' : 'thinking';
        if (last && last.kind === kind) {
          last.text += ev.text;
          last.rev++;
          this.touchParent(ev.parentToolUseId);
        } else {
          list.push({ kind, key, rev: 0, text: ev.text });
          this.touchParent(ev.parentToolUseId);
        }
        break;
      }
      case 'tool_use': {
        const existing = this.tools.get(ev.toolUseId);
        if (existing) {
          // a result arrived first (orphan): fill in what the call says
          existing.name = ev.name;
          existing.input = ev.input;
          existing.rev++;
          break;
        }
        const node: ToolNode = { kind: 'tool', key: `u${ev.toolUseId}`, rev: 0, toolUseId: ev.toolUseId, name: ev.name, input: ev.input, result: null, children: [], parentToolUseId: ev.parentToolUseId };
        this.adoptEarlyApproval(node);
        this.tools.set(ev.toolUseId, node);
        this.container(ev.parentToolUseId).push(node);
        this.toolCount++;
        this.touchParent(ev.parentToolUseId);
        break;
      }
      case 'tool_result': {
        let node = this.tools.get(ev.toolUseId);
        if (!node) {
          node = { kind: 'tool', key: `u${ev.toolUseId}`, rev: 0, toolUseId: ev.toolUseId, name: 'unknown tool', input: null, result: null, children: [], parentToolUseId: ev.parentToolUseId };
          this.adoptEarlyApproval(node);
          this.tools.set(ev.toolUseId, node);
          this.container(ev.parentToolUseId).push(node);
        }
        node.result = { content: ev.content, isError: ev.isError };
        node.rev++;
        if (ev.isError) this.errorCount++;
        this.touchParent(ev.parentToolUseId);
        break;
      }
      case 'result':
        this.root.push({ kind: 'result', key, rev: 0, usage: ev.usage, costUsd: ev.costUsd, numTurns: ev.numTurns, isError: ev.isError, subtype: ev.subtype, durationMs: ev.durationMs });
        break;
      case 'error':
        this.errorCount++;
        this.root.push({ kind: 'error', key, rev: 0, message: ev.message, code: ev.code });
        break;
      case 'api_retry':
        this.root.push({ kind: 'retry', key, rev: 0, attempt: ev.attempt, maxRetries: ev.maxRetries, delayMs: ev.delayMs, status: ev.status, error: ev.error });
        break;
      case 'client_tool_wait':
        for (const c of ev.calls) this.markCaller(c.toolUseId, null);
        this.waiting = { since: ev.ts, calls: ev.calls.map((c) => c.name) };
        break;
      case 'client_tool_resume':
        for (const id of ev.toolUseIds) this.markCaller(id, ev.waitedMs);
        this.waiting = null;
        break;
      case 'approval_wait':
        this.markApproval(ev.toolUseId, { id: ev.approvalId, project: ev.project, outcome: null, message: null, rule: null, waitedMs: null, expiresAt: ev.expiresAt });
        break;
      case 'approval_decision': {
        const was = this.tools.get(ev.toolUseId)?.approval ?? this.earlyApprovals.get(ev.toolUseId);
        this.markApproval(ev.toolUseId, { id: ev.approvalId, project: was?.project ?? null, outcome: ev.outcome, message: ev.message, rule: ev.rule, waitedMs: ev.waitedMs, expiresAt: was?.expiresAt ?? '' });
        break;
      }
      case 'end':
        this.status = ev.status;
        this.waiting = null;
        // Calls still waiting when the run ended (timeout, End run, shutdown) never got their result.
        for (const node of this.tools.values()) {
          if (node.caller && node.caller.waitedMs === null && !node.result) {
            node.caller = { waitedMs: null, abandoned: true };
            node.rev++;
          }
        }
        this.root.push({ kind: 'end', key, rev: 0, status: ev.status, reason: ev.reason, durationMs: ev.durationMs });
        break;
    }
    return true;
  }

  applyAll(events: readonly TranscriptEvent[]): number {
    let n = 0;
    for (const ev of [...events].sort((a, b) => a.seq - b.seq)) if (this.apply(ev)) n++;
    return n;
  }

  tool(id: string): ToolNode | undefined {
    return this.tools.get(id);
  }

  /** Depth-first rows for the virtualised list; children of a collapsed tool are left out. */
  rows(collapsed: ReadonlySet<string>): Row[] {
    const out: Row[] = [];
    const walk = (list: readonly TNode[], depth: number): void => {
      for (const node of list) {
        out.push({ key: node.key, depth, node, rev: node.rev, type: 'node' });
        if (node.kind === 'tool' && node.children.length > 0 && !collapsed.has(node.key)) {
          walk(node.children, depth + 1);
          if (node.result) out.push({ key: `${node.key}:end`, depth: depth + 1, node, rev: node.rev, type: 'tool-end' });
        }
      }
    };
    walk(this.root, 0);
    return out;
  }

  private markApproval(toolUseId: string, approval: ToolApproval): void {
    const node = this.tools.get(toolUseId);
    if (!node) {
      this.earlyApprovals.set(toolUseId, approval);
      return;
    }
    node.approval = approval;
    node.rev++;
    this.touchParent(node.parentToolUseId);
  }

  private adoptEarlyApproval(node: ToolNode): void {
    const early = this.earlyApprovals.get(node.toolUseId);
    if (!early) return;
    node.approval = early;
    this.earlyApprovals.delete(node.toolUseId);
  }

  private markCaller(toolUseId: string, waitedMs: number | null): void {
    const node = this.tools.get(toolUseId);
    if (!node) return;
    node.caller = { waitedMs };
    node.rev++;
    this.touchParent(node.parentToolUseId);
  }

  private container(parentToolUseId: string | null): TNode[] {
    if (parentToolUseId === null) return this.root;
    return this.tools.get(parentToolUseId)?.children ?? this.root;
  }

  /** A nested step changes its Task row too (step count, running state). */
  private touchParent(parentToolUseId: string | null): void {
    let id = parentToolUseId;
    for (let guard = 0; id !== null && guard < 32; guard++) {
      const p = this.tools.get(id);
      if (!p) return;
      p.rev++;
      id = p.parentToolUseId;
    }
  }
}

/** Counts the nested steps under a tool (for a collapsed Task's label). */
export function countSteps(node: ToolNode): number {
  let n = 0;
  for (const c of node.children) n += 1 + (c.kind === 'tool' ? countSteps(c) : 0);
  return n;
}
