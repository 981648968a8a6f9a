import type { ClaudeRuntime } from '../claude/runtime.ts';
import type { Config } from '../config/schema.ts';
import type { TranscriptStore } from '../transcripts/store.ts';
import type { ApprovalCenter } from '../approvals/center.ts';
import type { RunPolicy } from '../policy/run-policy.ts';
import type { RunPlace } from '../contract/projects.ts';
import { GatewayError } from './openai-errors.ts';
import { SuspendedRuns } from './client-tools/suspended-runs.ts';
import { LiveRun, type AbortReason, type RunHooks, type RunOutcome, type RunRequest } from './live-run.ts';
import type { AnswerPiece } from './render.ts';

export { abortReason, type AbortReason, type RunHooks, type RunOutcome, type RunRequest } from './live-run.ts';

/**
 * Starts Claude runs (see LiveRun) and knows which are being driven by a request right now (active: they hold a
 * run slot) and which wait, suspended, for a caller's client tool results.
 */
export class RunExecutor {
  private readonly active = new Set<LiveRun>();
  readonly suspended: SuspendedRuns<LiveRun>;

  constructor(
    private readonly config: Config,
    private readonly runtime: ClaudeRuntime,
    private readonly store: TranscriptStore,
    /** Tools allowed on top of CLAUDE_ALLOWED_TOOLS, read per run (the configured MCP servers' mcp__<name>). */
    private readonly extraAllowedTools?: () => Promise<string[]>,
    private readonly hooks: RunHooks = {},
    /** Live approvals for tools outside the allow-list (absent: they are refused, as Claude Code does by itself). */
    private readonly approvals?: ApprovalCenter,
    /** Each run's confinement (DEFAULT_POLICY, a project's policy); none: unconfined. */
    private readonly policy?: RunPolicy,
  ) {
    this.suspended = new SuspendedRuns(config.CLIENT_TOOL_TIMEOUT_S * 1000, config.MAX_SUSPENDED_RUNS);
  }

  /**
   * Why a run in this place must not start (sandboxed where no sandbox can run), as the error it fails with — known
   * before anything is sent, so a streamed request gets it as its status too. Null: it may start.
   */
  refusalFor(place: RunPlace | undefined): GatewayError | null {
    if (!this.policy) return null;
    const refusal = this.policy.confine(this.policy.placeFor(place)).refusal;
    return refusal ? new GatewayError(503, refusal, 'server_error', 'sandbox_unavailable', null, { 'x-should-retry': 'false' }) : null;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Aborts every running request and ends every suspended run (shutdown). */
  abortAll(reason: AbortReason): void {
    for (const run of this.active) run.abort.abort(reason);
    void this.suspended.closeAll();
  }

  /**
   * Ends the run of transcript `id` if it waits for a caller's client tool results (the dashboard's "End run"): its
   * process tree is killed and the transcript ends `interrupted`. false when no such run waits.
   */
  endSuspended(id: string): Promise<boolean> {
    const run = this.suspended.find((r) => r.transcriptId === id);
    return run ? this.suspended.end(run, 'ended_by_user') : Promise.resolve(false);
  }

  /** A new run; nothing starts until the caller drives it. */
  start(req: RunRequest): LiveRun {
    return new LiveRun(
      {
        config: this.config,
        runtime: this.runtime,
        extraAllowedTools: this.extraAllowedTools,
        hooks: this.hooks,
        ...(this.approvals ? { approvals: this.approvals } : {}),
        policy: this.policy,
        onDriving: (run, driving) => {
          if (driving) this.active.add(run);
          else this.active.delete(run);
        },
      },
      req,
      this.store.begin(req.requestId),
    );
  }

  /** Runs a request to its end, or until it suspends on client tool calls. */
  execute(req: RunRequest, onPiece: (p: AnswerPiece) => void): Promise<RunOutcome> {
    return this.start(req).drive(onPiece);
  }
}
