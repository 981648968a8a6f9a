/**
 * The desktop app: config → one assembly (main/app.ts) → window, tray and bridge. Every decision lives in
 * main/shell/ as a pure, unit-tested function; what remains here is Electron wiring, tested against a stand-in
 * `electron` module (tests/electron/desktop.test.ts).
 */
import path from 'node:path';
import { app, clipboard, dialog, Notification, safeStorage, shell } from 'electron';
import { buildApp, type BuiltApp } from '../app.ts';
import type { SecretBox } from '../claude/secret-box.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { defaultDataDir, type Config } from '../config/schema.ts';
import { ConfigEditor } from '../control/config-edit.ts';
import type { ControlState, SetPortResult } from '../contract/bridge.ts';
import { log } from '../log.ts';
import { APP_ORIGIN } from '../shell/app-protocol.ts';
import { shellState } from '../shell/backend.ts';
import { approvalNotice } from '../shell/approval-notice.ts';
import { describeConfigProblem, EXIT_CONFIG } from '../shell/config-error.ts';
import { InstanceInUseError } from '../instance-lock.ts';
import { applyLoginShellEnv } from '../shell/login-env.ts';
import { readPrefs, writePrefs } from '../shell/prefs.ts';
import { QuitController, DEFAULT_GRACE_MS } from '../shell/quit-sequence.ts';
import { decideTrayHost, probeStatusNotifierHost, type TrayHostDecision } from '../shell/tray-host.ts';
import { openWebUiBaseUrl, PRODUCT_NAME, trayModel, type TrayAction } from '../shell/tray-model.ts';
import { handleAppScheme, registerAppScheme } from './app-protocol.ts';
import { registerBridge } from './bridge.ts';
import { launchedHidden, setStartAtLogin, startAtLogin, startAtLoginSupported } from './login-item.ts';
import { openExternal } from './open-external.ts';
import { PRELOAD_PATH, RENDERER_DIR, WINDOW_ICON } from './paths.ts';
import { TrayView } from './tray.ts';
import { DashboardWindow } from './window.ts';

/** Windows groups taskbar entries and notifications by this id; it must match electron-builder's appId. */
export const APP_USER_MODEL_ID = 'dev.claude-code-gateway.app';

function notify(title: string, body: string, onClick?: () => void): Notification | null {
  if (!Notification.isSupported()) return null;
  const n = new Notification({ title, body });
  if (onClick) n.on('click', onClick);
  n.show();
  return n;
}

/** What the window's page may learn: the URL and token only once our own server listens (see ControlState). */
export function controlState(built: Pick<BuiltApp, 'services' | 'control'>): ControlState {
  const s = built.services;
  if (s.listening) return { state: 'ready', url: s.url, token: built.control.token };
  const f = s.listenFailure;
  if (f) {
    const reason = f.code === 'EADDRINUSE' ? `Port ${f.port} is in use by ${f.holder ?? 'another program'}.` : `The gateway cannot listen on port ${f.port} (${f.code}).`;
    return { state: 'unavailable', reason, port: f.port, holder: f.holder };
  }
  if (s.gatewayState === 'error') return { state: 'unavailable', reason: s.gatewayStateReason ?? 'The gateway failed to start.', port: null, holder: null };
  return { state: 'starting' };
}

