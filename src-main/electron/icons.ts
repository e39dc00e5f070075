// Which icon file each tray state uses, per platform. The files themselves are drawn into assets/ by a
// separate helper; this module only names them, so a typo here is caught by a test, not by a blank tray.
import type { TrayIcon } from './tray-view.ts';

export const TRAY_ICON_DIR = 'assets/tray';
export const APP_ICON_PNG = 'assets/icon.png';
export const APP_ICON_ICO = 'assets/icon.ico';

/**
 * The tray icon file for a level, relative to the app root:
 * - macOS: template images (`<level>Template.png`, `@2x` for scale >= 2) so the menu bar tints them for
 *   light and dark mode (Electron treats a name ending in "Template" as a template image).
 * - Windows: `<level>.ico`, which carries every size itself.
 * - Linux and others: `<level>.png` (16 px) or `<level>@2x.png` (32 px) for scale >= 2.
 */
export function trayIconFile(level: TrayIcon, platform: NodeJS.Platform, scale = 1): string {
  const hi = scale >= 2 ? '@2x' : '';
  if (platform === 'win32') return `${TRAY_ICON_DIR}/${level}.ico`;
  if (platform === 'darwin') return `${TRAY_ICON_DIR}/${level}Template${hi}.png`;
  return `${TRAY_ICON_DIR}/${level}${hi}.png`;
}

/** The application icon (windows, notifications): .ico on Windows, the 512 px PNG elsewhere. */
export function appIconFile(platform: NodeJS.Platform): string {
  return platform === 'win32' ? APP_ICON_ICO : APP_ICON_PNG;
}
