/**
 * Which port Claude Code's own OAuth callback listener uses (env MCP_OAUTH_CALLBACK_PORT; a server's
 * `oauth.callbackPort` still wins). It only matters when Claude Code falls back to its own listener — a server
 * configured with a pre-registered client id, or an authorization server that refused our redirect URI:
 * - docker: the same port as our listener (8888), because the browser on the host reaches the host's 8888 — our
 *   listener — which hands the callback into the container. Claude Code binds the container's loopback, so no clash.
 * - local: any free port other than ours, so the two listeners never fight over one port; the browser then reaches
 *   Claude Code's listener directly on the host's loopback, and the driver watches mcp_status for completion.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export function pickFreePort(host = '127.0.0.1', avoid: ReadonlyArray<number> = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => (avoid.includes(port) ? pickFreePort(host, avoid).then(resolve, reject) : resolve(port)));
    });
  });
}

export async function claudeCallbackPortEnv(runtime: 'local' | 'docker', listenerPort: number): Promise<{ MCP_OAUTH_CALLBACK_PORT: string }> {
  if (runtime === 'docker') return { MCP_OAUTH_CALLBACK_PORT: String(listenerPort) };
  return { MCP_OAUTH_CALLBACK_PORT: String(await pickFreePort('127.0.0.1', [listenerPort])) };
}
