import type { Progress, Status } from '../../src-shared/contract.ts';

const KIND_WORD: Record<string, string> = { backup: 'Backup', restore: 'Restore', verify: 'Check', copy: 'Copy', drive: 'USB copy', 'drive-copy': 'USB copy', prune: 'Clean-up', offsite: 'Offsite copy', 'source-check': 'Source check' };

/** A job's kind in words ("Backup"); unknown kinds are shown as the engine names them. */
export function jobWord(kind: string): string {
  return KIND_WORD[kind] ?? kind;
}

/** Running and queued jobs: what each does, and a progress bar from the latest progress event. */
export function JobsList(props: { jobs: Status['jobs']; progress: ReadonlyMap<number, Progress> }) {
  if (props.jobs.length === 0) return null;
  return (
    <section aria-labelledby="jobs-title" className="card">
      <h2 id="jobs-title">Working now</h2>
      <ul className="jobs">
        {props.jobs.map((j) => {
          const p = props.progress.get(j.id);
          const phase = p?.phase ?? j.phase;
          const done = p?.done ?? j.done;
          const total = p?.total ?? j.total;
          const pct = total && done !== undefined ? Math.min(100, Math.round((done / total) * 100)) : undefined;
          // A backup of every source has no source of its own; its progress says which one it is on.
          const source = j.source ?? p?.source;
          const label = `${jobWord(j.kind)}${source ? ` of ${source}` : ''}`;
          return (
            <li key={j.id} className="job" data-state={j.state}>
              <div className="job-line">
                <strong>{label}</strong>
                <span className="muted">{j.state === 'queued' ? 'Queued' : phase ? `Running: ${phase}` : 'Running'}</span>
              </div>
              {j.state === 'running' && (
                pct !== undefined
                  ? <progress max={100} value={pct} aria-label={`${label} progress`}>{pct} %</progress>
                  : <progress aria-label={`${label} progress`} />
              )}
              {pct !== undefined && <span className="muted small">{pct} %</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
