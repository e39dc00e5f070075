import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueAfterDowntime, defaultJobs, type ScheduledJob } from '../../src-main/core/schedule/schedule-plan.ts';
import { cronSchedule } from '../../src-main/core/schedule/cron-schedule.ts';

/** The default jobs in Berlin with the given last runs (ISO, UTC); a job without one never ran. */
function berlinJobs(lastRuns: Partial<Record<string, string>>): ScheduledJob[] {
  return defaultJobs('Europe/Berlin').map(({ id, cron, tz }) => (lastRuns[id] ? { id, cron, tz, lastRun: lastRuns[id] } : { id, cron, tz }));
}

// Friday 2026-11-20, Berlin is UTC+1. Each default job ran at its most recent slot before 14:50Z.
const UP_TO_DATE = {
  backup: '2026-11-20T14:45:00Z', // 15:45 local
  'quick-verify': '2026-11-20T03:00:00Z', // 04:00
  'restore-drill': '2026-11-18T03:30:00Z', // Wednesday 04:30
  prune: '2026-11-20T02:30:00Z', // 03:30
  'deep-verify': '2026-11-15T03:30:00Z', // Sunday 04:30
};

interface PlanCase {
  name: string;
  jobs: ScheduledJob[];
  now: string;
  lastSeenAlive?: string;
  due: Array<[string, string]>;
}

