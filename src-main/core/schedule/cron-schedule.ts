// Checks a schedule a person typed and says, in words and dates, what it will do.
// The grammar lives in cron-fields.ts; cron-parser walks the calendar in a time zone (DST included);
// cronstrue writes the sentence. Pure: the clock is an argument.

import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import { parseCron, type CronFields } from './cron-fields.ts';

export type CronSchedule =
  | {
      ok: true;
      /** Normalised form (spaces collapsed, nickname expanded): store this and give it to node-cron. */
      expression: string;
      /** e.g. "Every 15 minutes", "At 03:30, only on Sunday". */
      human: string;
      /** The next runs strictly after `now`, earliest first. */
      next: Date[];
    }
  | { ok: false; error: string };

/**
 * Validates a cron expression (Lifeboat's five-field grammar, see parseCron) and a time zone, and
 * describes the schedule.
 * Contract: never throws. On success returns the normalised expression, a human sentence (24-hour
 * clock) and the next `count` runs strictly after `now` in `timeZone` (an IANA name). On failure
 * returns one message naming what is wrong: the field and value ("minute field: 61 is out of range
 * 0-59") or the time zone. DST follows cron-parser: a local time skipped by a spring-forward runs once
 * just after the gap (02:30 becomes 03:30); a local time repeated at a fall-back runs once, at its
 * first occurrence; `*` minute and hour steps keep running through both passes of a repeated hour.
 */
export function cronSchedule(expression: string, timeZone: string, now: Date, count = 3): CronSchedule {
  const parsed = parseCron(expression);
  if (!parsed.ok) return parsed;
  const zoneError = timeZoneError(timeZone);
  if (zoneError) return { ok: false, error: zoneError };
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) return { ok: false, error: 'the start time is not a valid date' };
  let next: Date[];
  try {
    next = walk(parsed.fields, timeZone, now, Math.max(0, Math.floor(count)));
  } catch (err) {
    return { ok: false, error: `cannot compute the next runs: ${(err as Error).message}` };
  }
  return { ok: true, expression: parsed.expression, human: describe(parsed.expression, parsed.fields), next };
}

/**
 * The next `count` runs of `expression` strictly after `after`, in `timeZone`, earliest first.
 * Contract: same grammar and DST rules as cronSchedule; throws an Error with cronSchedule's message
 * when the expression or the zone is invalid (callers that hold settings already checked them).
 */
export function nextRuns(expression: string, timeZone: string, after: Date, count: number): Date[] {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(`Invalid schedule ${JSON.stringify(expression)}: ${parsed.error}`);
  const zoneError = timeZoneError(timeZone);
  if (zoneError) throw new Error(`Invalid schedule time zone: ${zoneError}`);
  return walk(parsed.fields, timeZone, after, count);
}

/**
 * Why `timeZone` cannot be used, or undefined when it is a time zone name Node knows ("UTC" or an
 * IANA name such as "Europe/Berlin"). Fixed offsets ("+01:00") are refused: they have no DST and a
 * person who typed one almost always meant their region.
 */
export function timeZoneError(timeZone: unknown): string | undefined {
  const bad = `time zone ${JSON.stringify(timeZone)} is not known: use an IANA name such as "Europe/Berlin" or "UTC"`;
  if (typeof timeZone !== 'string' || timeZone === '' || /^[+-]|^(?:utc|gmt)[+-]/i.test(timeZone)) return bad;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return bad;
  }
}

function walk(fields: CronFields, timeZone: string, after: Date, count: number): Date[] {
  // cron-parser gets explicit value lists, so its reading of ranges, steps and names can never
  // differ from ours; a field covering its whole range is `*`, which keeps classic cron's
  // day-of-month/day-of-week rule out of play (parseCron refuses both restricted).
  const list = (values: number[], size: number): string => (values.length >= size ? '*' : values.join(','));
  const canonical = [
    list(fields.minute, 60),
    list(fields.hour, 24),
    list(fields.dayOfMonth, 31),
    list(fields.month, 12),
    list(fields.dayOfWeek, 7),
  ].join(' ');
  const iterator = CronExpressionParser.parse(canonical, { tz: timeZone, currentDate: after });
  const runs: Date[] = [];
  for (let i = 0; i < count; i += 1) runs.push(iterator.next().toDate());
  return runs;
}

function describe(expression: string, fields: CronFields): string {
  const parts = expression.split(' ');
  // cronstrue reads 7 as a second Sunday ("only on Sunday and Sunday"); our folded list reads right.
  if (/(?:^|[,-])7(?:$|[,/-])/.test(parts[4] ?? '')) parts[4] = fields.dayOfWeek.length === 7 ? '*' : fields.dayOfWeek.join(',');
  try {
    return cronstrue.toString(parts.join(' '), { use24HourTimeFormat: true, throwExceptionOnParseError: true, verbose: false });
  } catch {
    // The grammar is a subset cronstrue reads (tested); the expression is still a truthful fallback.
    return `Cron "${expression}"`;
  }
}
