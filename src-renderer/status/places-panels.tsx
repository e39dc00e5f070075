import type { Status } from '../../src-shared/contract.ts';
import { formatRuntime } from '../app/format.ts';
import type { UiLevel } from '../app/levels.ts';
import { localDateTime, relativeTime } from '../app/relative-time.ts';
import { LevelBadge } from '../ui/level-badge.tsx';

const POWER: Record<Status['power'][number]['level'], { level: UiLevel; word: string }> = {
  online: { level: 'ok', word: 'On mains power' },
  'on-battery': { level: 'critical', word: 'On battery' },
  'low-battery': { level: 'critical', word: 'Battery low' },
  unknown: { level: 'warning', word: 'Unknown' },
};

function When(props: { iso: string; now: number }) {
  return <time dateTime={props.iso} title={localDateTime(props.iso)}>{relativeTime(props.iso, props.now)}</time>;
}

/** Power sources (UPS, battery): state, charge, runtime. */
export function PowerPanel(props: { power: Status['power'] }) {
  return (
    <section aria-labelledby="power-title" className="card">
      <h2 id="power-title">Power</h2>
      {props.power.length === 0 && <p className="muted">No UPS is watched: add one in Settings so a power cut triggers a backup.</p>}
      <ul className="rows">
        {props.power.map((p) => (
          <li key={p.source} className="row" data-power={p.level}>
            <div className="row-head">
              <strong>{p.source}</strong>
              <LevelBadge level={POWER[p.level].level} word={POWER[p.level].word} />
            </div>
            <div className="muted small">
              {[p.charge !== undefined ? `charge ${Math.round(p.charge)} %` : '', p.runtimeSeconds !== undefined ? `runtime ${formatRuntime(p.runtimeSeconds)}` : '', p.detail ?? ''].filter(Boolean).join(' · ')}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** USB drives: adopted or not, present or not, and their last copy. */
export function DrivesPanel(props: { drives: Status['drives']; now: number }) {
  return (
    <section aria-labelledby="drives-title" className="card">
      <h2 id="drives-title">USB drives</h2>
      {props.drives.length === 0 && <p className="muted">No USB drive is set up.</p>}
      <ul className="rows">
        {props.drives.map((d) => (
          <li key={d.id ?? d.mount ?? d.label} className="row">
            <div className="row-head">
              <strong>{d.label}</strong>
              <span className="muted small">{d.adopted ? 'in use' : 'not adopted'} · {d.present ? 'plugged in' : 'not plugged in'}</span>
            </div>
            {d.lastCopy ? (
              <div className="small">
                <LevelBadge level={d.lastCopy.result === 'ok' ? 'ok' : 'warning'} word={d.lastCopy.result === 'ok' ? 'Copied' : d.lastCopy.result === 'full' ? 'Drive full' : 'Copy failed'} />{' '}
                <When iso={d.lastCopy.time} now={props.now} /> · {d.lastCopy.copied} snapshot{d.lastCopy.copied === 1 ? '' : 's'}{d.lastCopy.message ? ` · ${d.lastCopy.message}` : ''}
              </div>
            ) : (
              <div className="muted small">No copy yet</div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Offsite targets: what is waiting, the last success, the last error. */
export function TargetsPanel(props: { targets: Status['targets']; now: number }) {
  return (
    <section aria-labelledby="targets-title" className="card">
      <h2 id="targets-title">Offsite copies</h2>
      {props.targets.length === 0 && <p className="muted">No offsite target: a copy away from this building protects against fire and theft.</p>}
      <ul className="rows">
        {props.targets.map((t) => {
          const trouble = t.needsAttention ?? t.lastError;
          return (
            <li key={t.name} className="row">
              <div className="row-head">
                <strong>{t.name}</strong>
                <LevelBadge level={trouble ? 'warning' : t.backlog > 0 ? 'working' : 'ok'} word={trouble ? 'Problem' : t.backlog > 0 ? `${t.backlog} waiting` : 'Up to date'} />
              </div>
              <div className="muted small path" title={t.url}>{t.url}</div>
              <div className="small">
                {t.lastSuccessAt ? <>Last copy <When iso={t.lastSuccessAt} now={props.now} /></> : 'No copy yet'}
                {t.oldestPendingAt ? <> · oldest waiting since <When iso={t.oldestPendingAt} now={props.now} /></> : null}
              </div>
              {trouble && <div className="small problem">{trouble}</div>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
