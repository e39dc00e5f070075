import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyPolicy,
  validatePolicy,
  DEFAULT_RETENTION,
  type RetentionPolicy,
  type SnapshotForRetention,
} from '../../src-main/core/retention/retention-policy.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Minute-precision ISO time, also used as the snapshot id so expectations read as times. */
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

function snap(id: string, time: string = id, extra: Partial<SnapshotForRetention> = {}): SnapshotForRetention {
  return { id, source: 'db', time, ...extra };
}

/** Snapshots of source `db` every `stepMinutes` from `from` to `to` inclusive, id = time. */
function series(from: string, to: string, stepMinutes: number): SnapshotForRetention[] {
  const out: SnapshotForRetention[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * MINUTE) out.push(snap(iso(t)));
  return out;
}

/** Ids from `from` down to `to` every `stepMinutes` (newest first), for long golden keep lists. */
function idsDown(from: string, to: string, stepMinutes: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t >= Date.parse(to); t -= stepMinutes * MINUTE) out.push(iso(t));
  return out;
}

interface Case {
  name: string;
  snapshots: SnapshotForRetention[];
  policy: RetentionPolicy;
  timeZone: string;
  /** Exactly the kept ids, newest first. */
  keep: string[];
  /** Exact reasons for some ids (kept or removed). */
  reasons?: Record<string, string[]>;
}

