/**
 * Signing Claude Code in to a Claude subscription (or the Anthropic Console) from the app: drives
 * `claude auth login` where Claude runs, without a terminal, one login at a time, and reports each step:
 *
 *   started → waiting_for_browser (the sign-in link) → code_received → signed_in | failed (reason)
 *
 * The link is opened through the app's own opener (Electron: the system browser; headless: logged, and shown in
 * the dashboard). When the page ends by showing a code, the user pastes it in the app and it goes to Claude Code's
 * stdin. Local runtime: the link normally sends the browser straight back to Claude Code (browser-recorder.ts),
 * so no code is needed. Success is the process exiting 0 *and* Claude Code then reporting itself signed in.
 * Cancel, the deadline and shutdown kill the process tree; a login's result settles only once it is gone.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ClaudeAuthStatus, ClaudeLoginMethod, ClaudeLoginSnapshot, ClaudeLoginStep } from '../contract/claude-auth-api.ts';
import { checkCode, completeLines, failureMessage, findSignInUrl, withoutCode } from './login-output.ts';
import type { LoginLauncher, LoginProcess } from './login-process.ts';

type Env = Record<string, string | undefined>;

export interface SubscriptionLoginOptions {
  launcher: LoginLauncher;
  /** The environment Claude runs get (the account's, with a saved credential applied). */
  env: () => Env;
  /** After the process ended: Claude Code's status read again; `ok` when it exited 0 (its login changed). */
  finished: (ok: boolean) => Promise<ClaudeAuthStatus>;
  /** Opens the sign-in page (Electron: the safe openExternal). Without one the link is logged and shown. */
  openUrl?: (url: string) => void | Promise<void>;
  /** How long a login may wait for the user; default 10 minutes. */
  timeoutMs?: number;
  /** How long to wait for Claude Code's own "open the browser" after its link was printed; default 5 s. */
  browserGraceMs?: number;
  log?: { info(message: string): void; warn(message: string): void };
}

/** A login is already running: one at a time (a second `claude auth login` would race for the same credentials file). */
export class LoginInProgress extends Error {
  constructor(readonly login: ClaudeLoginSnapshot) {
    super('A Claude sign-in is already running: finish or cancel it first.');
    this.name = 'LoginInProgress';
  }
}

/** A code arrived while no login waits for one. */
export class NotWaitingForCode extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotWaitingForCode';
  }
}

/** The pasted text cannot be a code; the message never repeats it. */
export class InvalidCode extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCode';
  }
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** One running login's private state. */
interface Running {
  snap: ClaudeLoginSnapshot;
  proc: LoginProcess | null;
  /** Set when the app ends it (cancel, deadline, shutdown): the reason shown instead of Claude Code's exit. */
  stopReason: string | null;
  stdout: string;
  stderr: string;
  stderrRest: string;
  /** Pasted codes, kept only to take them out of any text shown. */
  codes: string[];
  printedUrl: string | null;
  browserUrl: string | null;
  opened: boolean;
  /** Waiting for Claude Code's own "open the browser" after the link was printed. */
  grace: boolean;
  timers: NodeJS.Timeout[];
  result: Promise<ClaudeLoginSnapshot>;
}

export class SubscriptionLogin extends EventEmitter<{ change: [ClaudeLoginSnapshot] }> {
  private running: Running | null = null;
  private last: ClaudeLoginSnapshot | null = null;

  constructor(private readonly opts: SubscriptionLoginOptions) {
    super();
    // One listener per open dashboard stream.
    this.setMaxListeners(50);
  }

  get runtime(): 'local' | 'docker' {
    return this.opts.launcher.runtime;
  }

  /** The running login, else the last one (null before any). */
  snapshot(): ClaudeLoginSnapshot | null {
    return this.running?.snap ?? this.last;
  }

  /** Host pid of the running login's process (tests, diagnostics); null when none runs. */
  currentProcess(): { pid: number | null; marker: string } | null {
    const p = this.running?.proc;
    return p ? { pid: p.pid, marker: p.marker } : null;
  }

