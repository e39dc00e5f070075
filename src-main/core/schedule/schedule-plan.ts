// What the scheduler owes after the machine was off or asleep, and the schedule Lifeboat starts with.
// Pure: the clock and the history are arguments; cron-schedule.ts does the calendar arithmetic.

import { nextRuns } from './cron-schedule.ts';

/** The jobs Lifeboat schedules by default; settings may add, change or disable them. */
export type DefaultJobId = 'backup' | 'prune' | 'quick-verify' | 'deep-verify' | 'restore-drill';

export interface ScheduledJob {
  id: string;
  /** Five-field cron expression (see cronSchedule). */
  cron: string;
  /** IANA time zone the expression is read in. */
  tz: string;
  /**
   * ISO 8601 time (with a zone) at which the scheduler last started this job, whatever the job then
   * decided (a backup that skipped an unchanged source still ran). Absent: never ran.
   */
  lastRun?: string;
}

export interface DefaultJob extends ScheduledJob {
  id: DefaultJobId;
  /** One line for `lifeboat schedule list` and the settings window. */
  description: string;
}

export interface MissedJob {
  id: string;
  /** The first scheduled time that passed without a run; the catch-up stands for it and any later ones. */
  missedAt: Date;
}

/**
 * Jobs whose scheduled time passed while nothing ran them, each owed exactly one catch-up run.
 * Contract:
 * - A job is due when its first scheduled time after `lastRun` is at or before `now`. A slot equal to
 *   `now` counts: node-cron started at that second would wait for the following slot.
 * - However many slots were missed (a week of 15-minute backups), the job appears once, with the
 *   first missed slot as `missedAt`.
 * - A job that never ran (`lastRun` absent) is measured from `lastSeenAlive` (the agent's last
 *   heartbeat before the downtime): a slot that fell while the machine was off is owed even to a job
 *   that had not had its first run yet. With neither, it is a first start and nothing is owed: the job
 *   waits for its first slot, so a heavy deep verify never runs the moment Lifeboat is installed.
 * - `lastSeenAlive` matters only for jobs without `lastRun`; it never hides a slot after `lastRun`
 *   (a slot missed while the agent was up but not scheduling, e.g. asleep between heartbeats, is owed).
 * - A `lastRun` after `now` (a clock set back) owes nothing until the clock passes its next slot.
 * - Output keeps the order of `jobs`, so the caller decides priority (defaultJobs lists backup first).
 * - Throws an Error naming the job for an invalid cron expression, time zone or `lastRun`, and for
 *   duplicate ids; never mutates its input.
 */
export function dueAfterDowntime(jobs: readonly ScheduledJob[], now: Date, lastSeenAlive?: Date): MissedJob[] {
  checkDate(now, 'now');
  if (lastSeenAlive !== undefined) checkDate(lastSeenAlive, 'lastSeenAlive');
  const ids = new Set<string>();
  const due: MissedJob[] = [];
  for (const job of jobs) {
    if (ids.has(job.id)) throw new Error(`Duplicate scheduled job id ${JSON.stringify(job.id)}`);
    ids.add(job.id);
    const since = job.lastRun === undefined ? lastSeenAlive : parseRunTime(job);
    if (since === undefined) continue;
    let first: Date | undefined;
    try {
      first = nextRuns(job.cron, job.tz, since, 1)[0];
    } catch (err) {
      throw new Error(`Scheduled job ${JSON.stringify(job.id)}: ${(err as Error).message}`);
    }
    if (first && first.getTime() <= now.getTime()) due.push({ id: job.id, missedAt: first });
  }
  return due;
}

/**
 * The default schedule, in `tz` (default: the process's zone), in priority order.
 * Nightly jobs sit between 03:30 and 05:00 local time: after the hours that DST changes skip or
 * repeat in Europe (02:00-03:00) and North America (01:00-03:00), and before an office opens.
 * Returns fresh objects each call.
 */
export function defaultJobs(tz: string = new Intl.DateTimeFormat().resolvedOptions().timeZone): DefaultJob[] {
  return [
    { id: 'backup', cron: '*/15 * * * *', tz, description: 'Back up every source that changed, every 15 minutes' },
    { id: 'quick-verify', cron: '0 4 * * *', tz, description: 'Quick check of the repository, daily at 04:00' },
    { id: 'restore-drill', cron: '30 4 * * 3', tz, description: 'Restore the latest snapshot of each source to a temporary file and check it, Wednesdays at 04:30' },
    { id: 'prune', cron: '30 3 * * *', tz, description: 'Forget snapshots the retention policy no longer keeps, daily at 03:30' },
    { id: 'deep-verify', cron: '30 4 * * 0', tz, description: 'Read back and check every chunk, Sundays at 04:30' },
  ];
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function parseRunTime(job: ScheduledJob): Date {
  const ms = typeof job.lastRun === 'string' && ISO_WITH_ZONE.test(job.lastRun) ? Date.parse(job.lastRun) : NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`Scheduled job ${JSON.stringify(job.id)} has an invalid lastRun ${JSON.stringify(job.lastRun)}: expected an ISO 8601 time with a zone`);
  }
  return new Date(ms);
}

function checkDate(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new Error(`${name} must be a valid Date`);
}
