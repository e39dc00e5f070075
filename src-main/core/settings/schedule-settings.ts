import { LifeboatError } from '../errors.ts';
import { cronSchedule, timeZoneError } from '../schedule/cron-schedule.ts';
import { defaultJobs, type DefaultJob } from '../schedule/schedule-plan.ts';
import type { Settings } from './settings-types.ts';

export interface EffectiveJob extends DefaultJob { enabled: boolean; custom: boolean }

export function settingsTimeZone(s: Settings): string {
  return s.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The schedule in force: the defaults with the admin's changes applied. */
export function effectiveJobs(s: Settings): EffectiveJob[] {
  const tz = settingsTimeZone(s);
  return defaultJobs(tz).map((j) => {
    const o = s.schedules?.[j.id];
    return { ...j, cron: o?.cron ?? j.cron, enabled: o?.enabled ?? true, custom: o?.cron !== undefined && o.cron !== j.cron };
  });
}

/**
 * Sets a job's cron expression, refusing a bad one with the parser's own words (nothing is changed then).
 * Returns the normalised expression that was stored.
 */
export function setJobCron(s: Settings, id: string, expression: string, now = new Date()): string {
  requireJob(s, id);
  const tz = settingsTimeZone(s);
  const tzErr = timeZoneError(tz);
  if (tzErr) throw new LifeboatError('bad-input', tzErr);
  const r = cronSchedule(expression, tz, now);
  if (!r.ok) throw new LifeboatError('bad-input', `bad schedule for ${id}: ${r.error}`);
  s.schedules = { ...s.schedules, [id]: { ...s.schedules?.[id], cron: r.expression } };
  return r.expression;
}

export function setJobEnabled(s: Settings, id: string, enabled: boolean): void {
  requireJob(s, id);
  s.schedules = { ...s.schedules, [id]: { ...s.schedules?.[id], enabled } };
}

function requireJob(s: Settings, id: string): void {
  const ids = defaultJobs(settingsTimeZone(s)).map((j) => j.id as string);
  if (!ids.includes(id)) throw new LifeboatError('bad-input', `no scheduled job "${id}": the jobs are ${ids.join(', ')}`);
}