  /** Starts `claude auth login`; throws LoginInProgress while another runs. `result` settles once its process is gone. */
  start(method: ClaudeLoginMethod = 'claudeai'): { login: ClaudeLoginSnapshot; result: Promise<ClaudeLoginSnapshot> } {
    if (this.running) throw new LoginInProgress(this.running.snap);
    const now = Date.now();
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const snap: ClaudeLoginSnapshot = {
      loginId: crypto.randomUUID(),
      method,
      runtime: this.runtime,
      startedAt: now,
      deadline: now + timeoutMs,
      step: 'started',
      url: null,
      returnsByItself: false,
      codeUrl: null,
      notice: null,
      reason: null,
      done: false,
      events: [],
    };
    const run: Running = { snap, proc: null, stopReason: null, stdout: '', stderr: '', stderrRest: '', codes: [], printedUrl: null, browserUrl: null, opened: false, grace: false, timers: [], result: Promise.resolve(snap) };
    this.running = run;
    this.emitStep(run, { step: 'started', method, runtime: this.runtime });
    run.timers.push(setTimeout(() => this.stop(run, `timed out: no sign-in within ${Math.round(timeoutMs / 60_000)} min`), timeoutMs));
    run.result = this.drive(run).finally(() => {
      for (const t of run.timers) clearTimeout(t);
      run.codes = [];
      this.last = run.snap;
      if (this.running === run) this.running = null;
    });
    return { login: snap, result: run.result };
  }

