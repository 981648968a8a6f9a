/** Renders a TrayModel with Electron's Tray; every decision was already made in main/shell/tray-model.ts. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { sameModel, type MenuItemModel, type TrayAction, type TrayModel } from '../shell/tray-model.ts';
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
    // macOS/Windows: a click opens the dashboard, the menu is on right click. Linux AppIndicators only show the menu.
    this.tray.on('click', onActivate);
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
    if (!prev || JSON.stringify(prev.menu) !== JSON.stringify(model.menu)) {
      this.tray.setContextMenu(Menu.buildFromTemplate(toTemplate(model.menu, this.dispatch)));
    }
  }

  destroy(): void {
    this.tray.destroy();
  }
}
