import crypto from 'node:crypto';
import { parseBuildStep } from './build-steps.ts';
import {
  ComposeError,
  type BuildStep,
  type ComposeAction,
  type ComposeManager,
  type ComposeOperation,
  type ComposeOperationOrigin,
  type ComposeProblem,
  type ComposeProgressEvent,
  type ComposeProgressLine,
  type ComposeStage,
  type Unsubscribe,
} from './types.ts';

/** What operations need of the compose manager (tests give a stand-in). */
export type OperableCompose = Pick<ComposeManager, 'up' | 'down' | 'restart' | 'rebuild' | 'commandFor' | 'commandLine'>;

export interface ComposeOperationEvents {
  /** An operation started, moved on (stage, build step) or ended: its new state. */
  operation: ComposeOperation;
  /** One line of build output of the running operation. */
  progress: ComposeProgressLine;
}

/** Refusal of an operation while another one runs; `operation` is the running one. */
export class ComposeBusyError extends ComposeError {
  readonly operation: ComposeOperation;

  constructor(operation: ComposeOperation) {
    const by = operation.origin === 'tray' ? 'the tray' : 'the dashboard';
    super({ code: 'busy', reason: `Another container operation is running: ${operation.action}, started from ${by}.`, fix: 'Wait for it to end, or cancel it on the Docker page.' });
    this.name = 'ComposeBusyError';
    this.operation = operation;
  }
}

const FIRST_PHASE: Record<ComposeAction, string> = {
  up: 'checking Docker and the image, starting the container, waiting until it is healthy…',
  down: 'stopping and removing the container (volumes are kept)…',
  restart: 'restarting the container and waiting until it is healthy…',
  rebuild: 'rebuilding the image with a fresh Claude Code install, then recreating the container…',
};

/** The phase text of a running operation. */
export function phaseText(action: ComposeAction, stage: ComposeStage | null, step: BuildStep | null): string {
  switch (stage) {
    case null:
      return FIRST_PHASE[action];
    case 'checking':
      return 'checking Docker and the image…';
    case 'building': {
      const what = action === 'rebuild' ? 'rebuilding the runtime image (fresh Claude Code install)' : 'building the runtime image (it is not on this machine yet)';
      return step ? `${what}: step ${step.index}/${step.total} (${step.instruction})…` : `${what}…`;
    }
    case 'starting':
      return action === 'rebuild' ? 'recreating the container on the new image…' : 'starting the container…';
    case 'waiting-healthy':
      return 'waiting until the container is healthy…';
    case 'stopping':
      return FIRST_PHASE.down;
    case 'restarting':
      return 'restarting the container…';
  }
}

function asProblem(err: unknown, fallbackFix: string): ComposeProblem {
  if (err instanceof ComposeError) return err.toProblem();
  return { code: 'failed', reason: err instanceof Error ? err.message : String(err), fix: fallbackFix };
}

function copy(op: ComposeOperation): ComposeOperation {
  return { ...op, step: op.step ? { ...op.step } : null, problem: op.problem ? { ...op.problem } : null };
}

/**
 * The compose project's up/down/restart/rebuild, one at a time, for every view: the tray and the dashboard start
 * them here and both watch the same operation (its stage, build step and output lines), so an Up from the tray
 * shows its build in the dashboard and a second action is refused while one runs. Cancel kills the running
 * command (a build's whole process tree).
 */
export class ComposeOperations {
  private op: ComposeOperation | null = null;
  private abort: AbortController | null = null;
  private ended: Promise<ComposeOperation> | null = null;
  private buffer: ComposeProgressLine[] = [];
  private readonly maxLines: number;
  private readonly listeners: { [E in keyof ComposeOperationEvents]: Set<(data: ComposeOperationEvents[E]) => void> } = {
    operation: new Set(),
    progress: new Set(),
  };

  constructor(readonly compose: OperableCompose, opts: { maxLines?: number } = {}) {
    this.maxLines = opts.maxLines ?? 500;
  }

  /** The running operation, or the last one (so a page opened later shows how it ended); a copy. */
  current(): ComposeOperation | null {
    return this.op ? copy(this.op) : null;
  }

  busy(): boolean {
    return this.op?.state === 'running';
  }

  /** The current operation's latest build output lines (the last `maxLines`), for a view that opens mid-way. */
  lines(): ComposeProgressLine[] {
    return [...this.buffer];
  }

