import { useEffect, useState } from 'react';
import { routeOf, type Route } from './routes.ts';

/** The current hash route, following back/forward and link clicks. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash));
  useEffect(() => {
    const on = (): void => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