/** Saves GATEWAY_PORT for the next start; an environment variable would override the file, so that is said instead. */
export function savePort(config: Config, env: NodeJS.ProcessEnv, port: number): SetPortResult {
  if (env.GATEWAY_PORT) return { ok: false, message: `GATEWAY_PORT is set in the environment (${env.GATEWAY_PORT}); change it there.` };
  const file = env.CONFIG_FILE || path.join(config.DATA_DIR, 'config.json');
  try {
    new ConfigEditor({ config, env, file }).update({ GATEWAY_PORT: port });
    return { ok: true, port, file, restartRequired: true };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The OS keychain (Keychain, DPAPI, libsecret/kwallet) for a pasted Claude key, after `ready`. Not on Linux's
 * "basic_text" backend (a hard-coded password): the 0600 file of headless mode is more honest there.
 */
function secretBox(): SecretBox | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined;
  return { kind: 'electron-safe-storage', encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (data) => safeStorage.decryptString(data) };
}

export async function startDesktop(): Promise<void> {
  app.setName(PRODUCT_NAME);
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  registerAppScheme(); // privileges must be registered before `ready`

  // Launched from Finder, the dock or a desktop launcher, the process lacks what the login shell's profile sets
  // (docker on PATH, ANTHROPIC_API_KEY): resolve it once, as editors do, before anything reads the environment.
  const loginEnv = await applyLoginShellEnv(process.env);
  const fromLoginShell = loginEnv.fromLoginShell;

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Before `ready` the error box only reaches stderr on Linux: wait, then show it where a person sees it.
    const problem = describeConfigProblem(err, process.env, defaultDataDir());
    console.error(`${problem.title}\n${problem.detail}`);
    await app.whenReady();
    dialog.showErrorBox(problem.title, problem.detail);
    app.exit(EXIT_CONFIG);
    return;
  }

  // One app per data directory: the lock lives in userData, so point userData there.
  app.setPath('userData', path.join(config.DATA_DIR, 'electron'));
  if (!app.requestSingleInstanceLock()) {
    app.exit(0); // the first instance gets 'second-instance' and shows its window
    return;
  }

  // Registered before anything slow: a second launch or a Dock click during start-up must not be lost.
  let window: DashboardWindow | null = null;
  let showWanted = false;
  const showWindow = (): void => {
    if (window) window.show();
    else showWanted = true;
  };
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // The app lives in the tray (or, without one, quits from the window's close): closing the last window is not quitting.
  app.on('window-all-closed', () => undefined);
  let quit: QuitController | null = null;
  app.on('before-quit', (e) => {
    if (!quit || quit.phase === 'done') return;
    e.preventDefault();
    void quit.request();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => (quit ? void quit.request() : app.exit(0)));

  const hidden = launchedHidden();
  await app.whenReady();
  handleAppScheme(RENDERER_DIR);
  const trayHost: TrayHostDecision = decideTrayHost({
    platform: process.platform,
    env: process.env,
    statusNotifierHost: process.platform === 'linux' ? await probeStatusNotifierHost() : null,
  });
  log.info(`tray: ${trayHost.tray ? 'yes' : 'no'} (${trayHost.reason})`);
  log.info(loginEnv.status === 'applied' ? `environment from the login shell ${loginEnv.shell}: ${[...fromLoginShell].join(', ') || 'nothing new'}` : `login shell environment ${loginEnv.status}: ${loginEnv.reason}`);

  let built: BuiltApp;
  try {
    built = await buildApp(config, {
      ...(secretBox() ? { secretBox: secretBox() } : {}),
      consoleLog: !app.isPackaged,
      openUrl: (url) => void openExternal(url),
      extraOrigins: [APP_ORIGIN],
      fromLoginShell,
    });
  } catch (err) {
    // Another gateway (headless, or another DATA_DIR on the same CLAUDE_CWD) holds the data or chats folder.
    if (!(err instanceof InstanceInUseError)) throw err;
    console.error(err.message);
    dialog.showErrorBox('Claude Code Gateway cannot start: already running', err.message);
    app.exit(EXIT_CONFIG);
    return;
  }
  const { backend } = built;
  let prefs = readPrefs(config.DATA_DIR);
  let loginOn = startAtLogin();
  let quitting = false;
  let tray: TrayView | null = null;
  let poll: NodeJS.Timeout | undefined;
  let offChange: () => void = () => undefined;

  const quitController = new QuitController(
    async () => {
      quitting = true;
      refresh();
      const report = await built.shutdown(DEFAULT_GRACE_MS, (r) => log.info(`quit step ${r.id}: ${r.outcome} in ${r.ms} ms${r.error ? ` (${r.error})` : ''}`));
      clearInterval(poll);
      offChange();
      tray?.destroy();
      tray = null;
      window?.destroy();
      if (!report.clean) log.warn('quit finished with steps that failed or overran (see above)');
    },
    (code) => app.exit(code),
  );
  quit = quitController;

  const requestQuit = async ({ confirm }: { confirm: boolean }): Promise<void> => {
    if (confirm) {
      const n = backend.activeRuns();
      const { response } = await dialog.showMessageBox({
        type: 'question',
        buttons: ['Quit', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        message: `Quit ${PRODUCT_NAME}?`,
        detail: `${n} request${n === 1 ? ' is' : 's are'} still running. Quitting gives ${n === 1 ? 'it' : 'them'} 10 seconds to finish, then stops Claude.`,
      });
      if (response !== 0) return;
    }
    await quitController.request();
  };

  window = new DashboardWindow({
    quitting: () => quitting,
    keepRunningInTray: () => prefs.keepRunningInTray,
    trayAvailable: () => trayHost.tray,
    activeRuns: () => backend.activeRuns(),
    requestQuit: (o) => void requestQuit(o),
    icon: WINDOW_ICON,
    preload: PRELOAD_PATH,
  });

  const model = () =>
    trayModel(shellState(backend, { startAtLogin: loginOn, startAtLoginSupported: startAtLoginSupported(), keepRunningInTray: prefs.keepRunningInTray, quitting }));
  function refresh(): void {
    tray?.render(model());
  }

  async function handle(action: TrayAction): Promise<void> {
    switch (action.type) {
      case 'gateway.start':
        return backend.startGateway();
      case 'gateway.stop':
        return backend.stopGateway();
      case 'container.up':
        return backend.containerUp();
      case 'container.down':
        return backend.containerDown();
      case 'container.rebuild':
        return backend.containerRebuild();
      case 'mcp.login':
        return backend.mcpLogin(action.server);
      case 'dashboard.open':
        return showWindow();
      case 'claude.signin':
        return window?.show('claude');
      case 'openwebui.copy-url':
        return clipboard.writeText(openWebUiBaseUrl(backend.gatewayUrl()));
      case 'logs.open': {
        const error = await shell.openPath(backend.logsDir());
        if (error) throw new Error(`cannot open ${backend.logsDir()}: ${error}`);
        return;
      }
      case 'start-at-login.set':
        setStartAtLogin(action.value);
        loginOn = startAtLogin();
        return;
      case 'keep-in-tray.set':
        prefs = { ...prefs, keepRunningInTray: action.value };
        writePrefs(config.DATA_DIR, prefs);
        return;
      case 'quit':
        return requestQuit({ confirm: false });
    }
  }
  const dispatch = (action: TrayAction): Promise<void> =>
    handle(action)
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`tray action ${action.type} failed: ${message}`);
        notify(PRODUCT_NAME, message);
      })
      .finally(refresh);

  registerBridge({
    control: () => controlState(built),
    setGatewayPort: (port) => savePort(config, process.env, port),
    relaunch: () => {
      app.relaunch();
      void quitController.request();
    },
    openableFolder: (folder) => built.services.projects.hasFolder(folder) || built.services.workspaces.has(folder),
  });

  if (trayHost.tray) {
    tray = new TrayView(model(), (a) => void dispatch(a), showWindow);
    offChange = backend.onChange(refresh);
    // Active-request counts change without a state event: a cheap re-render keeps the tooltip current (the menu is
    // rebuilt only when what it shows changed). The container is polled by the health monitor, whose change event
    // refreshes the tray. MCP auth state runs `claude mcp list`: every 2 minutes.
    let ticks = 0;
    poll = setInterval(() => {
      refresh();
      if (++ticks % 120 === 0) void backend.refreshMcp().catch((err: unknown) => log.warn(`MCP status refresh failed: ${err instanceof Error ? err.message : String(err)}`));
    }, 1_000);
  } else if (!prefs.noTrayNoticeShown) {
    // Said once: the window is the app now (closing it quits, asking while requests run).
    prefs = { ...prefs, noTrayNoticeShown: true };
    writePrefs(config.DATA_DIR, prefs);
    notify(PRODUCT_NAME, `No system tray on this desktop (${trayHost.reason}): the app runs as a normal window, and closing it quits.`);
  }

  // A tool call waiting for the user: a notification that opens its approval. Kept referenced while it is pending
  // (a collected Notification loses its click handler); dropped once it is decided.
  const approvalNotes = new Map<string, Notification>();
  built.services.approvals.onAsk((a) => {
    const notice = approvalNotice(a);
    const note = notify(notice.title, notice.body, () => window?.show(notice.page));
    if (note) approvalNotes.set(a.id, note);
  });
  built.services.approvals.onChange(() => {
    const pending = new Set(built.services.approvals.list().map((a) => a.id));
    for (const [id, note] of approvalNotes) {
      if (pending.has(id)) continue;
      note.close();
      approvalNotes.delete(id);
    }
  });
  try {
    await built.services.start();
  } catch (err) {
    log.error(`services failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }
  refresh();
  if (tray) {
    void backend.poll().catch(() => undefined);
    void backend.refreshMcp().catch(() => undefined);
  }
  // Without a tray there is no other way to reach the app: the window always opens, --hidden or not.
  if (showWanted || !trayHost.tray || (!hidden && prefs.showWindowOnStart)) window.show();
}