  /** Starts an operation in the background; throws ComposeBusyError while another one runs. */
  start(action: ComposeAction, origin: ComposeOperationOrigin = 'control'): ComposeOperation {
    return this.begin(action, origin).started;
  }

  /** start() and wait for the end: resolves with the ended operation whatever its state; rejects only when busy. */
  async run(action: ComposeAction, origin: ComposeOperationOrigin = 'control'): Promise<ComposeOperation> {
    return this.begin(action, origin).ended;
  }

  /** Resolves when no operation runs, with the last one (null when there was none). */
  async idle(): Promise<ComposeOperation | null> {
    if (this.ended) await this.ended;
    return this.current();
  }

  private begin(action: ComposeAction, origin: ComposeOperationOrigin): { started: ComposeOperation; ended: Promise<ComposeOperation> } {
    if (this.op?.state === 'running') throw new ComposeBusyError(copy(this.op));
    const ac = new AbortController();
    const op: ComposeOperation = {
      id: crypto.randomUUID(),
      action,
      origin,
      state: 'running',
      stage: null,
      phase: phaseText(action, null, null),
      step: null,
      lines: 0,
      command: this.compose.commandFor(action),
      startedAt: new Date().toISOString(),
      endedAt: null,
      problem: null,
    };
    this.op = op;
    this.abort = ac;
    this.buffer = [];
    this.emit('operation', copy(op));
    const onProgress = (e: ComposeProgressEvent): void => this.progress(op, e);
    const opts = { signal: ac.signal, onProgress };
    const work: Promise<unknown> =
      action === 'up' ? this.compose.up(opts) : action === 'down' ? this.compose.down(opts) : action === 'restart' ? this.compose.restart(opts) : this.compose.rebuild(opts);
    const ended = work.then(
      () => this.finish(op, 'done', null),
      (err: unknown) => {
        const problem = asProblem(err, this.compose.commandLine('ps'));
        return this.finish(op, problem.code === 'cancelled' ? 'cancelled' : 'failed', problem);
      },
    );
    this.ended = ended;
    return { started: copy(op), ended };
  }

  /** Cancels the running operation (its command is killed); false when none runs. */
  cancel(): boolean {
    if (this.op?.state !== 'running' || !this.abort) return false;
    this.abort.abort();
    return true;
  }

  on<E extends keyof ComposeOperationEvents>(event: E, listener: (data: ComposeOperationEvents[E]) => void): Unsubscribe {
    const set = this.listeners[event];
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  private emit<E extends keyof ComposeOperationEvents>(event: E, data: ComposeOperationEvents[E]): void {
    for (const listener of this.listeners[event]) {
      try {
        listener(data);
      } catch {
        // a view's failure must not stop the operation or the other views
      }
    }
  }

  private progress(op: ComposeOperation, e: ComposeProgressEvent): void {
    if (op.state !== 'running') return;
    if (e.type === 'stage') {
      if (e.stage === op.stage) return;
      op.stage = e.stage;
      if (e.stage !== 'building') op.step = null;
      op.phase = phaseText(op.action, op.stage, op.step);
      this.emit('operation', copy(op));
      return;
    }
    op.lines += 1;
    const line: ComposeProgressLine = { operationId: op.id, seq: op.lines, text: e.text, at: new Date().toISOString() };
    this.buffer.push(line);
    if (this.buffer.length > this.maxLines) this.buffer.splice(0, this.buffer.length - this.maxLines);
    this.emit('progress', line);
    const step = parseBuildStep(e.text);
    if (step && (step.index !== op.step?.index || step.total !== op.step.total)) {
      op.step = step;
      op.phase = phaseText(op.action, op.stage, step);
      this.emit('operation', copy(op));
    }
  }

  private finish(op: ComposeOperation, state: ComposeOperation['state'], problem: ComposeProblem | null): ComposeOperation {
    op.state = state;
    op.problem = problem;
    op.endedAt = new Date().toISOString();
    op.step = null;
    op.phase = state === 'done' ? `${op.action} finished` : state === 'cancelled' ? `${op.action} cancelled` : `${op.action} failed`;
    if (this.op === op) this.abort = null;
    this.emit('operation', copy(op));
    return copy(op);
  }
}
