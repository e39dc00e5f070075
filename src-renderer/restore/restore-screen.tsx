import { useCallback, useEffect, useId, useState } from 'react';
import type { LifeboatApi, Snapshot } from '../../src-shared/contract.ts';
import { formatBytes } from '../app/format.ts';
import { reasonWord } from '../app/reason-words.ts';
import { localDateTime, localTime, relativeTime } from '../app/relative-time.ts';
import type { LiveStatus } from '../app/use-status.ts';
import { ErrorMessage } from '../ui/error-message.tsx';
import { LevelBadge } from '../ui/level-badge.tsx';
import { groupSnapshots } from './group-snapshots.ts';
import { RestoreDialog, type RestoreMode } from './restore-dialog.tsx';

function Verified(props: { s: Snapshot }) {
  const { s } = props;
  if (s.damaged) return <LevelBadge level="critical" word={`Damaged: ${s.damaged}`} />;
  if (s.verified === 'deep') return <LevelBadge level="ok" word="Verified (full)" />;
  if (s.verified === 'quick') return <LevelBadge level="ok" word="Verified" />;
  return <LevelBadge level="paused" word="Not verified yet" />;
}

/**
 * The Restore page: snapshots per source and day (from this computer's repository, or from a configured
 * target when the local one is gone), each with "Restore…" into the live data and "Save a copy…".
 */
export function RestoreScreen(props: { api: LifeboatApi; live: LiveStatus; now: number }) {
  const { api } = props;
  const targets = props.live.status?.targets.map((t) => t.name) ?? [];
  const [from, setFrom] = useState('');
  const [snapshots, setSnapshots] = useState<Snapshot[]>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [dialog, setDialog] = useState<{ snapshot: Snapshot; mode: RestoreMode; from?: string }>();
  const fromId = useId();

  const load = useCallback(async () => {
    setLoading(true);
    setError(undefined);
    try {
      setSnapshots(await api.listSnapshots(from ? { from } : {}));
    } catch (err) {
      setSnapshots(undefined);
      setError(err);
    } finally {
      setLoading(false);
    }
  }, [api, from]);

  useEffect(() => {
    void load();
  }, [load]);

  const groups = snapshots ? groupSnapshots(snapshots, props.now) : [];
  const localEmpty = !from && (error !== undefined || (snapshots !== undefined && snapshots.length === 0));

  return (
    <div className="screen restore-screen">
      <h1>Restore</h1>
      <div className="field inline">
        <label htmlFor={fromId}>Snapshots from</label>
        <select id={fromId} value={from} onChange={(e) => setFrom(e.target.value)}>
          <option value="">This computer's repository</option>
          {targets.map((t) => <option key={t} value={t}>Target: {t}</option>)}
        </select>
        <button type="button" onClick={() => void load()} disabled={loading}>Refresh</button>
      </div>
      {localEmpty && (
        <section className="card callout" aria-labelledby="from-target-title">
          <h2 id="from-target-title">Restore from a target</h2>
          {targets.length > 0 ? (
            <>
              <p>This computer has no snapshots to restore. If its repository was lost, restore from an offsite copy:</p>
              <div className="buttons">
                {targets.map((t) => <button key={t} type="button" onClick={() => setFrom(t)}>Show snapshots on {t}</button>)}
              </div>
            </>
          ) : (
            <p>This computer has no snapshots to restore, and no offsite target is set up.</p>
          )}
        </section>
      )}
      {error !== undefined && <ErrorMessage error={error} onRetry={() => void load()} context={from ? `Could not list the snapshots on ${from}` : 'Could not list the snapshots'} />}
      {loading && !snapshots && <p className="muted" role="status">Loading snapshots…</p>}
      {snapshots && snapshots.length === 0 && from && <p>No snapshots on {from} yet.</p>}
      {groups.map((g) => (
        <section key={g.source} className="card" aria-labelledby={`src-${g.source}`}>
          <h2 id={`src-${g.source}`}>{g.source}</h2>
          {g.days.map((d) => (
            <div key={d.key} className="day">
              <h3>{d.label}</h3>
              <ul className="rows snapshots">
                {d.snapshots.map((s) => (
                  <li key={s.id} className="row snapshot" data-snapshot-id={s.id}>
                    <div className="row-head">
                      <strong><time dateTime={s.time} title={localDateTime(s.time)}>{localTime(s.time)}</time></strong>
                      <span className="muted small">{relativeTime(s.time, props.now)}</span>
                    </div>
                    <div className="small">
                      {reasonWord(s.reason)} · {formatBytes(s.size)}{s.bytesAdded > 0 ? ` (${formatBytes(s.bytesAdded)} new)` : ''} · <Verified s={s} />
                    </div>
                    <div className="buttons">
                      <button type="button" onClick={() => setDialog({ snapshot: s, mode: 'live', ...(from ? { from } : {}) })} aria-label={`Restore to original: ${s.source} at ${localDateTime(s.time)}`}>Restore to original…</button>
                      <button type="button" onClick={() => setDialog({ snapshot: s, mode: 'copy', ...(from ? { from } : {}) })} aria-label={`Save a copy as: ${s.source} at ${localDateTime(s.time)}`}>Save a copy as…</button>
                    </div>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      ))}
      {dialog && (
        <RestoreDialog
          api={api}
          snapshot={dialog.snapshot}
          mode={dialog.mode}
          {...(dialog.from ? { from: dialog.from } : {})}
          progress={props.live.progress}
          onClose={() => setDialog(undefined)}
          onDone={() => void load()}
        />
      )}
    </div>
  );
}