  /** Resolves once the login shows a link (or ended), or after `timeoutMs` with whatever it shows then. */
  whenShown(timeoutMs = 30_000): Promise<ClaudeLoginSnapshot | null> {
    const run = this.running;
    if (!run) return Promise.resolve(this.last);
    const shown = (s: ClaudeLoginSnapshot): boolean => s.url !== null || s.done;
    if (shown(run.snap)) return Promise.resolve(run.snap);
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.off('change', onChange);
        resolve(run.snap);
      };
      const onChange = (s: ClaudeLoginSnapshot): void => {
        if (s.loginId === run.snap.loginId && shown(s)) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('change', onChange);
    });
  }

  /** The running login's end (its process gone), or the last login at once. */
  whenDone(): Promise<ClaudeLoginSnapshot | null> {
    return this.running ? this.running.result : Promise.resolve(this.last);
  }

  /** Writes the code the sign-in page showed to Claude Code's stdin. */
  submitCode(raw: string): ClaudeLoginSnapshot {
    const run = this.running;
    if (!run || run.snap.done || !run.proc) throw new NotWaitingForCode('No Claude sign-in is waiting for a code: start one first.');
    if (run.snap.step !== 'waiting_for_browser') {
      throw new NotWaitingForCode(run.snap.step === 'code_received' ? 'Claude Code is already checking a code: wait for its answer.' : 'Claude Code has not shown its sign-in link yet.');
    }
    const checked = checkCode(raw);
    if (!checked.ok) throw new InvalidCode(checked.message);
    run.codes.push(checked.code);
    run.proc.write(`${checked.code}\n`);
    this.emitStep(run, { step: 'code_received', via: 'pasted' });
    return run.snap;
  }

  /** Stops the running login (its process tree goes); false when none runs. */
  cancel(reason = 'cancelled'): boolean {
    const run = this.running;
    if (!run || run.snap.done) return false;
    this.stop(run, reason);
    return true;
  }

  /** Shutdown: stops a running login and waits until its process is gone. */
  async close(): Promise<void> {
    const run = this.running;
    if (!run) return;
    this.stop(run, 'the app is shutting down');
    await run.result;
  }

  private stop(run: Running, reason: string): void {
    if (run.snap.done || run.stopReason) return;
    run.stopReason = reason;
    run.proc?.kill(); // still launching: drive() kills it as soon as it exists
  }

  private async drive(run: Running): Promise<ClaudeLoginSnapshot> {
    const args = ['auth', 'login', run.snap.method === 'console' ? '--console' : '--claudeai'];
    let proc: LoginProcess;
    try {
      proc = await this.opts.launcher.launch({
        args,
        env: this.opts.env(),
        onStdout: (text) => this.onStdout(run, text),
        onStderr: (text) => this.onStderr(run, text),
        onBrowserUrl: (url) => {
          run.browserUrl = url;
          this.maybeShow(run);
        },
      });
    } catch (err) {
      this.fail(run, err instanceof Error ? err.message : String(err));
      return run.snap;
    }
    run.proc = proc;
    if (run.stopReason) proc.kill();
    const exit = await proc.exited;
    run.proc = null;

    if (run.stopReason) {
      this.fail(run, run.stopReason);
      void this.opts.finished(false).catch(() => undefined);
      return run.snap;
    }
    if (exit.code !== 0) {
      const said = failureMessage(run.stderr, run.stdout, exit.code, exit.signal);
      this.fail(run, run.printedUrl || run.browserUrl ? said : `Claude Code did not show a sign-in link: ${said}`);
      void this.opts.finished(false).catch(() => undefined);
      return run.snap;
    }
    let status: ClaudeAuthStatus;
    try {
      status = await this.opts.finished(true);
    } catch (err) {
      this.fail(run, `Claude Code finished the sign-in, but its status could not be read: ${err instanceof Error ? err.message : String(err)}`);
      return run.snap;
    }
    if (status.state !== 'signed_in') {
      this.fail(run, `Claude Code finished the sign-in, but then reported: ${status.summary}`);
      return run.snap;
    }
    // No code was pasted: the browser came back to Claude Code's own listener.
    if (run.snap.step !== 'code_received') this.emitStep(run, { step: 'code_received', via: 'browser' });
    this.emitStep(run, { step: 'signed_in', summary: status.summary });
    return run.snap;
  }

  private onStdout(run: Running, text: string): void {
    run.stdout = (run.stdout + text).slice(-64_000);
    if (run.printedUrl === null) {
      run.printedUrl = findSignInUrl(run.stdout);
      if (run.printedUrl !== null) this.maybeShow(run);
    }
  }

  private onStderr(run: Running, text: string): void {
    run.stderr = (run.stderr + text).slice(-16_000);
    const { lines, rest } = completeLines(run.stderrRest + text);
    run.stderrRest = rest.slice(-4_000);
    for (const raw of lines) {
      // "Couldn't log in: …" ends the process: its exit reports it. Anything else while it lives is about the
      // code just pasted ("That doesn't look like the full code…"), and it reads stdin again.
      if (/^couldn'?t log in\b/i.test(raw) || run.snap.done || run.snap.url === null) continue;
      const notice = withoutCode(raw, run.codes).slice(0, 300);
      this.emitStep(run, { step: 'waiting_for_browser', url: run.snap.url, notice });
    }
  }

  /** Publishes the link: the printed one, or (local) the one Claude Code tried to open, given a moment to arrive. */
  private maybeShow(run: Running): void {
    if (run.snap.url !== null || run.snap.done) return;
    if (run.printedUrl === null) return;
    if (this.opts.launcher.catchesBrowser && run.browserUrl === null) {
      if (!run.grace) run.timers.push(setTimeout(() => this.show(run), this.opts.browserGraceMs ?? 5_000));
      run.grace = true;
      return;
    }
    this.show(run);
  }

  private show(run: Running): void {
    if (run.snap.url !== null || run.snap.done || run.printedUrl === null) return;
    const url = run.browserUrl ?? run.printedUrl;
    run.snap.returnsByItself = run.browserUrl !== null;
    run.snap.codeUrl = run.browserUrl !== null ? run.printedUrl : null;
    this.emitStep(run, { step: 'waiting_for_browser', url, notice: null });
    if (run.opened) return;
    run.opened = true;
    if (!this.opts.openUrl) {
      this.opts.log?.info(`Claude sign-in: open this link to sign in: ${url}`);
      return;
    }
    Promise.resolve()
      .then(() => this.opts.openUrl?.(url))
      .catch((err: unknown) => this.opts.log?.warn(`Claude sign-in: could not open the browser (${err instanceof Error ? err.message : String(err)}); the link is on the dashboard's Claude account page`));
  }

  private fail(run: Running, reason: string): void {
    if (run.snap.done) return;
    this.emitStep(run, { step: 'failed', reason: withoutCode(reason, run.codes) });
  }

  private emitStep(run: Running, step: ClaudeLoginStep): void {
    const snap = run.snap;
    snap.events = [...snap.events, { ...step, loginId: snap.loginId, at: Date.now() }];
    snap.step = step.step;
    if (step.step === 'waiting_for_browser') {
      snap.url = step.url;
      snap.notice = step.notice;
    }
    if (step.step === 'failed') snap.reason = step.reason;
    if (step.step === 'failed' || step.step === 'signed_in') snap.done = true;
    const detail = step.step === 'failed' ? `: ${step.reason}` : step.step === 'signed_in' ? `: ${step.summary}` : step.step === 'waiting_for_browser' && step.notice ? ` (Claude Code: ${step.notice})` : '';
    this.opts.log?.info(`Claude sign-in (${snap.runtime}, ${snap.method}): ${step.step}${detail}`);
    // Listeners get a copy: a later step must not change what they already hold.
    this.emit('change', structuredClone(snap));
  }
}
