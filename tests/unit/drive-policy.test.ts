import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  snapshotsForDrive,
  pruneOnDrive,
  DEFAULT_DRIVE_POLICY,
  REASON_LATEST_OF_SOURCE,
  REASON_NEWEST_ON_DRIVE,
  REASON_DAMAGED_NOT_COPIED,
  type DrivePolicy,
  type SnapshotForDrive,
} from '../../src-main/core/drives/drive-policy.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Minute-precision ISO time, used as the id too so expectations read as times. */
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

function snap(id: string, extra: Partial<SnapshotForDrive> = {}): SnapshotForDrive {
  return { id, source: 'db', time: id, ...extra };
}

/** One snapshot a day at 12:00 UTC for `days` days ending on `last` (newest first), all of source `source`. */
function dailies(last: string, days: number, extra: Partial<SnapshotForDrive> = {}): SnapshotForDrive[] {
  const out: SnapshotForDrive[] = [];
  for (let i = 0; i < days; i++) out.push(snap(iso(Date.parse(last) - i * DAY), extra));
  return out;
}

interface Case {
  name: string;
  snapshots: SnapshotForDrive[];
  policy?: DrivePolicy;
  copy: string[];
  keep: string[];
  drop: string[];
  /** pruneOnDrive's remove list (its keep is everything on the drive not removed). */
  remove: string[];
  reasons?: Record<string, string[]>;
}

