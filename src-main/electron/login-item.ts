// Start at login, per platform. Electron's app.setLoginItemSettings works on macOS and Windows only; on Linux
// the desktop standard is an XDG autostart entry (~/.config/autostart/<name>.desktop). Deciding what to do is
// pure and tested (tests/unit/electron-login-item.test.ts); main.ts applies it.
import path from 'node:path';

export type LoginItemPlan =
  | { kind: 'electron'; openAtLogin: boolean }
  | { kind: 'xdg-autostart'; file: string; content: string | undefined };

export const AUTOSTART_NAME = 'lifeboat.desktop';

/**
 * What to do to make Lifeboat start (or not) at login. Linux: write or remove the autostart entry; the exec
 * path is $APPIMAGE when running from an AppImage (process.execPath is then a temporary mount).
 * `configHome` is $XDG_CONFIG_HOME or ~/.config.
 */
export function loginItemPlan(platform: NodeJS.Platform, enabled: boolean, env: { execPath: string; configHome: string; appImage?: string | undefined }): LoginItemPlan {
  if (platform === 'darwin' || platform === 'win32') return { kind: 'electron', openAtLogin: enabled };
  const file = path.join(env.configHome, 'autostart', AUTOSTART_NAME);
  return { kind: 'xdg-autostart', file, content: enabled ? autostartEntry(env.appImage || env.execPath) : undefined };
}

/** An XDG desktop entry that starts `exec` at login (Exec quoted per the Desktop Entry spec). */
export function autostartEntry(exec: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Lifeboat',
    'Comment=Backups a small office can trust',
    `Exec=${quoteExec(exec)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Desktop Entry "Exec" quoting: inside double quotes, escape ", `, $ and \ with a backslash. */
export function quoteExec(arg: string): string {
  if (/^[A-Za-z0-9_./-]+$/.test(arg)) return arg;
  const escaped = arg.replace(/(["`$\\])/g, '\\$1');
  // The key's value is itself a string where "\\" stands for one backslash, so escape backslashes again.
  return `"${escaped.replace(/\\/g, '\\\\')}"`;
}