const cases: PlanCase[] = [
  {
    name: 'no downtime: nothing is due',
    jobs: berlinJobs(UP_TO_DATE),
    now: '2026-11-20T14:50:00Z',
    lastSeenAlive: '2026-11-20T14:49:00Z',
    due: [],
  },
  {
    name: 'no downtime, a little later: the backup slot has not come yet',
    jobs: berlinJobs(UP_TO_DATE),
    now: '2026-11-20T14:59:59.999Z',
    due: [],
  },
  {
    name: 'a slot exactly now is owed: node-cron started this second waits for the next one',
    jobs: berlinJobs(UP_TO_DATE),
    now: '2026-11-20T15:00:00Z',
    due: [['backup', '2026-11-20T15:00:00Z']],
  },
  {
    name: '3 hours off: the backup is due once, for its first missed slot',
    jobs: berlinJobs({ ...UP_TO_DATE, backup: '2026-11-20T11:45:00Z' }),
    now: '2026-11-20T14:52:00Z',
    lastSeenAlive: '2026-11-20T11:50:00Z',
    due: [['backup', '2026-11-20T12:00:00Z']],
  },
  {
    name: 'a week off: every job once, in the order given',
    jobs: berlinJobs(UP_TO_DATE),
    now: '2026-11-27T07:00:00Z',
    lastSeenAlive: '2026-11-20T14:50:00Z',
    due: [
      ['backup', '2026-11-20T15:00:00Z'],
      ['quick-verify', '2026-11-21T03:00:00Z'],
      ['restore-drill', '2026-11-25T03:30:00Z'],
      ['prune', '2026-11-21T02:30:00Z'],
      ['deep-verify', '2026-11-22T03:30:00Z'],
    ],
  },
  {
    name: 'a year off: still once each',
    jobs: berlinJobs(UP_TO_DATE),
    now: '2027-11-20T14:50:00Z',
    due: [
      ['backup', '2026-11-20T15:00:00Z'],
      ['quick-verify', '2026-11-21T03:00:00Z'],
      ['restore-drill', '2026-11-25T03:30:00Z'],
      ['prune', '2026-11-21T02:30:00Z'],
      ['deep-verify', '2026-11-22T03:30:00Z'],
    ],
  },
  {
    name: 'off over the weekend: the Sunday deep verify and the nightly jobs, not the Wednesday drill',
    jobs: berlinJobs({ ...UP_TO_DATE, backup: '2026-11-20T16:45:00Z' }),
    now: '2026-11-23T07:00:00Z',
    lastSeenAlive: '2026-11-20T16:50:00Z',
    due: [
      ['backup', '2026-11-20T17:00:00Z'],
      ['quick-verify', '2026-11-21T03:00:00Z'],
      ['prune', '2026-11-21T02:30:00Z'],
      ['deep-verify', '2026-11-22T03:30:00Z'],
    ],
  },
  {
    name: 'first start (no last run, never seen alive): nothing is due, deep verify included',
    jobs: berlinJobs({}),
    now: '2026-11-23T07:00:00Z',
    due: [],
  },
  {
    name: 'jobs that never ran are owed the slots that passed since the agent was last alive',
    jobs: berlinJobs({ backup: '2026-11-21T11:45:00Z' }),
    now: '2026-11-23T07:00:00Z',
    lastSeenAlive: '2026-11-21T12:00:00Z',
    due: [
      ['backup', '2026-11-21T12:00:00Z'],
      ['quick-verify', '2026-11-22T03:00:00Z'],
      ['prune', '2026-11-22T02:30:00Z'],
      ['deep-verify', '2026-11-22T03:30:00Z'],
    ],
  },
  {
    name: 'lastSeenAlive never hides a slot after lastRun',
    jobs: berlinJobs({ ...UP_TO_DATE, backup: '2026-11-20T13:45:00Z' }),
    now: '2026-11-20T14:50:00Z',
    lastSeenAlive: '2026-11-20T14:49:00Z',
    due: [['backup', '2026-11-20T14:00:00Z']],
  },
  {
    name: 'a last run in the future (clock set back) owes nothing',
    jobs: berlinJobs({ ...UP_TO_DATE, backup: '2026-11-20T18:00:00Z' }),
    now: '2026-11-20T14:50:00Z',
    due: [],
  },
  // Europe/Berlin springs forward 2026-03-29 02:00 CET (01:00Z) -> 03:00 CEST.
  {
    name: 'DST spring-forward: a 15-minute backup over the gap is due at 03:00 CEST',
    jobs: [{ id: 'backup', cron: '*/15 * * * *', tz: 'Europe/Berlin', lastRun: '2026-03-29T00:45:00Z' }], // 01:45 CET
    now: '2026-03-29T01:05:00Z', // 03:05 CEST
    due: [['backup', '2026-03-29T01:00:00Z']],
  },
  {
    name: 'DST spring-forward: a 02:30 job is not due before 03:30 CEST, when it runs that day',
    jobs: [{ id: 'nightly', cron: '30 2 * * *', tz: 'Europe/Berlin', lastRun: '2026-03-28T01:30:00Z' }],
    now: '2026-03-29T01:15:00Z', // 03:15 CEST
    due: [],
  },
  {
    name: 'DST spring-forward: a 02:30 job is due after 03:30 CEST',
    jobs: [{ id: 'nightly', cron: '30 2 * * *', tz: 'Europe/Berlin', lastRun: '2026-03-28T01:30:00Z' }],
    now: '2026-03-29T01:45:00Z', // 03:45 CEST
    due: [['nightly', '2026-03-29T01:30:00Z']],
  },
  // Europe/Berlin falls back 2026-10-25 03:00 CEST (01:00Z) -> 02:00 CET.
  {
    name: 'DST fall-back: the wall clock went back from 02:45 to 02:10, yet a real slot passed',
    jobs: [{ id: 'backup', cron: '*/15 * * * *', tz: 'Europe/Berlin', lastRun: '2026-10-25T00:45:00Z' }], // 02:45 CEST
    now: '2026-10-25T01:10:00Z', // 02:10 CET
    due: [['backup', '2026-10-25T01:00:00Z']],
  },
  {
    name: 'DST fall-back: a 02:30 job that ran at the first 02:30 is not owed the second',
    jobs: [{ id: 'nightly', cron: '30 2 * * *', tz: 'Europe/Berlin', lastRun: '2026-10-25T00:30:00Z' }], // 02:30 CEST
    now: '2026-10-25T01:40:00Z', // 02:40 CET
    due: [],
  },
  {
    name: 'time zones: the same 04:00 job is due in Berlin and Tokyo but not yet in New York',
    jobs: ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'].map((tz) => ({ id: tz, cron: '0 4 * * *', tz, lastRun: '2026-11-19T10:00:00Z' })),
    now: '2026-11-20T05:30:00Z',
    due: [
      ['Europe/Berlin', '2026-11-20T03:00:00Z'],
      ['Asia/Tokyo', '2026-11-19T19:00:00Z'],
    ],
  },
  {
    name: 'a last run with an offset is the same instant',
    jobs: [{ id: 'backup', cron: '*/15 * * * *', tz: 'UTC', lastRun: '2026-11-20T15:45:00+01:00' }],
    now: '2026-11-20T14:59:00Z',
    due: [],
  },
];

