// The Settings screen (admin): every section of Lifeboat's configuration, each saved on its own through
// the contract. It loads the settings and the status once, follows status events, and asks for the admin
// PIN only when the engine says a change needs it.
import { useCallback, useEffect, useState, type JSX } from 'react';
import type { LifeboatApi, Status } from '../../src-shared/contract.ts';
import { toFormError } from './form-errors.ts';
import { DrivesSection } from './drives-section.tsx';
import { NotificationsSection } from './notifications-section.tsx';
import { PassphraseSection } from './passphrase-section.tsx';
import { PinGate } from './pin-gate.tsx';
import { PinSection } from './pin-section.tsx';
import { RetentionSection } from './retention-section.tsx';
import { SchedulesSection } from './schedules-section.tsx';
import type { Settings } from './settings-types.ts';
import { SourcesSection } from './sources-section.tsx';
import { TargetsSection } from './targets-section.tsx';
import { UpsSection } from './ups-section.tsx';
import './settings.css';

const SECTIONS: Array<[string, string]> = [
  ['settings-sources', 'Sources'],
  ['settings-schedules', 'Schedules'],
  ['settings-retention', 'Retention'],
  ['settings-drives', 'USB drives'],
  ['settings-targets', 'Offsite'],
  ['settings-ups', 'UPS'],
  ['settings-notifications', 'Notifications'],
  ['settings-passphrase', 'Passphrase'],
  ['settings-pin', 'PIN'],
];

/**
 * The Settings screen. Needs only a LifeboatApi (Electron IPC or the dashboard's HTTP client); shows a
 * one-line error with "Try again" when the settings cannot be loaded.
 */
export function SettingsScreen(props: { api: LifeboatApi }): JSX.Element {
  const { api } = props;
  const [settings, setSettings] = useState<Settings | null>(null);
  const [status, setStatus] = useState<Status | undefined>(undefined);
  const [loadError, setLoadError] = useState('');

  const reload = useCallback(async () => {
    const [s, st] = await Promise.allSettled([api.getSettings({}), api.getStatus({})]);
    if (s.status === 'fulfilled') { setSettings(s.value); setLoadError(''); } else setLoadError(toFormError(s.reason).message);
    if (st.status === 'fulfilled') setStatus(st.value);
  }, [api]);

  useEffect(() => { void reload(); }, [reload]);
  useEffect(() => api.subscribe('status', setStatus), [api]);

  if (!settings) {
    return (
      <div className="lb-settings">
        <h1>Settings</h1>
        {loadError ? (
          <div className="s-outcome s-outcome-error" role="alert">
            Could not load the settings: {loadError} <button type="button" onClick={() => void reload()}>Try again</button>
          </div>
        ) : <p className="s-muted" role="status">Loading settings…</p>}
      </div>
    );
  }

  const onSaved = (s: Settings) => { setSettings(s); void api.getStatus({}).then(setStatus, () => undefined); };
  return (
    <PinGate>
      <div className="lb-settings">
        <h1>Settings</h1>
        <nav aria-label="Settings sections" className="s-settings-nav">
          <ul>{SECTIONS.map(([id, label]) => <li key={id}><a href={`#${id}`} onClick={(e) => { e.preventDefault(); jumpTo(id); }}>{label}</a></li>)}</ul>
        </nav>
        <SourcesSection api={api} settings={settings} onChanged={reload} />
        <SchedulesSection api={api} settings={settings} status={status} onSaved={onSaved} />
        <RetentionSection api={api} settings={settings} onSaved={onSaved} />
        <DrivesSection api={api} settings={settings} onSaved={onSaved} />
        <TargetsSection api={api} settings={settings} status={status} onChanged={reload} />
        <UpsSection api={api} settings={settings} status={status} onSaved={onSaved} />
        <NotificationsSection api={api} settings={settings} onSaved={onSaved} />
        <PassphraseSection api={api} encrypted={status?.agent.encrypted ?? false} onChanged={reload} />
        <PinSection api={api} pinSet={status?.agent.pinSet ?? false} onChanged={reload} />
      </div>
    </PinGate>
  );
}

// The shell may route with the hash; scroll and move focus to the section's heading without touching it.
function jumpTo(id: string): void {
  const h = document.getElementById(`${id}-title`);
  if (!h) return;
  h.setAttribute('tabindex', '-1');
  h.scrollIntoView({ block: 'start' });
  h.focus({ preventScroll: true });
}