const cases: Case[] = [
  {
    name: 'empty drive, one snapshot: copy it',
    snapshots: [snap('2026-11-20T10:00Z')],
    copy: ['2026-11-20T10:00Z'],
    keep: [],
    drop: [],
    remove: [],
    reasons: { '2026-11-20T10:00Z': [REASON_LATEST_OF_SOURCE, 'newest snapshot', 'daily 2026-11-20', 'weekly 2026-W47', 'monthly 2026-11'] },
  },
  {
    name: 'several a day: the newest of each day goes to the drive (and, as in restic, the oldest while slots are unused)',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-20T12:00Z'), snap('2026-11-19T16:00Z'), snap('2026-11-19T12:00Z'), snap('2026-11-19T09:00Z')],
    copy: ['2026-11-20T16:00Z', '2026-11-19T16:00Z', '2026-11-19T09:00Z'],
    keep: [],
    drop: [],
    remove: [],
  },
  {
    name: 'the latest of every source is copied first',
    snapshots: [
      snap('2026-11-20T16:00Z'),
      snap('2026-11-19T16:00Z'),
      snap('2026-11-18T16:00Z'),
      snap('f-2026-11-20T09:00Z', { source: 'files', time: '2026-11-20T09:00Z' }),
      snap('f-2026-11-17T09:00Z', { source: 'files', time: '2026-11-17T09:00Z' }),
    ],
    copy: ['2026-11-20T16:00Z', 'f-2026-11-20T09:00Z', '2026-11-19T16:00Z', '2026-11-18T16:00Z', 'f-2026-11-17T09:00Z'],
    keep: [],
    drop: [],
    remove: [],
  },
  {
    name: 'what the drive already holds is kept, not copied again',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-19T16:00Z', { onDrive: true }), snap('2026-11-18T16:00Z', { onDrive: true })],
    copy: ['2026-11-20T16:00Z'],
    keep: ['2026-11-19T16:00Z', '2026-11-18T16:00Z'],
    drop: [],
    remove: [],
  },
  {
    name: 'default policy over 8 months of dailies: 7 days, 4 weeks, 6 months',
    snapshots: dailies('2026-11-20T12:00Z', 240),
    // 7 dailies (Nov 14-20); weeklies: W47 (Nov 20), W46 (Nov 15), W45 (Nov 8), W44 (Nov 1); monthlies Nov
    // (20th), Oct 31, Sep 30, Aug 31, Jul 31, Jun 30. Latest first, then newest first.
    copy: [
      '2026-11-20T12:00Z', '2026-11-19T12:00Z', '2026-11-18T12:00Z', '2026-11-17T12:00Z', '2026-11-16T12:00Z', '2026-11-15T12:00Z', '2026-11-14T12:00Z',
      '2026-11-08T12:00Z', '2026-11-01T12:00Z', '2026-10-31T12:00Z', '2026-09-30T12:00Z', '2026-08-31T12:00Z', '2026-07-31T12:00Z', '2026-06-30T12:00Z',
    ],
    keep: [],
    drop: [],
    remove: [],
  },
  {
    name: 'a drive that has been away a month: old dailies fall out, the drive keeps its newest until the new one lands',
    snapshots: [
      ...dailies('2026-11-20T12:00Z', 3),
      ...dailies('2026-10-20T12:00Z', 8, { onDrive: true, local: false }),
    ],
    policy: { daily: 7 },
    copy: ['2026-11-20T12:00Z', '2026-11-19T12:00Z', '2026-11-18T12:00Z'],
    keep: ['2026-10-20T12:00Z', '2026-10-19T12:00Z', '2026-10-18T12:00Z', '2026-10-17T12:00Z'],
    drop: ['2026-10-16T12:00Z', '2026-10-15T12:00Z', '2026-10-14T12:00Z', '2026-10-13T12:00Z'],
    remove: ['2026-10-16T12:00Z', '2026-10-15T12:00Z', '2026-10-14T12:00Z', '2026-10-13T12:00Z'],
  },
  {
    name: 'never prune the newest copy of a source on the drive, even when a newer local one fills its bucket',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-20T09:00Z', { onDrive: true }), snap('2026-11-10T09:00Z', { onDrive: true })],
    policy: { daily: 1 },
    copy: ['2026-11-20T16:00Z'],
    keep: [],
    drop: ['2026-11-20T09:00Z', '2026-11-10T09:00Z'],
    remove: ['2026-11-10T09:00Z'],
    reasons: {
      '2026-11-20T16:00Z': [REASON_LATEST_OF_SOURCE, 'newest snapshot', 'daily 2026-11-20'],
      '2026-11-20T09:00Z': [REASON_NEWEST_ON_DRIVE],
      '2026-11-10T09:00Z': ['not selected by any rule'],
    },
  },
  {
    name: 'once the new one has landed, the older copy of the same day goes',
    snapshots: [snap('2026-11-20T16:00Z', { onDrive: true }), snap('2026-11-20T09:00Z', { onDrive: true })],
    policy: { daily: 1 },
    copy: [],
    keep: ['2026-11-20T16:00Z'],
    drop: ['2026-11-20T09:00Z'],
    remove: ['2026-11-20T09:00Z'],
  },
  {
    name: 'the latest is copied even when an older snapshot is the newest verified one',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-20T09:00Z', { verified: true })],
    policy: { monthly: 1 },
    // applyPolicy's safety rule keeps the newest verified one; the drive adds the latest, which it must have.
    copy: ['2026-11-20T16:00Z', '2026-11-20T09:00Z'],
    keep: [],
    drop: [],
    remove: [],
    reasons: {
      '2026-11-20T16:00Z': [REASON_LATEST_OF_SOURCE, 'monthly 2026-11'],
      '2026-11-20T09:00Z': ['newest verified snapshot'],
    },
  },
  {
    name: 'damaged local snapshots are never copied; the latest undamaged one is',
    snapshots: [snap('2026-11-20T16:00Z', { damaged: true }), snap('2026-11-19T16:00Z')],
    copy: ['2026-11-19T16:00Z'],
    keep: [],
    drop: [],
    remove: [],
    reasons: {
      '2026-11-20T16:00Z': [REASON_DAMAGED_NOT_COPIED],
      '2026-11-19T16:00Z': [REASON_LATEST_OF_SOURCE, 'newest snapshot', 'daily 2026-11-19', 'weekly 2026-W47', 'monthly 2026-11'],
    },
  },
  {
    name: 'a source with only damaged snapshots: nothing to copy',
    snapshots: [snap('2026-11-20T16:00Z', { damaged: true })],
    copy: [],
    keep: [],
    drop: [],
    remove: [],
    reasons: { '2026-11-20T16:00Z': [REASON_DAMAGED_NOT_COPIED] },
  },
  {
    name: 'a damaged copy on the drive goes once the drive holds a good one of that source',
    snapshots: [snap('2026-11-20T16:00Z', { onDrive: true }), snap('2026-11-19T16:00Z', { onDrive: true, damaged: true })],
    copy: [],
    keep: ['2026-11-20T16:00Z'],
    drop: ['2026-11-19T16:00Z'],
    remove: ['2026-11-19T16:00Z'],
  },
  {
    name: 'a damaged copy that is the drive\'s only one of its source stays until a good one lands',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-19T16:00Z', { onDrive: true, damaged: true })],
    copy: ['2026-11-20T16:00Z'],
    keep: [],
    drop: ['2026-11-19T16:00Z'],
    remove: [],
  },
  {
    name: 'an empty policy copies everything',
    snapshots: [snap('2026-11-20T16:00Z'), snap('2026-11-20T15:00Z'), snap('2026-11-20T14:00Z', { onDrive: true })],
    policy: {},
    copy: ['2026-11-20T16:00Z', '2026-11-20T15:00Z'],
    keep: ['2026-11-20T14:00Z'],
    drop: [],
    remove: [],
  },
  {
    name: 'a source the office stopped backing up keeps its newest on the drive',
    snapshots: [
      snap('2026-11-20T16:00Z'),
      snap('old-2026-01-10T09:00Z', { source: 'retired', time: '2026-01-10T09:00Z', onDrive: true, local: false }),
      snap('old-2026-01-09T09:00Z', { source: 'retired', time: '2026-01-09T09:00Z', onDrive: true, local: false }),
    ],
    policy: { daily: 1 },
    copy: ['2026-11-20T16:00Z'],
    keep: ['old-2026-01-10T09:00Z'],
    drop: ['old-2026-01-09T09:00Z'],
    remove: ['old-2026-01-09T09:00Z'],
  },
  {
    name: 'nothing at all',
    snapshots: [],
    copy: [],
    keep: [],
    drop: [],
    remove: [],
  },
];

