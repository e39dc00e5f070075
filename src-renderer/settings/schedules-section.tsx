// Schedules: each job's cron expression and whether it runs. Every expression is checked by the engine as it
// is typed; Save stays disabled while any expression is unchecked or wrong, and the engine refuses a bad
// one again on save (its message then shows at the field).
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type JSX } from 'react';
import type { CallResult, LifeboatApi, Status } from '../../src-shared/contract.ts';
import { fieldError, NO_ERROR, toFormError, unclaimed, type FormError } from './form-errors.ts';
import { useAction } from './hooks.ts';
import { jobName } from './job-names.ts';
import { useWithPin } from './pin-gate.tsx';
import { ScheduleRow, type CronCheck, type JobInfo } from './schedule-row.tsx';
import { Outcome, SectionFrame } from './section-frame.tsx';
import type { Settings } from './settings-types.ts';

type Schedules = CallResult<'getSchedules'>;
type Draft = Record<string, { cron: string; enabled: boolean }>;

/** The schedules form; `onSaved` receives the settings the engine stored. */
export function SchedulesSection(p: { api: LifeboatApi; settings: Settings; status: Status | undefined; onSaved: (s: Settings) => void }): JSX.Element {
  const withPin = useWithPin();
  const save = useAction();
  const { api } = p;
  const [schedules, setSchedules] = useState<Schedules | null>(null);
  const [loadErr, setLoadErr] = useState<FormError>(NO_ERROR);
  const [draft, setDraft] = useState<Draft>({});
  const [checks, setChecks] = useState<Record<string, CronCheck>>({});
  const shown = useRef<Schedules | null>(null);

  // What is in force comes from the engine (defaults and overrides together); reloaded when the stored
  // overrides change, here or in another window. Unsaved edits of jobs whose stored value did not change stay.
  useEffect(() => {
    let live = true;
    api.getSchedules({}).then((list) => {
      if (!live) return;
      setLoadErr(NO_ERROR);
      const before = shown.current;
      shown.current = list;
      setSchedules(list);
      setDraft((d) => {
        const next = { ...d };
        for (const j of list) {
          const old = before?.find((b) => b.id === j.id);
          if (!next[j.id] || !old || old.cron !== j.cron || old.enabled !== j.enabled) next[j.id] = { cron: j.cron, enabled: j.enabled };
        }
        return next;
      });
      // The engine's answer for the expression in force stands for the first live check.
      setChecks((c) => ({ ...Object.fromEntries(list.map((j) => [j.id, { cron: j.cron, state: 'checked', result: j.next.length ? { valid: true, human: j.human, next: j.next } : { valid: false, error: j.human } } satisfies CronCheck])), ...c }));
    }, (e: unknown) => { if (live) setLoadErr(toFormError(e)); });
    return () => { live = false; };
  }, [api, p.settings.schedules]);

  const jobs: JobInfo[] = useMemo(() => (schedules ?? []).map((j) => ({ id: j.id, defaultCron: j.defaultCron, ...jobName(j.id, j.label) })), [schedules]);
  const onCheck = useCallback((id: string, c: CronCheck) => setChecks((all) => ({ ...all, [id]: c })), []);
  const checkers = useMemo(() => Object.fromEntries(jobs.map((j) => [j.id, (c: CronCheck) => onCheck(j.id, c)])), [jobs, onCheck]);

  if (!schedules) {
    return (
      <SectionFrame id="settings-schedules" title="Schedules">
        {loadErr.message ? <Outcome err={loadErr} /> : <p className="s-muted">Loading the schedules…</p>}
      </SectionFrame>
    );
  }

  const stored = (id: string) => schedules.find((j) => j.id === id);
  const changed = jobs.some((j) => draft[j.id] && (draft[j.id]!.cron.trim() !== stored(j.id)?.cron || draft[j.id]!.enabled !== stored(j.id)?.enabled));
  const problems = jobs.filter((j) => {
    const c = checks[j.id];
    return !c || c.cron !== (draft[j.id]?.cron.trim() ?? '') || c.state !== 'checked' || !c.result.valid;
  });
  const canSave = changed && problems.length === 0 && !save.busy;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!canSave) return;
    const overrides: NonNullable<Settings['schedules']> = { ...p.settings.schedules };
    for (const j of jobs) {
      const d = draft[j.id]!;
      const cron = d.cron.trim();
      // Only differences from the default are stored, so a later change of a default reaches this office.
      if (cron === j.defaultCron && d.enabled) delete overrides[j.id];
      else overrides[j.id] = { ...(cron !== j.defaultCron ? { cron } : {}), ...(d.enabled ? {} : { enabled: false }) };
    }
    void save.run(async () => {
      const s = await withPin((pin) => p.api.saveSettings({ patch: { schedules: overrides }, pin }));
      p.onSaved(s);
    }, 'Saved. The agent now runs the new schedule.', scheduleFieldPath);
  };

  const err = withJobFromMessage(save.err, jobs.map((j) => j.id));
  const claimed = jobs.flatMap((j) => [`patch.schedules.${j.id}.cron`, `patch.schedules.${j.id}.enabled`]);
  const nextRun = (id: string) => p.status?.nextRuns.find((r) => r.id === id)?.next;
  const edit = (id: string, v: Partial<Draft[string]>) => { save.setErr(NO_ERROR); setDraft((d) => ({ ...d, [id]: { ...d[id]!, ...v } })); };
  return (
    <SectionFrame id="settings-schedules" title="Schedules" intro={<>When each job runs, as a cron expression: minute, hour, day of month, month, day of week (<code>0 2 * * *</code> is every day at 02:00).</>}>
      <form onSubmit={onSubmit} aria-labelledby="settings-schedules-title">
        <ul className="s-rows">
          {jobs.map((j) => (
            <ScheduleRow key={j.id} api={api} job={j} cron={draft[j.id]?.cron ?? ''} enabled={draft[j.id]?.enabled ?? true} check={checks[j.id]} nextRun={nextRun(j.id)}
              saveError={{ cron: fieldError(err, `patch.schedules.${j.id}.cron`), enabled: fieldError(err, `patch.schedules.${j.id}.enabled`) }}
              onCron={(cron) => edit(j.id, { cron })} onEnabled={(enabled) => edit(j.id, { enabled })} onCheck={checkers[j.id]!} />
          ))}
        </ul>
        <div className="s-buttons">
          <button type="submit" className="s-primary" disabled={!canSave} aria-describedby="settings-schedules-why">{save.busy ? 'Saving…' : 'Save schedules'}</button>
          <button type="button" disabled={!changed || save.busy} onClick={() => { setDraft(Object.fromEntries(schedules.map((j) => [j.id, { cron: j.cron, enabled: j.enabled }]))); save.setErr(NO_ERROR); }}>Undo changes</button>
        </div>
        <div id="settings-schedules-why" className="s-small s-muted">{changed && problems.length ? `Fix ${problems.map((j) => j.title).join(', ')} before saving.` : ''}</div>
        <Outcome ok={save.ok} err={err} extra={unclaimed(err, claimed)} />
      </form>
    </SectionFrame>
  );
}

// The engine names an unknown job's override as "patch.schedules.<id>" (the whole entry): show it at the cron.
function scheduleFieldPath(path: string): string {
  return /^patch\.schedules\.[^.]+$/.test(path) ? `${path}.cron` : path;
}

// A refusal without field paths ("bad schedule for backup: ...") still belongs at that job's field.
function withJobFromMessage(err: FormError, ids: string[]): FormError {
  if (!err.message || Object.keys(err.fields).length) return err;
  const m = /schedule for ([A-Za-z0-9_-]+)/.exec(err.message);
  if (!m || !ids.includes(m[1]!)) return err;
  return { message: err.message, fields: { [`patch.schedules.${m[1]}.cron`]: err.message } };
}
