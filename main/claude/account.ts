/**
 * The Claude account as one service: the credential saved in the app, the environment Claude runs get (the
 * runtime's base env with that credential applied), and the sign-in monitor reading Claude Code's own status with
 * that same environment, where Claude runs. The gateway asks it whether to refuse a request early; the control
 * API saves and removes credentials through it; Health shows its component.
 */
import type { ClaudeAuthStatus, ClaudeCredentialKind } from '../contract/claude-auth-api.ts';
import type { ComponentHealth } from '../contract/control-api.ts';
import { claudeCredential } from '../health/claude-credentials.ts';
import { ClaudeAuthMonitor, type AuthSnapshot } from './auth-monitor.ts';
import { readAuthStatus, type ClaudeCommand } from './auth-status.ts';
import { describeSignIn, expiryIso, signInFix } from './auth-summary.ts';
import { checkCredential, hasCustomEndpoint, REPLACED_BY_STORED } from './credential-shape.ts';
import { ClaudeCredentialStore } from './credential-store.ts';
import { containerEnv } from './docker-spawn.ts';
import type { LoginLauncher } from './login-process.ts';
import { FILE_PERMISSIONS_BOX_KIND, type SecretBox } from './secret-box.ts';
import { SubscriptionLogin } from './subscription-login.ts';

export interface ClaudeAccountOptions {
  dataDir: string;
  /** The runtime's base env (ANTHROPIC_*, HOME…), before a saved credential is applied. */
  baseEnv: NodeJS.ProcessEnv;
  runtime: 'local' | 'docker';
  /** Runs `claude …` where Claude runs (auth-status.ts: localClaudeCommand / dockerClaudeCommand). */
  command: ClaudeCommand;
  /** Default: the 0600 file only (headless); Electron passes a safeStorage box. */
  box?: SecretBox;
  fromLoginShell?: ReadonlySet<string>;
  /** Things worth a log line (never with a value). */
  warn?: (message: string) => void;
  /** Progress of a subscription sign-in (never a code). */
  info?: (message: string) => void;
  refreshMs?: number;
  /** `claude auth login` where Claude runs (login-process.ts); without it there is no subscription sign-in. */
  login?: {
    launcher: LoginLauncher;
    /** Opens the sign-in page (Electron: the safe openExternal); headless: none, the link is logged and shown. */
    openUrl?: (url: string) => void | Promise<void>;
    timeoutMs?: number;
  };
}

/** A pasted value the shape check refused; the message never contains the value. */
export class CredentialRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialRejected';
  }
}

export class ClaudeAccount {
  readonly credentials: ClaudeCredentialStore;
  readonly monitor: ClaudeAuthMonitor;
  /** The subscription sign-in (`claude auth login` driven by the app); null when no launcher was given. */
  readonly login: SubscriptionLogin | null;
  private readonly envListeners = new Set<() => void>();

  constructor(private readonly opts: ClaudeAccountOptions) {
    this.credentials = new ClaudeCredentialStore({ dataDir: opts.dataDir, ...(opts.box ? { box: opts.box } : {}), ...(opts.warn ? { onProblem: opts.warn } : {}) });
    this.monitor = new ClaudeAuthMonitor(() => readAuthStatus(opts.command, this.env()), opts.refreshMs);
    const l = opts.login;
    this.login = l
      ? new SubscriptionLogin({
          launcher: l.launcher,
          env: () => this.env(),
          // A login that went through changed Claude Code's credentials: spares started before must go, like a saved key.
          finished: (ok) => (ok ? this.envChanged('a subscription sign-in finished') : this.refresh()),
          ...(l.openUrl ? { openUrl: l.openUrl } : {}),
          ...(l.timeoutMs ? { timeoutMs: l.timeoutMs } : {}),
          log: { info: (m) => opts.info?.(m), warn: (m) => opts.warn?.(m) },
        })
      : null;
  }

  /** What Claude runs get: the base env, with a saved credential replacing the env's own credential variables. */
  env(): NodeJS.ProcessEnv {
    const saved = this.credentials.env();
    if (Object.keys(saved).length === 0) return this.opts.baseEnv;
    const env: NodeJS.ProcessEnv = { ...this.opts.baseEnv };
    for (const k of REPLACED_BY_STORED) delete env[k];
    return Object.assign(env, saved);
  }

  /** Called after the env changed (credential saved or removed): spares started with the old one must go. */
  onEnvChange(cb: () => void): () => void {
    this.envListeners.add(cb);
    return () => this.envListeners.delete(cb);
  }

  async start(): Promise<void> {
    await this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
    void this.login?.close();
  }

  knownSignedOut(): boolean {
    return this.monitor.knownSignedOut();
  }

  /** Checks the shape, saves, and reads the status again with the new env. */
  async saveCredential(kind: ClaudeCredentialKind, value: string): Promise<ClaudeAuthStatus> {
    const check = checkCredential(kind, value, { customEndpoint: hasCustomEndpoint(this.opts.baseEnv) });
    if (!check.ok) throw new CredentialRejected(check.message);
    this.credentials.save(kind, check.value);
    return this.envChanged('a credential was saved');
  }

