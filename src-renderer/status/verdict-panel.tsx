import type { Status } from '../../src-shared/contract.ts';
import { LEVEL_WORD, uiLevel } from '../app/levels.ts';
import { localDateTime, relativeTime } from '../app/relative-time.ts';

/** The verdict in the tray's colour, its word, and every reason in plain words. */
export function VerdictPanel(props: { status: Status; now: number }) {
  const { status, now } = props;
  const level = uiLevel(status);
  const reasons = status.verdict.reasons;
  return (
    <section className={`verdict level-${level}`} data-level={level} aria-labelledby="verdict-title">
      <h2 id="verdict-title">
        <span className="dot" aria-hidden="true" />
        {LEVEL_WORD[level]}
      </h2>
      {status.paused && (
        <p>Backups are paused{status.paused.until ? ` until ${localDateTime(status.paused.until)} (${relativeTime(status.paused.until, now)})` : ''}.</p>
      )}
      {reasons.length > 0 ? (
        <ul className="reasons">
          {reasons.map((r, i) => (
            <li key={`${r.code}-${r.source ?? ''}-${i}`} data-level={r.level} className={`reason level-${r.level}`}>
              <span className="visually-hidden">{LEVEL_WORD[r.level]}: </span>
              {r.text}
            </li>
          ))}
        </ul>
      ) : (
        <p>Every source has a recent backup.</p>
      )}
    </section>
  );
}
