/**
 * The tray, as data. One state object in, icon + tooltip + menu out; Electron's tray code only renders this, and the
 * menu is rebuilt whenever the model changes (the whispo approach: no menu item is ever patched in place).
 */

import type { GatewayState } from '../contract/control-api.ts';

/** The gateway's state (the contract's one union), as the tray calls it. */
export type GatewayStatus = GatewayState;
export type ContainerStatus = 'running' | 'starting' | 'building' | 'stopping' | 'stopped' | 'missing' | 'error' | 'unknown';
/** An MCP server as the tray cares about it: does the user have to log in, or is a login under way? */
export type McpAuthStatus = 'needs-auth' | 'login-pending' | 'connected' | 'failed' | 'pending';

export interface ShellState {
  gateway: GatewayStatus;
  /** Short reason shown when gateway === 'error'. */
  gatewayError?: string;
  /** The OpenAI-compatible API, e.g. http://127.0.0.1:8000 (no /v1). */
  gatewayUrl: string;
  /** The OAuth callback listener's port, null when it is not listening. */
  oauthPort: number | null;
  activeRuns: number;
  /** null when Claude runs locally (no container to manage). detail: a problem's reason, or a build's "step 3/11". */
  container: { status: ContainerStatus; detail?: string } | null;
  mcpServers: ReadonlyArray<{ name: string; status: McpAuthStatus }>;
  /** Whether Claude Code can answer (false: the tray offers to sign in); null/absent = not known. */
  claudeSignedIn?: boolean | null;
  startAtLogin: boolean;
  /** Start at login cannot be offered everywhere (e.g. an unpackaged dev run). */
  startAtLoginSupported: boolean;
  /** Closing the window keeps the app in the tray (true) or quits it (false). */
  keepRunningInTray: boolean;
  quitting: boolean;
}

export type TrayAction =
  | { type: 'gateway.start' }
  | { type: 'gateway.stop' }
  | { type: 'container.up' }
  | { type: 'container.down' }
  | { type: 'container.rebuild' }
  | { type: 'mcp.login'; server: string }
  | { type: 'dashboard.open' }
  | { type: 'claude.signin' }
  | { type: 'openwebui.copy-url' }
  | { type: 'logs.open' }
  | { type: 'start-at-login.set'; value: boolean }
  | { type: 'keep-in-tray.set'; value: boolean }
  | { type: 'quit' };

export type MenuItemModel =
  | { kind: 'item'; id: string; label: string; enabled: boolean; action?: TrayAction }
  | { kind: 'checkbox'; id: string; label: string; enabled: boolean; checked: boolean; action: TrayAction }
  | { kind: 'submenu'; id: string; label: string; enabled: boolean; items: MenuItemModel[] }
  | { kind: 'separator' };

export type TrayIconName = `tray-${GatewayStatus}` | `tray-${GatewayStatus}-badge`;

export interface TrayModel {
  icon: TrayIconName;
  tooltip: string;
  menu: MenuItemModel[];
}

export const PRODUCT_NAME = 'Claude Code Gateway';
/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

const STATUS_LABEL: Record<GatewayStatus, string> = {
  running: 'running',
  starting: 'starting…',
  stopped: 'stopped',
  error: 'error',
};

/** A login the user has to act on: a server needing auth, or a browser login started and not finished. */
export function loginWaiting(state: Pick<ShellState, 'mcpServers'>): boolean {
  return state.mcpServers.some((s) => s.status === 'needs-auth' || s.status === 'login-pending');
}

export function trayIcon(state: Pick<ShellState, 'gateway' | 'mcpServers'>): TrayIconName {
  return loginWaiting(state) ? `tray-${state.gateway}-badge` : `tray-${state.gateway}`;
}

export function portOf(url: string): number | null {
  try {
    const u = new URL(url);
    if (u.port) return Number(u.port);
    return u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : null;
  } catch {
    return null;
  }
}

/**
 * The base URL to paste into OpenWebUI ("OpenAI API" connection): the gateway URL + /v1. A wildcard bind address is
 * not something a client can connect to, so it becomes 127.0.0.1.
 */
export function openWebUiBaseUrl(gatewayUrl: string): string {
  const u = new URL(gatewayUrl);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  const base = u.toString().replace(/\/+$/, '');
  return `${base}/v1`;
}

/** The container's state in words (menu header, tooltip). */
function containerLine(c: NonNullable<ShellState['container']>): string {
  const status = c.status === 'building' ? 'building image' : c.status;
  return `Container: ${status}${c.detail ? ` (${c.detail})` : ''}`;
}

