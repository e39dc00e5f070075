import { calendarFormat } from '../util/calendar-format.ts';
// Small pure formatters for the words the verdict shows: ages ("3 min ago"), clock times ("14:02"),
// sizes ("12 GB"). English only for now; the reason codes are what a translation would key on.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A duration in the largest unit that fits, rounded down: "40 s" is never shown, under a minute is
 * "under a minute"; then "1 min", "59 min", "1 hour", "23 hours", "1 day", "59 days", "2 months",
 * "23 months", "2 years". Negative durations count as zero.
 */
export function humanDuration(ms: number): string {
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (!(ms >= MINUTE)) return 'under a minute';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) return plural(Math.floor(ms / HOUR), 'hour');
  const days = Math.floor(ms / DAY);
  if (days < 60) return plural(days, 'day');
  if (days < 730) return plural(Math.floor(days / 30), 'month');
  return plural(Math.floor(days / 365), 'year');
}

/**
 * How long ago `then` was, seen from `now` (both epoch ms): "just now" under a minute, else
 * humanDuration + " ago" ("3 min ago", "2 days ago"). A time more than two minutes in the future
 * (a clock that is off) says so instead of pretending: "in the future (check the clock)".
 */
export function relativeAge(then: number, now: number): string {
  const ms = now - then;
  if (ms < -2 * MINUTE) return 'in the future (check the clock)';
  if (ms < MINUTE) return 'just now';
  return `${humanDuration(ms)} ago`;
}

/**
 * A wall-clock time in `timeZone`, as short as stays unambiguous from `now`: "14:02" on the same
 * local day, "Mon 14:02" within six days either side, "2026-11-20 14:02" otherwise. 24-hour clock.
 * Throws on an unknown time zone.
 */
export function clockTime(at: number, now: number, timeZone: string): string {
  const a = localParts(at, timeZone);
  const b = localParts(now, timeZone);
  const time = `${a.hour}:${a.minute}`;
  if (a.date === b.date) return time;
  const dayDiff = Math.abs(Date.parse(`${a.date}T00:00Z`) - Date.parse(`${b.date}T00:00Z`)) / DAY;
  if (dayDiff <= 6) return `${a.weekday} ${time}`;
  return `${a.date} ${time}`;
}

/** Bytes in decimal units (as disks are sold): "950 bytes", "1.5 GB", "12 GB", "3.2 TB". */
export function formatBytes(bytes: number): string {
  if (!(bytes >= 1000)) return `${Math.max(0, Math.floor(bytes || 0))} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const shown = value < 10 ? Math.floor(value * 10) / 10 : Math.floor(value);
  return `${shown} ${units[unit]}`;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Epoch ms of an ISO 8601 time with a zone ("2026-11-20T14:02:00Z", "...+01:00").
 * Throws an Error naming `what` otherwise: a time without a zone is a bug in whoever built the facts.
 */
export function parseTime(value: unknown, what: string): number {
  const ms = typeof value === 'string' && ISO_WITH_ZONE.test(value) ? Date.parse(value.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`Invalid health facts: ${what} must be an ISO 8601 time with a zone, got ${JSON.stringify(value)}`);
  }
  return ms;
}

interface LocalParts {
  date: string;
  hour: string;
  minute: string;
  weekday: string;
}

function localParts(ms: number, timeZone: string): LocalParts {
  const format = calendarFormat(timeZone);
  const p: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, hour: p.hour ?? '00', minute: p.minute ?? '00', weekday: p.weekday ?? '' };
}