for (const c of cases) {
  test(`snapshotsForDrive / pruneOnDrive: ${c.name}`, () => {
    const input = structuredClone(c.snapshots);
    const sel = snapshotsForDrive(input, c.policy ?? DEFAULT_DRIVE_POLICY, { timeZone: 'UTC' });
    assert.deepEqual(sel.copy, c.copy, 'copy');
    assert.deepEqual(sel.keep, c.keep, 'keep');
    assert.deepEqual(sel.drop, c.drop, 'drop');
    const prune = pruneOnDrive(input, c.policy ?? DEFAULT_DRIVE_POLICY, { timeZone: 'UTC' });
    assert.deepEqual(prune.remove, c.remove, 'remove');
    const onDrive = c.snapshots.filter((s) => s.onDrive).map((s) => s.id);
    assert.deepEqual([...prune.keep, ...prune.remove].sort(), onDrive.sort(), 'every snapshot on the drive is kept or removed');
    for (const [id, why] of Object.entries(c.reasons ?? {})) assert.deepEqual(prune.reasons[id], why, `reasons of ${id}`);
    assert.deepEqual(Object.keys(sel.reasons).sort(), c.snapshots.map((s) => s.id).sort(), 'every snapshot has reasons');
    for (const id of Object.keys(sel.reasons)) assert.ok(sel.reasons[id]!.length > 0, `reasons of ${id}`);
    assert.deepEqual(input, c.snapshots, 'input is not mutated');
  });
}

test('drive policy: the newest of each source on the drive survives any policy', () => {
  // Property over many random drives: pruning never leaves a source that was on the drive with nothing.
  let seed = 7;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let round = 0; round < 200; round++) {
    const snaps: SnapshotForDrive[] = [];
    const count = 1 + rnd(30);
    for (let i = 0; i < count; i++) {
      const time = iso(Date.parse('2026-11-20T00:00Z') - rnd(200) * 7 * HOUR);
      const id = `${i}-${time}`;
      snaps.push({ id, source: ['a', 'b', 'c'][rnd(3)]!, time, onDrive: rnd(2) === 0, damaged: rnd(8) === 0, verified: rnd(4) === 0, local: rnd(5) !== 0 });
    }
    const policy: DrivePolicy = [{ daily: 1 }, { weekly: 1 }, DEFAULT_DRIVE_POLICY, { last: 1 }][rnd(4)]!;
    const prune = pruneOnDrive(snaps, policy, { timeZone: 'UTC' });
    for (const source of new Set(snaps.filter((s) => s.onDrive).map((s) => s.source))) {
      assert.ok(prune.keep.some((id) => snaps.find((s) => s.id === id)!.source === source), `round ${round}: source ${source} kept something`);
    }
    const sel = snapshotsForDrive(snaps, policy, { timeZone: 'UTC' });
    for (const id of sel.copy) {
      const s = snaps.find((x) => x.id === id)!;
      assert.ok(!s.onDrive && s.local !== false && !s.damaged, `round ${round}: ${id} is copyable`);
    }
  }
});

test('drive policy: invalid input throws like applyPolicy', () => {
  assert.throws(() => snapshotsForDrive([snap('s1', { time: 'yesterday' })], DEFAULT_DRIVE_POLICY), /invalid time/);
  assert.throws(() => snapshotsForDrive([snap('2026-11-20T10:00Z'), snap('2026-11-20T10:00Z')]), /Duplicate snapshot id/);
  assert.throws(() => pruneOnDrive([], { daily: -1 }), /"daily" must be a non-negative integer/);
  assert.throws(() => snapshotsForDrive([], { dayly: 3 } as DrivePolicy), /unknown field "dayly"/);
  assert.ok(Object.isFrozen(DEFAULT_DRIVE_POLICY));
});
