// The app's windows: the one Lifeboat window (status or settings), served from app://lifeboat/ out of
// dist/renderer/, and on Windows a hidden window that only listens for the end of the session. Runs only
// under Electron (type-checked here, not run).
import fs from 'node:fs/promises';
import { BrowserWindow, protocol, type Session } from 'electron';
import { EVENT_CHANNEL } from './ipc-handle.ts';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, appUrl, mimeType, resolveAppFile, secureWindow, webPreferences } from './window-security.ts';
import type { EventName, EventPayload } from '../../src-shared/contract.ts';

/**
 * Must run before app 'ready': app:// as a standard, secure scheme, so it has a real origin (CSP 'self',
 * fetch to itself) and counts as a secure context. No other privilege (no CORS bypass, no service workers).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves app://lifeboat/<file> from `rendererRoot` (dist/renderer): anything outside it, or another host,
 * gets a 404. Every response carries our CSP itself (webRequest may not see custom-protocol responses).
 */
export function serveAppProtocol(session: Session, rendererRoot: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererRoot);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await fs.readFile(file);
      return new Response(body, { status: 200, headers: { 'content-type': mimeType(file), 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

export type Page = 'status' | 'settings';

/** The Lifeboat window (at most one), and sending events to it. */
export class Windows {
  private win: BrowserWindow | undefined;
  private readonly preload: string;
  private readonly icon: string;

  constructor(opts: { preload: string; icon: string }) {
    this.preload = opts.preload;
    this.icon = opts.icon;
  }

  /** Shows the window at `page`, creating it the first time (420x600), else focusing it. */
  open(page: Page): void {
    if (this.win && !this.win.isDestroyed()) {
      const url = appUrl(page);
      if (this.win.webContents.getURL() !== url) void this.win.loadURL(url);
      if (this.win.isMinimized()) this.win.restore();
      this.win.show();
      this.win.focus();
      return;
    }
    const win = new BrowserWindow({
      width: 420, height: 600, minWidth: 380, minHeight: 480, show: false, title: 'Lifeboat', icon: this.icon,
      autoHideMenuBar: true, webPreferences: webPreferences(this.preload),
    });
    secureWindow(win.webContents);
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (this.win === win) this.win = undefined;
    });
    this.win = win;
    void win.loadURL(appUrl(page));
  }

  /** The main frames of our open windows, for the IPC sender check. */
  mainFrames() {
    return this.win && !this.win.isDestroyed() ? [this.win.webContents.mainFrame] : [];
  }

  /** Sends an event to the open window, if any, on the one event channel. */
  send<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.win && !this.win.isDestroyed()) this.win.webContents.send(EVENT_CHANNEL, { event, payload });
  }

  closeAll(): void {
    if (this.win && !this.win.isDestroyed()) this.win.destroy();
  }
}

/**
 * Windows only: a window that is never shown and loads nothing, because Windows announces the end of the
 * session to top-level windows (query-session-end, session-end), and a tray app has none otherwise. Its
 * title is what Windows lists under "this app is preventing shutdown".
 */
export function sessionEndWindow(): BrowserWindow {
  const win = new BrowserWindow({
    show: false, width: 1, height: 1, skipTaskbar: true, focusable: false, title: 'Lifeboat: finishing a backup before shutdown',
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, javascript: false },
  });
  secureWindow(win.webContents);
  return win;
}
