// The hash routes of the app. Pure (no window), so the Node tests and type-check can import it.
export const ROUTES = ['status', 'restore', 'history', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

/** Reads "#/restore" as "restore"; anything unknown is the status page. */
export function routeOf(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'status';
}
