// The desktop windows' security, written out in full even where it equals Electron's defaults, so a reader
// (and a test) sees every setting. Pure parts (the URL check, the CSP, the app:// file mapping) are tested in
// Node; secureWindow/secureSession only apply them and run only under Electron.
//
// Why app://lifeboat/ rather than file://: a file:// page's origin is "null" in Chromium and every file on the
// disk shares the scheme, so "is this our page?" would mean comparing paths, and CSP 'self' would not mean
// "our bundle". A privileged standard scheme gives the renderer a real origin (app://lifeboat), served only
// from dist/renderer/ by resolveAppFile (which refuses anything outside it), and nothing remote is ever loaded.
import path from 'node:path';
import type { Session, WebContents, WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lifeboat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The page every window loads; the hash picks the screen (#/status, #/settings). */
export function appUrl(page: 'status' | 'settings' | string): string {
  return `${APP_ORIGIN}/index.html#/${page}`;
}

/** Every setting that matters, explicit. `preload` is the bundled dist/preload/preload.js. */
export function webPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** Our own bundle only: no inline script, no eval, no remote anything, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * True only for a page of our app: scheme and host exactly app://lifeboat (parsed, not prefix-matched, so
 * app://lifeboat.evil, app://lifeboat@evil, file://, javascript:, data:, blob: and http://127.0.0.1 all fail).
 * `appOrigin` is normally APP_ORIGIN.
 */
export function isAllowedNavigation(url: string, appOrigin: string = APP_ORIGIN): boolean {
  let u: URL;
  let o: URL;
  try {
    u = new URL(url);
    o = new URL(appOrigin);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return u.protocol === o.protocol && u.host === o.host && u.host !== '';
}

/**
 * The file under `root` that an app:// request asks for, or undefined when it is not ours to serve: another
 * host, a path escaping the root (also percent-encoded or with backslashes), a NUL. "/" serves index.html.
 */
export function resolveAppFile(url: string, root: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  // Encoded separators or dot segments ("..%2f") are never in a built bundle's URLs: refuse, don't normalize.
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return undefined;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + path.posix.normalize(rel));
  if (file !== base && !file.startsWith(base + path.sep)) return undefined;
  return file;
}

/** The MIME type for the files a built renderer holds; anything else is served as bytes. */
export function mimeType(file: string): string {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
    '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
    '.woff2': 'font/woff2', '.map': 'application/json',
  };
  return types[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Locks down one window's contents: no navigation away from our app, no new windows (links to the web open
 * nowhere: Lifeboat has none), no <webview>. Call once per window, right after creating it. Electron only.
 */
export function secureWindow(contents: WebContents, appOrigin: string = APP_ORIGIN): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Locks down a session: every permission request and check is denied (Lifeboat's UI needs none), every
 * response carries our CSP, and downloads are cancelled. Call once, before the first window. Electron only.
 */
export function secureSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // No setDisplayMediaRequestHandler on purpose: without one, getDisplayMedia is refused.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.on('will-download', (event) => event.preventDefault());
}
