import { useEffect, useRef } from 'react';
import type { LifeboatApi } from '../../src-shared/contract.ts';
import { HistoryScreen } from '../history/history-screen.tsx';
import { RestoreScreen } from '../restore/restore-screen.tsx';
import { SettingsScreen } from '../settings/settings-screen.tsx';
import { StatusScreen } from '../status/status-screen.tsx';
import { LevelBadge } from '../ui/level-badge.tsx';
import { LEVEL_WORD, uiLevel } from './levels.ts';
import type { Route } from './routes.ts';
import { useHashRoute } from './use-hash-route.ts';
import { useNow } from './use-now.ts';
import { useStatus } from './use-status.ts';

const NAV: Array<{ route: Route; label: string }> = [
  { route: 'status', label: 'Status' },
  { route: 'restore', label: 'Restore' },
  { route: 'history', label: 'History' },
  { route: 'settings', label: 'Settings' },
];

/**
 * The app shell: a header with the verdict (colour and word), the navigation between the four hash routes,
 * and the current screen. One status subscription serves every screen.
 */
export function App(props: { api: LifeboatApi }) {
  const { api } = props;
  const route = useHashRoute();
  const live = useStatus(api);
  const now = useNow();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const level = live.status ? uiLevel(live.status) : undefined;

  useEffect(() => {
    document.title = level ? `Lifeboat: ${LEVEL_WORD[level]}` : 'Lifeboat';
  }, [level]);

  // After a route change, keyboard and screen-reader users start at the new screen, not at the nav.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route]);

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-name">Lifeboat</span>
          {level && <a href="#/status" className="header-level" aria-label={`Status: ${LEVEL_WORD[level]}`}><LevelBadge level={level} /></a>}
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.route}>
                <a href={`#/${n.route}`} aria-current={route === n.route ? 'page' : undefined}>{n.label}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route === 'status' && <StatusScreen api={api} live={live} now={now} />}
        {route === 'restore' && <RestoreScreen api={api} live={live} now={now} />}
        {route === 'history' && <HistoryScreen api={api} now={now} />}
        {route === 'settings' && <SettingsScreen api={api} />}
      </main>
    </div>
  );
}
