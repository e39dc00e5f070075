import type { Status } from '../../src-shared/contract.ts';
import { formatBytes } from '../app/format.ts';
import { localDateTime, relativeTime } from '../app/relative-time.ts';
import { reasonWord } from '../app/reason-words.ts';

/** Each source: its last good snapshot (time, age, size, why) and its next scheduled run. */
export function SourcesPanel(props: { sources: Status['sources']; now: number }) {
  return (
    <section aria-labelledby="sources-title" className="card">
      <h2 id="sources-title">Sources</h2>
      {props.sources.length === 0 && <p>No source is set up yet: add one in Settings.</p>}
      <ul className="rows">
        {props.sources.map((s) => (
          <li key={s.name} className="row source" data-source={s.name}>
            <div className="row-head">
              <strong>{s.name}</strong>
              <span className="muted small">{s.kind === 'sqlite' ? 'SQLite database' : s.kind === 'folder' ? 'Folder' : s.kind}</span>
            </div>
            <div className="muted small path" title={s.path}>{s.path}</div>
            {s.lastSnapshot ? (
              <div data-snapshot-id={s.lastSnapshot.id} className="last-snapshot">
                Last good snapshot <time dateTime={s.lastSnapshot.time} title={localDateTime(s.lastSnapshot.time)}>{relativeTime(s.lastSnapshot.time, props.now)}</time>
                {` · ${formatBytes(s.lastSnapshot.size)} · ${reasonWord(s.lastSnapshot.reason)}`}
              </div>
            ) : (
              <div className="last-snapshot">No snapshot yet</div>
            )}
            <div className="muted small">
              {s.nextRun ? <>Next run <time dateTime={s.nextRun} title={localDateTime(s.nextRun)}>{relativeTime(s.nextRun, props.now)}</time></> : 'No scheduled run'}
              {s.watch ? ' · also on every change' : ''}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
