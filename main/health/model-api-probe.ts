/**
 * Why the model API could not be reached, in words. Claude Code's retry notice says only "unknown" when no HTTP answer
 * came (no status): one TCP connection to the configured endpoint tells a refused connection, a name that does not
 * resolve and a timeout apart, so the client's retry line can say which.
 */
import dns from 'node:dns/promises';
import net from 'node:net';

export const ANTHROPIC_API_URL = 'https://api.anthropic.com';

const WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  EAI_NONAME: 'host not found (DNS)',
};

/** The cause, or null when a connection opens (then the failure is beyond it: TLS, a proxy, a slow answer). */
export async function connectionCause(baseUrl: string, timeoutMs = 3_000): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return 'invalid ANTHROPIC_BASE_URL';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'http:' ? 80 : 443);
  try {
    if (!net.isIP(host)) await dns.lookup(host);
  } catch (err) {
    return WORDS[(err as NodeJS.ErrnoException).code ?? ''] ?? 'DNS lookup failed';
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (cause: string | null): void => {
      socket.destroy();
      resolve(cause);
    };
    socket.setTimeout(timeoutMs, () => done('connection timed out'));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(WORDS[err.code ?? ''] ?? 'network error'));
  });
}
