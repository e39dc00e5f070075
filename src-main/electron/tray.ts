// The tray icon as a small service: render(view) applies a TrayView (tray-view.ts) to Electron's Tray, and
// clicks come back as TrayActions. Runs only under Electron (type-checked here, not run).
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { trayIconFile } from './icons.ts';
import type { MenuSpec, TrayAction, TrayView } from './tray-view.ts';

export class TrayService {
  private readonly tray: Tray;
  private readonly appRoot: string;
  private readonly onAction: (action: TrayAction) => void;
  private lastIcon: string | undefined;
  private lastTooltip: string | undefined;
  private lastMenu: string | undefined;

  /** Creates the tray icon (call after app 'ready'); `appRoot` holds assets/. */
  constructor(appRoot: string, view: TrayView, onAction: (action: TrayAction) => void) {
    this.appRoot = appRoot;
    this.onAction = onAction;
    this.tray = new Tray(this.image(view.icon));
    this.lastIcon = view.icon;
    // Windows and Linux open the menu on right click only; a left click should open the window.
    this.tray.on('click', () => onAction({ type: 'open', page: 'status' }));
    this.render(view);
  }

  /** Applies a view; idempotent: unchanged parts are not touched (menus flicker when rebuilt while open). */
  render(view: TrayView): void {
    if (view.icon !== this.lastIcon) {
      this.tray.setImage(this.image(view.icon));
      this.lastIcon = view.icon;
    }
    if (view.tooltip !== this.lastTooltip) {
      this.tray.setToolTip(view.tooltip);
      this.lastTooltip = view.tooltip;
    }
    const menuKey = JSON.stringify(view.menu);
    if (menuKey !== this.lastMenu) {
      this.tray.setContextMenu(Menu.buildFromTemplate(view.menu.map((m) => this.item(m))));
      this.lastMenu = menuKey;
    }
  }

  destroy(): void {
    this.tray.destroy();
  }

  private image(level: TrayView['icon']) {
    // Electron picks <name>@2x.png itself on high-DPI screens, so the 1x name is enough here.
    const img = nativeImage.createFromPath(path.join(this.appRoot, trayIconFile(level, process.platform, 1)));
    if (process.platform === 'darwin') img.setTemplateImage(true);
    return img;
  }

  private item(m: MenuSpec): MenuItemConstructorOptions {
    if (m.kind === 'separator') return { type: 'separator' };
    if (m.kind === 'submenu') return { id: m.id, label: m.label, enabled: m.enabled, submenu: m.items.map((i) => this.item(i)) };
    const action = m.action;
    const click = action ? () => this.onAction(action) : undefined;
    if (m.kind === 'checkbox') return { id: m.id, type: 'checkbox', label: m.label, enabled: m.enabled, checked: m.checked, ...(click ? { click } : {}) };
    return { id: m.id, label: m.label, enabled: m.enabled, ...(click ? { click } : {}) };
  }
}