for (const c of cases) {
  test(`dueAfterDowntime: ${c.name}`, () => {
    const input = structuredClone(c.jobs);
    const due = dueAfterDowntime(input, new Date(c.now), c.lastSeenAlive === undefined ? undefined : new Date(c.lastSeenAlive));
    assert.deepEqual(due, c.due.map(([id, missedAt]) => ({ id, missedAt: new Date(missedAt) })));
    assert.deepEqual(input, c.jobs, 'input is not mutated');
  });
}

test('dueAfterDowntime: no jobs, nothing due', () => {
  assert.deepEqual(dueAfterDowntime([], new Date('2026-11-20T14:50:00Z'), new Date('2026-11-10T00:00:00Z')), []);
});

const errors: Array<[string, ScheduledJob[], RegExp]> = [
  ['a bad cron expression', [{ id: 'x', cron: '61 * * * *', tz: 'UTC', lastRun: '2026-11-20T00:00:00Z' }], /^Scheduled job "x": Invalid schedule "61 \* \* \* \*": minute field: 61 is out of range 0-59$/],
  ['an unknown time zone', [{ id: 'x', cron: '* * * * *', tz: 'Mars/Olympus', lastRun: '2026-11-20T00:00:00Z' }], /^Scheduled job "x": Invalid schedule time zone: time zone "Mars\/Olympus" is not known/],
  ['a last run without a zone', [{ id: 'x', cron: '* * * * *', tz: 'UTC', lastRun: '2026-11-20T00:00:00' }], /^Scheduled job "x" has an invalid lastRun "2026-11-20T00:00:00"/],
  ['a last run that is not a time', [{ id: 'x', cron: '* * * * *', tz: 'UTC', lastRun: 'yesterday' }], /^Scheduled job "x" has an invalid lastRun "yesterday"/],
  ['duplicate ids', [{ id: 'x', cron: '* * * * *', tz: 'UTC' }, { id: 'x', cron: '0 * * * *', tz: 'UTC' }], /^Duplicate scheduled job id "x"$/],
];

for (const [name, jobs, message] of errors) {
  test(`dueAfterDowntime throws on ${name}`, () => {
    assert.throws(() => dueAfterDowntime(jobs, new Date('2026-11-20T14:50:00Z')), { message });
  });
}

test('dueAfterDowntime throws on an invalid clock', () => {
  assert.throws(() => dueAfterDowntime([], new Date('nope')), /^Error: now must be a valid Date$/);
  assert.throws(() => dueAfterDowntime([], new Date(), new Date('nope')), /^Error: lastSeenAlive must be a valid Date$/);
});

test('defaultJobs: the default schedule, valid, in priority order', () => {
  const jobs = defaultJobs('Europe/Berlin');
  assert.deepEqual(
    jobs.map(({ id, cron, tz }) => ({ id, cron, tz })),
    [
      { id: 'backup', cron: '*/15 * * * *', tz: 'Europe/Berlin' },
      { id: 'quick-verify', cron: '0 4 * * *', tz: 'Europe/Berlin' },
      { id: 'restore-drill', cron: '30 4 * * 3', tz: 'Europe/Berlin' },
      { id: 'prune', cron: '30 3 * * *', tz: 'Europe/Berlin' },
      { id: 'deep-verify', cron: '30 4 * * 0', tz: 'Europe/Berlin' },
    ],
  );
  const human = jobs.map((job) => {
    const result = cronSchedule(job.cron, job.tz, new Date('2026-11-20T14:50:00Z'));
    assert.ok(result.ok, job.id);
    assert.equal(result.expression, job.cron, 'stored already normalised');
    assert.ok(job.description.length > 0);
    return result.human;
  });
  assert.deepEqual(human, ['Every 15 minutes', 'At 04:00', 'At 04:30, only on Wednesday', 'At 03:30', 'At 04:30, only on Sunday']);
});

test('defaultJobs: the process zone by default, fresh objects each call', () => {
  const processZone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const a = defaultJobs();
  assert.ok(a.every((job) => job.tz === processZone));
  a[0]!.cron = 'changed';
  assert.equal(defaultJobs()[0]!.cron, '*/15 * * * *');
});

test('defaultJobs: nightly jobs avoid the hours DST changes skip or repeat', () => {
  for (const tz of ['Europe/Berlin', 'America/New_York', 'Europe/London']) {
    for (const job of defaultJobs(tz).filter((j) => j.id !== 'backup')) {
      const hour = Number(job.cron.split(' ')[1]);
      assert.ok(hour >= 3 && hour < 5, `${job.id} at ${hour}h`);
    }
  }
});
