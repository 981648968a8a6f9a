/** Renders a TrayModel with Electron's Tray; every decision was already made in main/shell/tray-model.ts. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { trayClickOpensDashboard } from '../shell/tray-host.ts';
import { PRODUCT_NAME, sameModel, type MenuItemModel, type TrayAction, type TrayModel } from '../shell/tray-model.ts';
import { trayIconPath } from './paths.ts';

function toTemplate(items: readonly MenuItemModel[], dispatch: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { id: item.id, label: item.label, enabled: item.enabled, submenu: toTemplate(item.items, dispatch) };
      case 'checkbox':
        return { id: item.id, type: 'checkbox', label: item.label, enabled: item.enabled, checked: item.checked, click: () => dispatch(item.action) };
      case 'item': {
        const action = item.action;
        return { id: item.id, label: item.label, enabled: item.enabled, ...(action ? { click: () => dispatch(action) } : {}) };
      }
    }
  });
}

export class TrayView {
  private readonly tray: Tray;
  private model: TrayModel | null = null;

  constructor(
    initial: TrayModel,
    private readonly dispatch: (a: TrayAction) => void,
    onActivate: () => void,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(trayIconPath(initial.icon)));
    // Windows: a click opens the dashboard, the menu is on right click. macOS: a click opens the menu (menu-bar
    // convention, done by Electron once a context menu is set). Linux StatusNotifier hosts show the menu themselves.
    if (trayClickOpensDashboard(process.platform)) this.tray.on('click', onActivate);
    this.tray.setToolTip(PRODUCT_NAME);
    this.render(initial);
  }

  get current(): TrayModel | null {
    return this.model;
  }

  render(model: TrayModel): void {
    if (sameModel(this.model, model)) return;
    const prev = this.model;
    this.model = model;
    if (!prev || prev.icon !== model.icon) this.tray.setImage(nativeImage.createFromPath(trayIconPath(model.icon)));
    if (!prev || prev.tooltip !== model.tooltip) this.tray.setToolTip(model.tooltip);
    // The menu is rebuilt only when what it shows changed: rebuilding closes a menu the user has open.
    if (!prev || JSON.stringify(prev.menu) !== JSON.stringify(model.menu)) {
      this.tray.setContextMenu(Menu.buildFromTemplate(toTemplate(model.menu, this.dispatch)));
    }
  }

  destroy(): void {
    this.tray.destroy();
  }
}
