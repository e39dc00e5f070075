// When Lifeboat mails: which mail a verdict calls for, the hourly limit, and when a summary is due. Pure
// decisions (the clock is an argument), tested with tables; email-alerts.ts carries them out.
import type { HealthLevel } from '../health/health-verdict.ts';

/** Alert levels mailed by default. */
export const DEFAULT_ALERT_LEVELS: readonly HealthLevel[] = ['warning', 'critical'];
/** At most this many alert mails (alerts and "All well again") in any hour, by default. */
export const DEFAULT_MAX_PER_HOUR = 6;
/** Summaries go out at or after this local hour (08:00: before the office opens its mail). */
export const SUMMARY_HOUR = 8;
/** After a summary failed to send, wait this long before the next try. */
export const SUMMARY_RETRY_MS = 30 * 60_000;

const HOUR_MS = 3_600_000;

/**
 * Which mail the verdict level `next` calls for, given the level the admin last heard about (`mailed`: 'ok'
 * until an alert was sent, and again after "All well again"). An alert when `next` is one of `levels` and not
 * the level last mailed (so one mail per change of level, none while it stays there); a recovery when `next`
 * is ok or working (nothing wrong) after an alert; otherwise nothing. Pure.
 */
export function mailFor(mailed: HealthLevel, next: HealthLevel, levels: readonly HealthLevel[], recovery: boolean): 'alert' | 'recovery' | undefined {
  if (levels.includes(next) && next !== mailed) return 'alert';
  if ((next === 'ok' || next === 'working') && (mailed === 'warning' || mailed === 'critical')) return recovery ? 'recovery' : undefined;
  return undefined;
}

/**
 * The hourly limit: true when fewer than `max` of the `sent` times fall in the hour before `now`.
 * Pure; the caller keeps the times (and may drop those older than an hour).
 */
export function withinHourlyLimit(sent: readonly number[], now: number, max: number): boolean {
  return sent.filter((t) => now - t < HOUR_MS).length < max;
}

/**
 * Whether a summary is due at `now`: never when `kind` is 'off'; otherwise at or after SUMMARY_HOUR local time
 * (`timeZone`) on a day (daily) or in an ISO week (weekly, from Monday) that `lastSent` is not in. With no
 * `lastSent` the first one goes at the next such time. Pure.
 */
export function summaryIsDue(kind: 'off' | 'daily' | 'weekly', now: Date, lastSent: Date | undefined, timeZone: string): boolean {
  if (kind === 'off') return false;
  const n = localParts(now, timeZone);
  if (n.hour < SUMMARY_HOUR && !(kind === 'weekly' && n.weekday !== 1)) return false;
  if (!lastSent) return true;
  const l = localParts(lastSent, timeZone);
  if (kind === 'daily') return n.day !== l.day;
  return weekStart(n) !== weekStart(l);
}

interface LocalParts { day: string; hour: number; weekday: number }

function localParts(d: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' }).formatToParts(d).map((p) => [p.type, p.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? '');
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday: weekday === 0 ? 7 : weekday };
}

/** The local date (YYYY-MM-DD) of the Monday starting the ISO week of `p`. */
function weekStart(p: LocalParts): string {
  const d = new Date(`${p.day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - (p.weekday - 1));
  return d.toISOString().slice(0, 10);
}
