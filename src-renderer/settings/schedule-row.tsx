// One scheduled job: its cron expression, checked live by the engine as the admin types (debounced), with
// the human form and the next three runs, or the parser's message at the field.
import { useEffect, useRef, type JSX } from 'react';
import type { CallResult, LifeboatApi } from '../../src-shared/contract.ts';
import { CheckField, TextField } from './field.tsx';
import { formatTime } from './format.ts';
import { useDebounced } from './hooks.ts';

/** The live check of one expression: pending while typing or asking, then the engine's answer. */
export type CronCheck = { cron: string; state: 'checking' } | { cron: string; state: 'checked'; result: CallResult<'checkSchedule'> } | { cron: string; state: 'failed'; message: string };

/** One job as the row shows it. */
export interface JobInfo { id: string; title: string; what: string; defaultCron: string }

interface Props {
  api: LifeboatApi;
  job: JobInfo;
  cron: string;
  enabled: boolean;
  check: CronCheck | undefined;
  /** When the agent will next run it (the schedule in force, not the draft). */
  nextRun: string | undefined;
  /** A message from the last save for this job's cron or enabled field. */
  saveError: { cron?: string | undefined; enabled?: string | undefined };
  onCron(v: string): void;
  onEnabled(v: boolean): void;
  onCheck(c: CronCheck): void;
}

/** Renders the row and reports each check's outcome with the expression it was for (stale answers are the caller's to drop). */
export function ScheduleRow(p: Props): JSX.Element {
  const debounced = useDebounced(p.cron, 350);
  const { api, onCheck } = p;
  const latest = useRef(p.check);
  latest.current = p.check;
  useEffect(() => {
    let live = true;
    const cron = debounced.trim();
    // Already answered (the engine's own answer for the expression in force): no need to ask again.
    const known = latest.current;
    if (known && known.cron === cron && known.state === 'checked') return;
    onCheck({ cron, state: 'checking' });
    api.checkSchedule({ cron }).then(
      (result) => { if (live) onCheck({ cron, state: 'checked', result }); },
      (e: unknown) => { if (live) onCheck({ cron, state: 'failed', message: e instanceof Error ? e.message : 'could not check' }); },
    );
    return () => { live = false; };
  }, [debounced, api, onCheck]);

  const path = `patch.schedules.${p.job.id}`;
  const current = p.check && p.check.cron === p.cron.trim() ? p.check : undefined;
  const invalid = current?.state === 'checked' && !current.result.valid ? current.result.error : current?.state === 'failed' ? current.message : undefined;
  const hint = !current || current.state === 'checking' ? <span className="s-muted">Checking…</span>
    : current.state === 'checked' && current.result.valid ? (
      <>
        <span className="s-human">{current.result.human}</span>
        <span className="s-next-label"> Next runs:</span>
        <ol className="s-next-runs">{current.result.next.map((t) => <li key={t}><time dateTime={t}>{formatTime(t)}</time></li>)}</ol>
      </>
    ) : null;
  return (
    <li className="s-row s-schedule-row" data-job={p.job.id}>
      <div className="s-row-main">
        <div className="s-row-head">
          <strong>{p.job.title}</strong>
          {p.nextRun && p.enabled ? <span className="s-small s-muted"> next at <time dateTime={p.nextRun}>{formatTime(p.nextRun)}</time></span> : null}
        </div>
        {p.job.what ? <div className="s-small s-muted">{p.job.what}</div> : null}
        <TextField path={`${path}.cron`} label={`${p.job.title} schedule (cron)`} value={p.cron} onChange={p.onCron} mono
          error={p.saveError.cron ?? invalid} hint={invalid ? undefined : hint} placeholder={p.job.defaultCron} />
        {p.cron.trim() !== p.job.defaultCron ? <div className="s-small s-muted">Default: <code>{p.job.defaultCron}</code></div> : null}
        <CheckField path={`${path}.enabled`} label={`Run ${p.job.title.toLowerCase()} on this schedule`} checked={p.enabled} onChange={p.onEnabled} error={p.saveError.enabled} />
      </div>
    </li>
  );
}