  async clearCredential(): Promise<ClaudeAuthStatus> {
    if (!this.credentials.clear()) return this.status();
    return this.envChanged('the saved credential was removed');
  }

  /** `claude auth logout` where Claude runs: ends a subscription login (not a saved or environment key). */
  async logout(): Promise<{ ok: boolean; message: string; status: ClaudeAuthStatus }> {
    let ok = false;
    let message: string;
    try {
      const r = await this.opts.command(['auth', 'logout'], this.env(), 30_000);
      ok = r.code === 0;
      message = (r.stdout.trim() || r.stderr.trim() || `exit code ${r.code}`).split('\n')[0].slice(0, 300);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    await this.monitor.refresh();
    return { ok, message, status: this.status() };
  }

  async refresh(): Promise<ClaudeAuthStatus> {
    await this.monitor.refresh();
    return this.status();
  }

  /** A run failed because Claude Code's credential was missing or refused. */
  runFailedForAuth(message: string): void {
    this.monitor.noteRejected(message);
    void this.monitor.refresh();
  }

  runAnswered(): void {
    this.monitor.noteAnswered();
  }

  private async envChanged(why: string): Promise<ClaudeAuthStatus> {
    this.monitor.invalidate(`checking again: ${why}`);
    for (const cb of this.envListeners) cb();
    await this.monitor.refresh();
    return this.status();
  }

  /** The "from where" of the credential in use, as Claude Code's precedence picks it. */
  private source(): ReturnType<typeof claudeCredential> {
    const env = this.env();
    const savedInApp = new Set(Object.keys(this.credentials.env()));
    if (this.opts.runtime === 'docker') {
      // Only Claude's own variables enter the container; its login lives in the container's volume, not this HOME.
      return claudeCredential({ ...containerEnv(env), HOME: '/nonexistent-container-home' }, { savedInApp, ...(this.opts.fromLoginShell ? { fromLoginShell: this.opts.fromLoginShell } : {}) });
    }
    return claudeCredential(env, { savedInApp, ...(this.opts.fromLoginShell ? { fromLoginShell: this.opts.fromLoginShell } : {}) });
  }

  /** Where the credential in use comes from, as Health's claude component says it (null: none found). */
  sourceSentence(): string | null {
    const s = this.source();
    return s ? `${s.kind} (${s.where})` : null;
  }

  status(): ClaudeAuthStatus {
    const snap = this.monitor.snapshot();
    const s = snap.status;
    const fix = signInFix(this.opts.runtime);
    return {
      state: snap.state,
      summary: summaryOf(snap, s ? describeSignIn(s, this.source()) : null),
      fix: snap.state === 'signed_out' || snap.rejected ? fix : null,
      method: s?.authMethod ?? null,
      provider: s?.apiProvider ?? null,
      subscription: s?.subscriptionType ?? null,
      account: s && (s.email || s.orgName) ? { email: s.email ?? null, organization: s.orgName ?? null } : null,
      expiresAt: s ? expiryIso(s.loginExpiresAt) : null,
      rejected: snap.rejected,
      runtime: this.opts.runtime,
      checkedAt: snap.checkedAt,
      stored: this.credentials.info(),
    };
  }

  /** Health's `claude-auth` component: ok with the sentence, or error with the fix. */
  health(): ComponentHealth {
    const snap = this.monitor.snapshot();
    const st = this.status();
    const saved = st.stored ? `${st.stored.hint} (${st.stored.kind === 'api_key' ? 'API key' : 'OAuth token'}, ${protectionWords(st.stored.protection)}${st.stored.readable ? '' : ', cannot be read: save it again'})` : null;
    const details = { method: st.method, provider: st.provider, subscription: st.subscription, expiresAt: st.expiresAt, saved, checkedAt: st.checkedAt };
    const base = { name: 'claude-auth', since: snap.since, details };
    if (snap.state === 'signed_out') return { ...base, status: 'error', reason: `Not signed in. Fix: ${st.fix}` };
    if (snap.state === 'unknown') return { ...base, status: snap.checkedAt ? 'stopped' : 'starting', reason: st.summary };
    if (snap.rejected) return { ...base, status: 'error', reason: `${st.summary}, but the model API refused it: ${snap.rejected.message}. Fix: ${st.fix}` };
    return { ...base, status: 'ok', reason: st.summary };
  }
}

function protectionWords(box: string): string {
  return box === FILE_PERMISSIONS_BOX_KIND ? 'not encrypted, file permissions only' : `encrypted by ${box}`;
}

function summaryOf(snap: AuthSnapshot, sentence: string | null): string {
  if (snap.state === 'unknown') return `unknown: ${snap.reason ?? 'not checked yet'}`;
  return sentence ?? (snap.state === 'signed_out' ? 'Not signed in' : 'Signed in');
}
