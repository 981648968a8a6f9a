import { BRIDGE_GLOBAL, type BridgeHost } from '../../../main/contract/bridge.ts';

const TOKEN_KEY = 'ccg.adminToken';
const API_KEY = 'ccg.controlUrl';

export interface ControlTarget {
  /** Base URL of the control API (no trailing slash). */
  url: string;
  /** Admin token, or null when the page was opened without one. */
  token: string | null;
  /** Where the token came from, for the "no token" screen. */
  source: 'bridge' | 'url' | 'session' | 'none';
}

/**
 * Where the control API is and its admin token. Electron: from the preload bridge. Browser (headless mode): the URL
 * printed at start carries `#token=…` (Jupyter style; a fragment never reaches a server or a log); it is moved to
 * sessionStorage and stripped from the address bar at once. `api=` in the fragment points a dev server elsewhere.
 */
export async function resolveControlTarget(): Promise<ControlTarget> {
  const bridge = (window as unknown as BridgeHost)[BRIDGE_GLOBAL];
  if (bridge) {
    const c = await bridge.getControl();
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

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
