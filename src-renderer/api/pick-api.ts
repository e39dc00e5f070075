// Which transport this page has: the desktop app's preload exposes window.lifeboat (a LifeboatApi over IPC);
// in a browser the dashboard is reached over HTTP with the token the agent printed.
import type { LifeboatApi } from '../../src-shared/contract.ts';
import { httpApi } from './http-api.ts';

declare global {
  interface Window { lifeboat?: LifeboatApi }
}

const TOKEN_KEY = 'lifeboat.token';

/** The API to use, or why there is none (a browser opened without the dashboard's token). */
export type PickedApi = { api: LifeboatApi; transport: 'ipc' | 'http' } | { api: undefined; problem: string };

/**
 * Picks window.lifeboat when present, else HTTP to this page's origin. The token is read once from
 * `?token=`, kept in sessionStorage (so a reload keeps working, and closing the tab forgets it) and removed
 * from the address bar, so it does not linger in history or get copied along with the address.
 */
export function pickApi(win: Window = window): PickedApi {
  if (win.lifeboat) return { api: win.lifeboat, transport: 'ipc' };
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lives only as long as this page.
    }
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  let token = fromUrl;
  if (!token) {
    try {
      token = win.sessionStorage.getItem(TOKEN_KEY);
    } catch {
      token = null;
    }
  }
  if (!token) return { api: undefined, problem: 'Open the dashboard with the address the agent printed (run "lifeboat dashboard-url" to see it again).' };
  return { api: httpApi(win.location.origin, token), transport: 'http' };
}