const cases: Case[] = [
  {
    name: 'last-N only',
    snapshots: series('2026-11-20T10:00Z', '2026-11-20T14:00Z', 60),
    policy: { last: 3 },
    timeZone: 'UTC',
    keep: ['2026-11-20T14:00Z', '2026-11-20T13:00Z', '2026-11-20T12:00Z'],
    reasons: {
      '2026-11-20T14:00Z': ['newest snapshot', 'last 1/3'],
      '2026-11-20T13:00Z': ['last 2/3'],
      '2026-11-20T12:00Z': ['last 3/3'],
      '2026-11-20T11:00Z': ['not selected by any rule'],
    },
  },
  {
    name: '15-minute buckets with last: newest of each quarter hour',
    snapshots: series('2026-11-20T12:00Z', '2026-11-20T14:55Z', 5),
    policy: { quarterHourly: 4, last: 2 },
    timeZone: 'UTC',
    keep: ['2026-11-20T14:55Z', '2026-11-20T14:50Z', '2026-11-20T14:40Z', '2026-11-20T14:25Z', '2026-11-20T14:10Z'],
    reasons: {
      '2026-11-20T14:55Z': ['newest snapshot', 'last 1/2', '15-minute 2026-11-20 14:45'],
      '2026-11-20T14:50Z': ['last 2/2'],
      '2026-11-20T14:25Z': ['15-minute 2026-11-20 14:15'],
      '2026-11-20T14:10Z': ['15-minute 2026-11-20 14:00'],
    },
  },
  {
    name: 'hourly across a day keeps the :45 snapshot of each hour',
    snapshots: series('2026-11-19T18:00Z', '2026-11-20T23:45Z', 15),
    policy: { hourly: 24 },
    timeZone: 'UTC',
    keep: idsDown('2026-11-20T23:45Z', '2026-11-20T00:45Z', 60),
    reasons: {
      '2026-11-20T23:45Z': ['newest snapshot', 'hourly 2026-11-20 23:00'],
      '2026-11-20T14:45Z': ['hourly 2026-11-20 14:00'],
      '2026-11-20T00:45Z': ['hourly 2026-11-20 00:00'],
      '2026-11-20T00:30Z': ['not selected by any rule'],
    },
  },
  {
    name: 'daily with a week-long gap: buckets are counted, so they reach further back',
    snapshots: [
      ...Array.from({ length: 10 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
      '2026-11-18', '2026-11-19', '2026-11-20',
    ].flatMap((day) => [snap(`${day}T09:00Z`), snap(`${day}T17:00Z`)]),
    policy: { daily: 7 },
    timeZone: 'UTC',
    keep: ['2026-11-20T17:00Z', '2026-11-19T17:00Z', '2026-11-18T17:00Z', '2026-11-10T17:00Z', '2026-11-09T17:00Z', '2026-11-08T17:00Z', '2026-11-07T17:00Z'],
    reasons: {
      '2026-11-10T17:00Z': ['daily 2026-11-10'],
      '2026-11-07T17:00Z': ['daily 2026-11-07'],
      '2026-11-06T17:00Z': ['not selected by any rule'],
    },
  },
  {
    name: 'weekly across a year boundary: 2027-01-01..03 belong to ISO week 2026-W53',
    snapshots: series('2026-12-20T12:00Z', '2027-01-10T12:00Z', 24 * 60),
    policy: { weekly: 3, yearly: 2 },
    timeZone: 'UTC',
    keep: ['2027-01-10T12:00Z', '2027-01-03T12:00Z', '2026-12-31T12:00Z', '2026-12-27T12:00Z'],
    reasons: {
      '2027-01-10T12:00Z': ['newest snapshot', 'weekly 2027-W01', 'yearly 2027'],
      '2027-01-03T12:00Z': ['weekly 2026-W53'],
      '2026-12-31T12:00Z': ['yearly 2026'],
      '2026-12-27T12:00Z': ['weekly 2026-W52'],
    },
  },
  {
    name: 'weekly: 2025-12-29..31 already belong to ISO week 2026-W01',
    snapshots: series('2025-12-20T12:00Z', '2025-12-31T12:00Z', 24 * 60),
    policy: { weekly: 2 },
    timeZone: 'UTC',
    keep: ['2025-12-31T12:00Z', '2025-12-28T12:00Z'],
    reasons: { '2025-12-31T12:00Z': ['newest snapshot', 'weekly 2026-W01'], '2025-12-28T12:00Z': ['weekly 2025-W52'] },
  },
  {
    name: 'daily buckets in UTC',
    snapshots: ['2026-11-20T23:30Z', '2026-11-20T20:00Z', '2026-11-19T23:30Z', '2026-11-18T20:00Z'].map((t) => snap(t)),
    policy: { daily: 2 },
    timeZone: 'UTC',
    keep: ['2026-11-20T23:30Z', '2026-11-19T23:30Z'],
    reasons: { '2026-11-20T23:30Z': ['newest snapshot', 'daily 2026-11-20'], '2026-11-19T23:30Z': ['daily 2026-11-19'] },
  },
  {
    name: 'same snapshots in Europe/Berlin: 23:30 UTC is already the next day',
    snapshots: ['2026-11-20T23:30Z', '2026-11-20T20:00Z', '2026-11-19T23:30Z', '2026-11-18T20:00Z'].map((t) => snap(t)),
    policy: { daily: 2 },
    timeZone: 'Europe/Berlin',
    keep: ['2026-11-20T23:30Z', '2026-11-20T20:00Z'],
    reasons: { '2026-11-20T23:30Z': ['newest snapshot', 'daily 2026-11-21'], '2026-11-20T20:00Z': ['daily 2026-11-20'] },
  },
  {
    // 2026-10-25 03:00 CEST -> 02:00 CET: the local day has 25 hours and 02:00-03:00 happens twice.
    name: 'DST fall-back in Europe/Berlin: the repeated hour is two hourly buckets',
    snapshots: series('2026-10-24T12:00Z', '2026-10-25T22:30Z', 30),
    policy: { hourly: 25 },
    timeZone: 'Europe/Berlin',
    keep: idsDown('2026-10-25T22:30Z', '2026-10-24T22:30Z', 60),
    reasons: {
      '2026-10-25T22:30Z': ['newest snapshot', 'hourly 2026-10-25 23:00'],
      '2026-10-25T02:30Z': ['hourly 2026-10-25 03:00'],
      '2026-10-25T01:30Z': ['hourly 2026-10-25 02:00 (UTC+01:00)'],
      '2026-10-25T00:30Z': ['hourly 2026-10-25 02:00 (UTC+02:00)'],
      '2026-10-24T23:30Z': ['hourly 2026-10-25 01:00'],
      '2026-10-24T22:30Z': ['hourly 2026-10-25 00:00'],
      '2026-10-24T21:30Z': ['not selected by any rule'],
    },
  },
  {
    // 2026-03-29 02:00 CET -> 03:00 CEST: the local day has 23 hours and no 02:00.
    name: 'DST spring-forward in Europe/Berlin: 23 hourly buckets in the day, one daily bucket',
    snapshots: series('2026-03-28T12:00Z', '2026-03-29T21:30Z', 30),
    policy: { hourly: 23, daily: 2 },
    timeZone: 'Europe/Berlin',
    keep: [...idsDown('2026-03-29T21:30Z', '2026-03-28T23:30Z', 60), '2026-03-28T22:30Z'],
    reasons: {
      '2026-03-29T21:30Z': ['newest snapshot', 'hourly 2026-03-29 23:00', 'daily 2026-03-29'],
      '2026-03-29T01:30Z': ['hourly 2026-03-29 03:00'],
      '2026-03-29T00:30Z': ['hourly 2026-03-29 01:00'],
      '2026-03-28T23:30Z': ['hourly 2026-03-29 00:00'],
      '2026-03-28T22:30Z': ['daily 2026-03-28'],
    },
  },
  {
    name: 'two sources are kept independently',
    snapshots: [
      ...['10', '11', '12', '13', '14'].map((h) => ({ id: `a${h}`, source: 'accounts.db', time: `2026-11-20T${h}:00Z` })),
      ...['10', '11', '12'].map((h) => ({ id: `b${h}`, source: 'Documents', time: `2026-11-20T${h}:30Z` })),
    ],
    policy: { last: 2 },
    timeZone: 'UTC',
    keep: ['a14', 'a13', 'b12', 'b11'],
    reasons: { a14: ['newest snapshot', 'last 1/2'], b12: ['newest snapshot', 'last 1/2'], b11: ['last 2/2'], a12: ['not selected by any rule'] },
  },
  {
    name: 'the newest verified snapshot is kept even when the rules drop it',
    snapshots: ['s1', 's2', 's3', 's4', 's5'].map((id, i) => snap(id, `2026-11-20T1${i}:00Z`, { verified: id === 's2' })),
    policy: { last: 2 },
    timeZone: 'UTC',
    keep: ['s5', 's4', 's2'],
    reasons: { s5: ['last 1/2'], s4: ['last 2/2'], s2: ['newest verified snapshot'], s1: ['not selected by any rule'] },
  },
  {
    name: 'a verified newest snapshot gets both reasons',
    snapshots: ['s1', 's2', 's3'].map((id, i) => snap(id, `2026-11-20T1${i}:00Z`, { verified: true })),
    policy: { last: 1 },
    timeZone: 'UTC',
    keep: ['s3'],
    reasons: { s3: ['newest verified snapshot', 'last 1/1'], s2: ['not selected by any rule'] },
  },
  {
    name: 'a damaged newest snapshot is removed and does not use up "last"',
    snapshots: ['s1', 's2', 's3', 's4'].map((id, i) => snap(id, `2026-11-20T1${i}:00Z`, { damaged: id === 's4' })),
    policy: { last: 1 },
    timeZone: 'UTC',
    keep: ['s3'],
    reasons: { s4: ['damaged'], s3: ['newest snapshot', 'last 1/1'], s2: ['not selected by any rule'] },
  },
  {
    name: 'a damaged snapshot does not fill its daily bucket',
    snapshots: [
      snap('d1', '2026-11-18T09:00Z'),
      snap('d2', '2026-11-19T09:00Z'),
      snap('d3am', '2026-11-20T09:00Z'),
      snap('d3pm', '2026-11-20T15:00Z', { damaged: true }),
    ],
    policy: { daily: 2 },
    timeZone: 'UTC',
    keep: ['d3am', 'd2'],
    reasons: { d3pm: ['damaged'], d3am: ['newest snapshot', 'daily 2026-11-20'], d2: ['daily 2026-11-19'], d1: ['not selected by any rule'] },
  },
  {
    name: 'damaged wins over verified: the newest verified undamaged snapshot is the safety copy',
    snapshots: [
      snap('s1', '2026-11-20T10:00Z'),
      snap('s2', '2026-11-20T11:00Z', { verified: true }),
      snap('s3', '2026-11-20T12:00Z', { verified: true, damaged: true }),
      snap('s4', '2026-11-20T13:00Z'),
    ],
    policy: { last: 1 },
    timeZone: 'UTC',
    keep: ['s4', 's2'],
    reasons: { s4: ['last 1/1'], s3: ['damaged'], s2: ['newest verified snapshot'], s1: ['not selected by any rule'] },
  },
  {
    name: 'a source with only damaged snapshots keeps them all',
    snapshots: [snap('x1', '2026-11-20T10:00Z', { damaged: true }), snap('x2', '2026-11-20T11:00Z', { damaged: true })],
    policy: { last: 1 },
    timeZone: 'UTC',
    keep: ['x2', 'x1'],
    reasons: {
      x2: ['damaged, but kept: this source has no undamaged snapshot'],
      x1: ['damaged, but kept: this source has no undamaged snapshot'],
    },
  },
  {
    name: 'empty policy keeps everything, damaged included',
    snapshots: [snap('s1', '2026-11-20T10:00Z'), snap('s2', '2026-11-20T11:00Z', { damaged: true }), snap('s3', '2026-11-20T12:00Z')],
    policy: {},
    timeZone: 'UTC',
    keep: ['s3', 's2', 's1'],
    reasons: { s3: ['no policy: keep all'], s2: ['no policy: keep all'], s1: ['no policy: keep all'] },
  },
  {
    name: 'all-zero policy is an empty policy',
    snapshots: series('2026-11-20T10:00Z', '2026-11-20T12:00Z', 60),
    policy: { last: 0, daily: 0, yearly: 0 },
    timeZone: 'UTC',
    keep: ['2026-11-20T12:00Z', '2026-11-20T11:00Z', '2026-11-20T10:00Z'],
  },
  {
    name: 'like restic, a rule with unused count also keeps the oldest snapshot',
    snapshots: series('2026-11-19T00:00Z', '2026-11-20T18:00Z', 6 * 60),
    policy: { daily: 5 },
    timeZone: 'UTC',
    keep: ['2026-11-20T18:00Z', '2026-11-19T18:00Z', '2026-11-19T00:00Z'],
    reasons: {
      '2026-11-19T18:00Z': ['daily 2026-11-19'],
      '2026-11-19T00:00Z': ['daily 2026-11-19 (oldest snapshot, 3 unused daily slots)'],
      '2026-11-19T06:00Z': ['not selected by any rule'],
    },
  },
  {
    name: 'equal times: the smaller id counts as newer',
    snapshots: [snap('b', '2026-11-20T10:00Z'), snap('a', '2026-11-20T11:00+01:00')],
    policy: { last: 1 },
    timeZone: 'UTC',
    keep: ['a'],
    reasons: { a: ['newest snapshot', 'last 1/1'], b: ['not selected by any rule'] },
  },
];

for (const c of cases) {
  test(`applyPolicy: ${c.name}`, () => {
    const input = [...c.snapshots];
    const decision = applyPolicy(input, c.policy, { timeZone: c.timeZone });

    assert.deepEqual(decision.keep.map((s) => s.id), c.keep);
    const newestFirst = [...c.snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || a.id.localeCompare(b.id));
    assert.deepEqual(decision.remove.map((s) => s.id), newestFirst.filter((s) => !c.keep.includes(s.id)).map((s) => s.id));
    assert.deepEqual(Object.keys(decision.reasons).sort(), c.snapshots.map((s) => s.id).sort(), 'every snapshot has reasons');
    for (const s of decision.keep) assert.ok(decision.reasons[s.id]!.length > 0, `kept ${s.id} has a reason`);
    for (const [id, expected] of Object.entries(c.reasons ?? {})) assert.deepEqual(decision.reasons[id], expected, `reasons of ${id}`);
    assert.deepEqual(input, c.snapshots, 'input is not reordered or mutated');
  });
}

test('applyPolicy: DEFAULT_RETENTION over 400 days of 15-minute snapshots', () => {
  // Newest 2026-11-20T11:45Z (a Friday, ISO week 2026-W47), oldest 2025-10-16T12:00Z, one every 15 minutes.
  // Distinct kept, newest first, each rule counting only what earlier rules did not already keep:
  //   15-minute 96: the last 24 h (2026-11-19 12:00 .. 2026-11-20 11:45); includes last 3.
  //   hourly 168: the :45 of each hour back to 2026-11-13 12:45; 24 overlap the 15-minute ones -> +144.
  //   daily 30: 23:45 of 2026-10-22 .. 11-19 plus today; today and 11-13 .. 11-19 are already hourly -> +22.
  //   weekly 13: today plus the Sundays 11-15 .. 08-30 at 23:45; 11-15, 11-08, 11-01, 10-25 are daily -> +8.
  //   monthly 12: today plus month ends 2026-10-31 .. 2025-12-31; 10-31 is daily -> +10.
  //   yearly 3: today and 2025-12-31 are kept already; the third slot is unused, so the oldest is kept -> +1.
  // 96 + 144 + 22 + 8 + 10 + 1 = 281. The local grid is still 15-minute aligned in Berlin and its DST
  // change (2026-10-25) is outside the hourly window, so the same reasoning gives 281 there too.
  const newest = Date.parse('2026-11-20T11:45Z');
  const snapshots: SnapshotForRetention[] = [];
  for (let i = 0; i < 400 * 96; i += 1) snapshots.push(snap(iso(newest - i * 15 * MINUTE)));

  for (const timeZone of ['UTC', 'Europe/Berlin']) {
    const decision = applyPolicy(snapshots, DEFAULT_RETENTION, { timeZone });
    assert.equal(decision.keep.length, 281, timeZone);
    assert.equal(decision.remove.length, 400 * 96 - 281, timeZone);

    const countRule = (prefix: string): number => decision.keep.filter((s) => decision.reasons[s.id]!.some((r) => r.startsWith(prefix))).length;
    assert.deepEqual(
      ['last ', '15-minute ', 'hourly ', 'daily ', 'weekly ', 'monthly ', 'yearly '].map(countRule),
      [3, 96, 168, 30, 13, 12, 3],
      timeZone,
    );

    const oldest = decision.keep.at(-1)!;
    assert.equal(oldest.id, '2025-10-16T12:00Z', timeZone);
    assert.deepEqual(decision.reasons[oldest.id], ['yearly 2025 (oldest snapshot, 1 unused yearly slot)'], timeZone);
    const ageDays = (newest - Date.parse(oldest.time)) / DAY;
    assert.ok(ageDays > 365 && ageDays < 3 * 366, `oldest kept is ${ageDays} days old`);
    assert.deepEqual(decision.reasons['2025-12-31T23:45Z'], timeZone === 'UTC' ? ['monthly 2025-12', 'yearly 2025'] : ['not selected by any rule']);
    assert.deepEqual(decision.reasons['2025-12-31T22:45Z'], timeZone === 'UTC' ? ['not selected by any rule'] : ['monthly 2025-12', 'yearly 2025']);
  }
});

test('applyPolicy: without a time zone, buckets use the process zone', () => {
  const snapshots = series('2026-11-18T00:00Z', '2026-11-20T23:00Z', 60);
  const processZone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  assert.deepEqual(applyPolicy(snapshots, { daily: 2 }), applyPolicy(snapshots, { daily: 2 }, { timeZone: processZone }));
});

test('applyPolicy: no snapshots, no decisions', () => {
  assert.deepEqual(applyPolicy([], DEFAULT_RETENTION, { timeZone: 'UTC' }), { keep: [], remove: [], reasons: {} });
});

test('applyPolicy: invalid input throws', () => {
  const badTimes = ['yesterday', '2026-11-20', '2026-11-20T10:00:00', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-20T24:00Z', '2026-11-20T10:00Z '];
  for (const time of badTimes) {
    assert.throws(() => applyPolicy([snap('s1', time)], { last: 1 }, { timeZone: 'UTC' }), /Snapshot "s1" has an invalid time/, time);
  }
  // Empty policies keep everything, but a bad time is still a bug worth surfacing.
  assert.throws(() => applyPolicy([snap('s1', 'soon')], {}, { timeZone: 'UTC' }), /invalid time "soon"/);
  assert.throws(() => applyPolicy([snap('s1', '2026-11-20T10:00Z'), snap('s1', '2026-11-20T11:00Z')], { last: 1 }), /Duplicate snapshot id "s1"/);
  assert.throws(() => applyPolicy([snap('s1', '2026-11-20T10:00Z')], { last: 1 }, { timeZone: 'Mars/Olympus' }), /Unknown time zone "Mars\/Olympus"/);
  assert.throws(() => applyPolicy([], { daily: -1 }), /"daily" must be a non-negative integer/);
});

test('applyPolicy: accepted time formats', () => {
  const times = ['2026-11-20T10:00:00.123456Z', '2026-11-20T11:00:00+01:00', '2026-11-20T05:00-0500', '2026-11-20 10:00:00z'];
  const decision = applyPolicy(times.map((time, i) => snap(`s${i}`, time)), { hourly: 1 }, { timeZone: 'UTC' });
  assert.deepEqual(decision.keep.map((s) => s.id), ['s0']);
  assert.deepEqual(decision.reasons.s0, ['newest snapshot', 'hourly 2026-11-20 10:00']);
});

const policyErrors: Array<[string, unknown, RegExp]> = [
  ['null', null, /expected an object, got null/],
  ['array', [1], /expected an object, got an array/],
  ['string', 'daily', /expected an object, got "daily"/],
  ['Map', new Map([['daily', 1]]), /expected a plain object/],
  ['negative', { daily: -1 }, /field "daily" must be a non-negative integer, got -1/],
  ['fraction', { hourly: 1.5 }, /field "hourly" must be a non-negative integer, got 1.5/],
  ['numeric string', { weekly: '3' }, /field "weekly" must be a non-negative integer, got "3"/],
  ['NaN', { monthly: NaN }, /field "monthly" must be a non-negative integer, got NaN/],
  ['Infinity', { yearly: Infinity }, /field "yearly" must be a non-negative integer, got Infinity/],
  ['null value', { last: null }, /field "last" must be a non-negative integer, got null/],
  ['unknown key', { daily: 7, dayly: 3 }, /unknown field "dayly" \(known fields: last, quarterHourly, hourly, daily, weekly, monthly, yearly\)/],
];

for (const [name, input, message] of policyErrors) {
  test(`validatePolicy rejects ${name}`, () => {
    assert.throws(() => validatePolicy(input), (err: unknown) => err instanceof Error && message.test(err.message) && err.message.startsWith('Invalid retention policy:'));
  });
}

test('validatePolicy returns a clean copy of a valid policy', () => {
  assert.deepEqual(validatePolicy({}), {});
  assert.deepEqual(validatePolicy({ daily: 7, hourly: undefined, last: 0 }), { daily: 7, last: 0 });
  assert.deepEqual(validatePolicy(JSON.parse('{"quarterHourly": 96, "weekly": 13}')), { quarterHourly: 96, weekly: 13 });
  const copy = validatePolicy(DEFAULT_RETENTION);
  assert.notEqual(copy, DEFAULT_RETENTION);
  assert.deepEqual(copy, { last: 3, quarterHourly: 96, hourly: 168, daily: 30, weekly: 13, monthly: 12, yearly: 3 });
  assert.ok(Object.isFrozen(DEFAULT_RETENTION));
});
