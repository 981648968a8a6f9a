import { BRIDGE_GLOBAL, type BridgeHost, type ControlState, type GatewayBridge } from '../../../main/contract/bridge.ts';

const TOKEN_KEY = 'ccg.adminToken';
const API_KEY = 'ccg.controlUrl';

export interface ControlTarget {
  /** Base URL of the control API (no trailing slash). */
  url: string;
  /** Admin token, or null when the page was opened without one. */
  token: string | null;
  /** Where the token came from, for the "no token" screen. */
  source: 'bridge' | 'url' | 'session' | 'none';
  /** Electron only: the app's own server could not listen (e.g. the port is taken): the page says so instead. */
  unavailable?: Extract<ControlState, { state: 'unavailable' }>;
}

/**
 * Where the control API is and its admin token. Electron: from the preload bridge. Browser (headless mode): the URL
 * printed at start carries `#token=…` (Jupyter style; a fragment never reaches a server or a log); it is moved to
 * sessionStorage and stripped from the address bar at once. `api=` in the fragment points a dev server elsewhere.
 */
export async function resolveControlTarget(): Promise<ControlTarget> {
  const bridge = desktopBridge();
  if (bridge) {
    // The bridge answers 'starting' until our own server listens: wait for it rather than guess a URL.
    let c = await bridge.getControl();
    while (c.state === 'starting') {
      await new Promise((r) => setTimeout(r, 250));
      c = await bridge.getControl();
    }
    if (c.state === 'unavailable') return { url: '', token: null, source: 'bridge', unavailable: c };
    return { url: c.url.replace(/\/+$/, ''), token: c.token, source: 'bridge' };
  }
  const frag = new URLSearchParams(window.location.hash.replace(/^#\/?/, ''));
  const query = new URLSearchParams(window.location.search);
  const fromUrl = frag.get('token') ?? query.get('token');
  const apiFromUrl = frag.get('api');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    if (apiFromUrl) sessionStorage.setItem(API_KEY, apiFromUrl);
    query.delete('token');
    const search = query.toString();
    window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}#/`);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  const url = (sessionStorage.getItem(API_KEY) ?? window.location.origin).replace(/\/+$/, '');
  return { url, token, source: fromUrl ? 'url' : token ? 'session' : 'none' };
}

/** The preload bridge (Electron), or null in a plain browser. The one place the renderer reaches for it. */
export function desktopBridge(): GatewayBridge | null {
  return (window as unknown as BridgeHost)[BRIDGE_GLOBAL] ?? null;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
