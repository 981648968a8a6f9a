/**
 * Electron entry. Thin on purpose: it loads the config, builds the services through the composition root, and wires
 * the tray, the dashboard window and the preload bridge to them. Every decision lives in main/shell/ as a pure,
 * unit-tested function; what remains here are Electron calls.
 */
import path from 'node:path';
import { app, clipboard, dialog, Notification, shell } from 'electron';
import { ConfigError, loadConfig } from '../config/load.ts';
import { installControlApi } from '../control/install.ts';
import type { Config } from '../config/schema.ts';
import { log } from '../log.ts';
import { buildServices } from '../services.ts';
import { servicesBackend, shellState } from '../shell/backend.ts';
import { mcpAuthFromOAuth } from '../shell/mcp-auth.ts';
import { readPrefs, writePrefs } from '../shell/prefs.ts';
import { DEFAULT_GRACE_MS, planQuit, QuitController, quitDeadlineMs, runQuit } from '../shell/quit-sequence.ts';
import { TEST_HOOKS_GLOBAL, type TestHooksHost } from '../shell/test-hooks.ts';
import { openWebUiBaseUrl, PRODUCT_NAME, trayModel, type TrayAction } from '../shell/tray-model.ts';
import { registerBridge } from './bridge.ts';
import { launchedHidden, setStartAtLogin, startAtLogin, startAtLoginSupported } from './login-item.ts';
import { APP_ROOT } from './paths.ts';
import { TrayView } from './tray.ts';
import { DashboardWindow } from './window.ts';

app.setName(PRODUCT_NAME);

function loadConfigOrExit(): Config | null {
  try {
    return loadConfig();
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : String(err);
    // showErrorBox is the one dialog that works before `ready`.
    dialog.showErrorBox(`${PRODUCT_NAME}: invalid configuration`, message);
    app.exit(78);
    return null;
  }
}

function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
}

async function main(): Promise<void> {
  const loaded = loadConfigOrExit();
  if (!loaded) return;
  const config: Config = loaded;
  // One app per data directory: the lock lives in userData, so point userData there.
  app.setPath('userData', path.join(config.DATA_DIR, 'electron'));
  if (!app.requestSingleInstanceLock()) {
    // The first instance gets 'second-instance' and shows its window.
    app.exit(0);
    return;
  }
  const hidden = launchedHidden();
  await app.whenReady();

  const services = await buildServices(config, { consoleLog: !app.isPackaged, openUrl: (url) => shell.openExternal(url) });
  // the window shows the dashboard from the control API: both must be mounted before services.start()
  const control = installControlApi(services, { serveDashboard: true });
  const o = services.oauth;
  const backend = servicesBackend(services, {
    control,
    ...(config.CLAUDE_RUNTIME === 'docker' ? { compose: services.compose } : {}),
    ...(o ? { oauth: { health: () => o.listener.health(), stop: () => o.stop(), on: (e: 'status', cb: () => void) => o.listener.on(e, cb) }, mcp: mcpAuthFromOAuth(o) } : {}),
  });
  let prefs = readPrefs(config.DATA_DIR);
  let loginOn = startAtLogin();
  let quitting = false;

  const window = new DashboardWindow({
    controlUrl: backend.controlUrl,
    quitting: () => quitting,
    keepRunningInTray: () => prefs.keepRunningInTray,
    requestQuit: () => void quit.request(),
    icon: path.join(APP_ROOT, 'build', 'icons', 'png', '256x256.png'),
  });

  const model = () =>
    trayModel(shellState(backend, { startAtLogin: loginOn, startAtLoginSupported: startAtLoginSupported(), keepRunningInTray: prefs.keepRunningInTray, quitting }));

  let tray: TrayView | null = null;
  let poll: NodeJS.Timeout | undefined;
  let offChange: () => void = () => undefined;
  let started = false;
  let lastStatus = backend.gatewayStatus();
  const refresh = (): void => {
    if (!tray) return;
    tray.render(model());
    const status = backend.gatewayStatus();
    if (status !== lastStatus) {
      lastStatus = status;
      // the listener came up after a failed start: replace the "not reachable" page with the dashboard
      if (window.window && window.showingOfflinePage) void window.reload();
    }
  };

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
      case 'mcp.login':
        return backend.mcpLogin(action.server);
      case 'dashboard.open':
        return window.show();
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
        void quit.request();
        return;
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

  const quit = new QuitController(
    async () => {
      quitting = true;
      refresh();
      const plan = planQuit({ activeRuns: backend.activeRuns(), graceMs: DEFAULT_GRACE_MS });
      log.info(`quitting: ${plan.map((s) => s.id).join(' → ')}`);
      const hardStop = setTimeout(() => {
        log.error('quit overran its bounds; exiting now');
        app.exit(1);
      }, quitDeadlineMs(plan));
      const report = await runQuit(plan, backend.quitHandlers(DEFAULT_GRACE_MS), {
        onStep: (r) => log.info(`quit step ${r.id}: ${r.outcome} in ${r.ms} ms${r.error ? ` (${r.error})` : ''}`),
      });
      clearTimeout(hardStop);
      clearInterval(poll);
      offChange();
      tray?.destroy();
      tray = null;
      window.destroy();
      if (!report.clean) log.warn('quit finished with steps that failed or overran (see above)');
    },
    (code) => app.exit(code),
  );

  app.on('before-quit', (e) => {
    if (quit.phase === 'done') return;
    e.preventDefault();
    void quit.request();
  });
  // The app lives in the tray: closing the last window is not quitting.
  app.on('window-all-closed', () => undefined);
  app.on('second-instance', () => window.show());
  // macOS: a click on the app in Finder/Launchpad while it runs (not the launch itself, which may be a hidden one)
  app.on('activate', () => {
    if (started) window.show();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void quit.request());

  registerBridge({ controlUrl: backend.controlUrl, adminToken: backend.adminToken });
  tray = new TrayView(model(), (a) => void dispatch(a), () => window.show());
  offChange = backend.onChange(refresh);
  // Active-request counts change without a state event; a cheap poll keeps the tooltip current. Container status
  // costs a docker call, so it is asked for less often.
  // MCP auth state runs `claude mcp list` (health-checks every server): at start, on changes, and every 2 minutes.
  let ticks = 0;
  const warn = (what: string) => (err: unknown) => log.warn(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  poll = setInterval(() => {
    refresh();
    ticks++;
    if (ticks % 5 === 0) void backend.poll().catch(warn('container status poll'));
    if (ticks % 120 === 0) void backend.refreshMcp().catch(warn('MCP status refresh'));
  }, 1_000);

  if (process.env.CCG_E2E === '1') {
    (globalThis as TestHooksHost)[TEST_HOOKS_GLOBAL] = {
      trayModel: () => tray?.current ?? null,
      dispatch,
      gatewayUrl: backend.gatewayUrl,
      controlUrl: backend.controlUrl,
    };
  }

  try {
    await services.start();
  } catch (err) {
    log.error(`services failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }
  refresh();
  void backend.poll().catch(warn('container status poll'));
  void backend.refreshMcp().catch(warn('MCP status refresh'));
  started = true;
  if (!hidden && prefs.showWindowOnStart) window.show();
}

process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}`));
void main().catch((err: unknown) => {
  log.error(`fatal: ${err instanceof Error ? err.stack : String(err)}`);
  dialog.showErrorBox(PRODUCT_NAME, err instanceof Error ? err.message : String(err));
  app.exit(1);
});