/** The container is between states (an operation runs): nothing else may be started. */
function transitioning(c: NonNullable<ShellState['container']>): boolean {
  return c.status === 'starting' || c.status === 'building' || c.status === 'stopping';
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function trayTooltip(state: ShellState): string {
  const lines = [`${PRODUCT_NAME}: ${STATUS_LABEL[state.gateway]}`];
  if (state.gateway === 'error' && state.gatewayError) lines.push(state.gatewayError.split('\n')[0]);
  const ports: string[] = [];
  const api = portOf(state.gatewayUrl);
  if (api !== null && state.gateway !== 'stopped') ports.push(`API :${api}`);
  if (state.oauthPort !== null) ports.push(`OAuth :${state.oauthPort}`);
  if (ports.length) lines.push(ports.join(' · '));
  if (state.gateway === 'running' || state.activeRuns > 0) lines.push(plural(state.activeRuns, 'active request', 'active requests'));
  if (state.claudeSignedIn === false) lines.push('Claude: not signed in');
  const waiting = state.mcpServers.filter((s) => s.status === 'needs-auth' || s.status === 'login-pending').length;
  if (waiting) lines.push(`${plural(waiting, 'MCP server needs', 'MCP servers need')} login`);
  // A build takes minutes: hovering the icon shows how far it is.
  if (state.container && transitioning(state.container)) lines.push(containerLine(state.container));
  let text = lines.join('\n');
  if (text.length > TOOLTIP_MAX) text = `${text.slice(0, TOOLTIP_MAX - 1)}…`;
  return text;
}

function gatewayItems(state: ShellState): MenuItemModel[] {
  const busy = state.quitting;
  switch (state.gateway) {
    case 'running':
      return [{
        kind: 'item',
        id: 'gateway.stop',
        label: state.activeRuns > 0 ? `Stop gateway (${plural(state.activeRuns, 'active request', 'active requests')})` : 'Stop gateway',
        enabled: !busy,
        action: { type: 'gateway.stop' },
      }];
    case 'starting':
      return []; // the status line above already says "starting…"; nothing to click until it settles
    case 'stopped':
    case 'error':
      return [{ kind: 'item', id: 'gateway.start', label: state.gateway === 'error' ? 'Restart gateway' : 'Start gateway', enabled: !busy, action: { type: 'gateway.start' } }];
  }
}

function containerItems(state: ShellState): MenuItemModel[] {
  if (!state.container) return [];
  const { status } = state.container;
  const header: MenuItemModel = { kind: 'item', id: 'container.status', label: containerLine(state.container), enabled: false };
  const idle = !state.quitting && !transitioning(state.container);
  const canUp = idle && status !== 'running';
  const canDown = idle && (status === 'running' || status === 'error' || status === 'unknown');
  return [
    header,
    { kind: 'item', id: 'container.up', label: status === 'missing' ? 'Start container (up, builds the image)' : 'Start container (up)', enabled: canUp, action: { type: 'container.up' } },
    { kind: 'item', id: 'container.down', label: 'Stop container (down)', enabled: canDown, action: { type: 'container.down' } },
    { kind: 'item', id: 'container.rebuild', label: 'Rebuild (update Claude Code)', enabled: idle, action: { type: 'container.rebuild' } },
  ];
}

function mcpSubmenu(state: ShellState): MenuItemModel {
  const waiting = state.mcpServers.filter((s) => s.status === 'needs-auth' || s.status === 'login-pending');
  const items: MenuItemModel[] = waiting.length
    ? waiting.map((s) => ({
        kind: 'item' as const,
        id: `mcp.login:${s.name}`,
        label: s.status === 'login-pending' ? `${s.name} (waiting for browser…)` : s.name,
        enabled: !state.quitting,
        action: { type: 'mcp.login' as const, server: s.name },
      }))
    : [{ kind: 'item', id: 'mcp.none', label: 'No server needs a login', enabled: false }];
  return { kind: 'submenu', id: 'mcp', label: waiting.length ? `Log in to MCP server (${waiting.length})` : 'Log in to MCP server', enabled: true, items };
}

export function trayMenu(state: ShellState): MenuItemModel[] {
  const status: MenuItemModel = { kind: 'item', id: 'status', label: `Gateway ${STATUS_LABEL[state.gateway]}`, enabled: false };
  const sep: MenuItemModel = { kind: 'separator' };
  const menu: MenuItemModel[] = [status, ...gatewayItems(state)];
  // while Claude cannot answer, every request fails: the way to fix it comes first
  if (state.claudeSignedIn === false) menu.push({ kind: 'item', id: 'claude.signin', label: 'Claude: not signed in — Sign in…', enabled: !state.quitting, action: { type: 'claude.signin' } });
  const container = containerItems(state);
  if (container.length) menu.push(sep, ...container);
  menu.push(
    sep,
    mcpSubmenu(state),
    sep,
    { kind: 'item', id: 'dashboard.open', label: 'Open dashboard', enabled: true, action: { type: 'dashboard.open' } },
    { kind: 'item', id: 'openwebui.copy-url', label: 'Copy OpenWebUI base URL', enabled: true, action: { type: 'openwebui.copy-url' } },
    { kind: 'item', id: 'logs.open', label: 'Open logs folder', enabled: true, action: { type: 'logs.open' } },
    sep,
    {
      kind: 'checkbox',
      id: 'start-at-login',
      label: 'Start at login',
      enabled: state.startAtLoginSupported,
      checked: state.startAtLogin,
      action: { type: 'start-at-login.set', value: !state.startAtLogin },
    },
    {
      kind: 'checkbox',
      id: 'keep-in-tray',
      label: 'Keep running in tray when window closes',
      enabled: true,
      checked: state.keepRunningInTray,
      action: { type: 'keep-in-tray.set', value: !state.keepRunningInTray },
    },
    sep,
    { kind: 'item', id: 'quit', label: state.quitting ? 'Quitting…' : 'Quit', enabled: !state.quitting, action: { type: 'quit' } },
  );
  return menu;
}

export function trayModel(state: ShellState): TrayModel {
  return { icon: trayIcon(state), tooltip: trayTooltip(state), menu: trayMenu(state) };
}

/** Same model → no re-render (menus flicker and close when rebuilt while open). */
export function sameModel(a: TrayModel | null, b: TrayModel): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** The item with this id anywhere in the menu (depth-first). */
export function findItem(menu: readonly MenuItemModel[], id: string): Exclude<MenuItemModel, { kind: 'separator' }> | undefined {
  for (const item of menu) {
    if (item.kind === 'separator') continue;
    if (item.id === id) return item;
    if (item.kind === 'submenu') {
      const hit = findItem(item.items, id);
      if (hit) return hit;
    }
  }
  return undefined;
}
