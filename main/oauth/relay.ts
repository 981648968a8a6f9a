/**
 * How an OAuth redirect that reached our callback listener gets to the Claude Code process waiting for it.
 *
 * Three implementations exist, chosen by who started the login:
 * - `ControlChannelRelay` (logins our driver started, both runtimes): hands the URL to Claude Code over its stream-json
 *   control channel (`mcp_oauth_callback_url`). The channel is the process's stdio, so this reaches Claude Code
 *   wherever it runs, the container included, without any port of its own.
 * - `HttpCallbackRelay` (local runtime, logins registered via POST /oauth/register): an HTTP GET of the redirect URL
 *   re-targeted at Claude Code's own listener on 127.0.0.1:<its callback port>.
 * - docker: the same GET, run inside the container (`docker compose exec`) because Claude Code's listener binds the
 *   container's loopback. The docker runtime supplies it through a `RelayFactory` (the seam below).
 */
import { z } from 'zod';

export type RelayResult = { ok: true; detail?: string } | { ok: false; reason: string };

export interface CallbackRelay {
  /** Where it delivers, for /health and logs (e.g. "claude control channel", "127.0.0.1:45123"). */
  readonly target: string;
  /** Delivers the full redirect URL (query string intact). Never throws: failures are a RelayResult. */
  deliver(redirectUrl: string, signal: AbortSignal): Promise<RelayResult>;
}

/** A registration's target, as POST /oauth/register accepts it. */
export const relayTargetSchema = z.object({
  runtime: z.enum(['local', 'docker']),
  /** Claude Code's own callback port (127.0.0.1 of wherever it runs). */
  callbackPort: z.number().int().min(1).max(65535),
});
export type RelayTarget = z.infer<typeof relayTargetSchema>;

/** Builds the relay for a registered target; returns null when this app cannot reach that runtime. */
export type RelayFactory = (target: RelayTarget) => CallbackRelay | null;

const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Claude Code's listener only serves `/callback`; keep the query, swap origin and path. */
export function retarget(redirectUrl: string, host: string, port: number): string {
  const src = new URL(redirectUrl);
  return `http://${host}:${port}/callback${src.search}`;
}

export class HttpCallbackRelay implements CallbackRelay {
  readonly target: string;
  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
    private readonly timeoutMs = 30_000,
  ) {
    this.target = `${host}:${port}`;
  }

  async deliver(redirectUrl: string, signal: AbortSignal): Promise<RelayResult> {
    const url = retarget(redirectUrl, this.host, this.port);
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]), redirect: 'manual' });
      const body = await res.text();
      if (res.ok && !/Authentication failed/i.test(body)) return { ok: true, detail: `Claude Code's listener on ${this.target} accepted the callback` };
      return { ok: false, reason: `Claude Code's listener on ${this.target} answered ${res.status}${/Invalid state/i.test(body) ? ' (state mismatch: that sign-in is no longer waiting)' : ''}` };
    } catch (err) {
      return { ok: false, reason: `could not reach Claude Code's listener on ${this.target}: ${describeError(err)} — is the sign-in still waiting?` };
    }
  }
}

/** Wraps a submit function (the driver's `mcp_oauth_callback_url` call), which resolves once tokens are stored. */
export class ControlChannelRelay implements CallbackRelay {
  constructor(
    readonly target: string,
    private readonly submit: (redirectUrl: string, signal: AbortSignal) => Promise<void>,
  ) {}

  async deliver(redirectUrl: string, signal: AbortSignal): Promise<RelayResult> {
    try {
      await this.submit(redirectUrl, signal);
      return { ok: true, detail: 'tokens stored by Claude Code' };
    } catch (err) {
      return { ok: false, reason: describeError(err) };
    }
  }
}

/** The local runtime's factory: Claude Code listens on this machine's loopback. Docker targets need the docker runtime's factory. */
export const localRelayFactory: RelayFactory = (target) => (target.runtime === 'local' ? new HttpCallbackRelay(target.callbackPort) : null);
