import { calendarFormat } from '../util/calendar-format.ts';
// Retention: which snapshots to keep and which to forget. Modelled on restic's ApplyPolicy
// (internal/data/snapshot_policy.go): count-based calendar buckets walked newest first, plus
// Lifeboat's safety rules. Pure: no clock, no I/O; the caller supplies the snapshots and the zone.

export interface RetentionPolicy {
  /** Keep the N newest snapshots. */
  last?: number;
  /** Keep the newest snapshot in each of the N most recent 15-minute buckets that have a snapshot. */
  quarterHourly?: number;
  hourly?: number;
  daily?: number;
  /** ISO 8601 weeks (Monday start, week-numbering year). */
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export interface SnapshotForRetention {
  id: string;
  source: string;
  /** ISO 8601 date-time with an explicit zone (`Z` or an offset). */
  time: string;
  verified?: boolean;
  damaged?: boolean;
}

export interface RetentionDecision {
  keep: SnapshotForRetention[];
  remove: SnapshotForRetention[];
  /** Keyed by snapshot id: why it is kept, or why it is removed. */
  reasons: Record<string, string[]>;
}

/** 15-minute points for a day, hourly for a week, daily for a month, weekly for a quarter, monthly for a year, yearly for 3 years. */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  last: 3,
  quarterHourly: 96,
  hourly: 168,
  daily: 30,
  weekly: 13,
  monthly: 12,
  yearly: 3,
});

const POLICY_FIELDS = ['last', 'quarterHourly', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
type PolicyField = (typeof POLICY_FIELDS)[number];

// Fixed reason texts, exported so callers (UI, logs) can recognise them without copying strings.
export const REASON_NOT_SELECTED = 'not selected by any rule';
export const REASON_DAMAGED = 'damaged';
export const REASON_NO_POLICY = 'no policy: keep all';
export const REASON_NEWEST_VERIFIED = 'newest verified snapshot';
export const REASON_NEWEST = 'newest snapshot';
export const REASON_ONLY_DAMAGED = 'damaged, but kept: this source has no undamaged snapshot';

/**
 * Checks an untrusted value (e.g. parsed from a config file) and returns it as a RetentionPolicy.
 * Contract: input must be a plain object whose keys are all RetentionPolicy fields and whose values
 * are non-negative safe integers (or undefined, meaning absent). Returns a fresh object holding only
 * the present fields. Throws an Error naming the offending field otherwise; never coerces ("3" is rejected).
 */
export function validatePolicy(input: unknown): RetentionPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error(`Invalid retention policy: expected an object, got ${describe(input)}`);
  }
  const proto: unknown = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) {
    throw new Error('Invalid retention policy: expected a plain object');
  }
  const policy: RetentionPolicy = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(POLICY_FIELDS as readonly string[]).includes(key)) {
      throw new Error(`Invalid retention policy: unknown field ${JSON.stringify(key)} (known fields: ${POLICY_FIELDS.join(', ')})`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(`Invalid retention policy: field ${JSON.stringify(key)} must be a non-negative integer, got ${describe(value)}`);
    }
    // `+ 0` turns -0 into 0 so the normalised policy prints cleanly.
    policy[key as PolicyField] = value + 0;
  }
  return policy;
}

/**
 * Decides which snapshots to keep and which to remove.
 * Contract:
 * - The policy (validated with validatePolicy; throws if invalid) applies to each `source` separately.
 * - Buckets use local calendar time in `opts.timeZone` (IANA name; default: the process's zone).
 *   Hourly and 15-minute buckets are real intervals: on a DST fall-back night the repeated local
 *   hour is two buckets, labelled with their UTC offset.
 * - Per source, undamaged snapshots are walked newest first; each rule keeps the newest snapshot of
 *   each bucket not yet seen, until it has kept its count. As in restic, a rule that still has
 *   unused count when it reaches the oldest undamaged snapshot also keeps that one.
 * - Safety: the newest undamaged verified snapshot is always kept; with no verified snapshot, the
 *   newest undamaged one is. Damaged snapshots never fill a bucket and are removed ("damaged"),
 *   unless the source has no undamaged snapshot at all, in which case they are all kept.
 * - An empty policy (every count absent or 0) keeps everything, damaged included.
 * - Every snapshot gets reasons; `keep` and `remove` are ordered newest first (ties: id ascending).
 * - Throws on a time that is not an ISO 8601 date-time with a zone, on duplicate ids and on an
 *   unknown time zone. Input objects are returned as-is (not copied) and never mutated.
 */
export function applyPolicy(
  snapshots: SnapshotForRetention[],
  policy: RetentionPolicy,
  opts: { timeZone?: string } = {},
): RetentionDecision {
  const checked = validatePolicy(policy);
  const zone = new ZoneClock(opts.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone);

  const timed = snapshots.map((snapshot) => ({ snapshot, ms: parseSnapshotTime(snapshot) }));
  const seenIds = new Set<string>();
  for (const { snapshot } of timed) {
    if (seenIds.has(snapshot.id)) throw new Error(`Duplicate snapshot id ${JSON.stringify(snapshot.id)}`);
    seenIds.add(snapshot.id);
  }
  timed.sort((a, b) => b.ms - a.ms || (a.snapshot.id < b.snapshot.id ? -1 : a.snapshot.id > b.snapshot.id ? 1 : 0));

  const reasons = new Map<string, string[]>();
  const policyIsEmpty = POLICY_FIELDS.every((field) => !checked[field]);
  if (policyIsEmpty) {
    for (const { snapshot } of timed) reasons.set(snapshot.id, [REASON_NO_POLICY]);
  } else {
    const bySource = new Map<string, TimedSnapshot[]>();
    for (const entry of timed) {
      const group = bySource.get(entry.snapshot.source);
      if (group) group.push(entry);
      else bySource.set(entry.snapshot.source, [entry]);
    }
    for (const group of bySource.values()) decideSource(group, checked, zone, reasons);
  }

  const keep: SnapshotForRetention[] = [];
  const remove: SnapshotForRetention[] = [];
  for (const { snapshot } of timed) {
    const why = reasons.get(snapshot.id);
    if (why && why.length > 0) {
      keep.push(snapshot);
    } else {
      remove.push(snapshot);
      reasons.set(snapshot.id, [snapshot.damaged ? REASON_DAMAGED : REASON_NOT_SELECTED]);
    }
  }
  // fromEntries defines own properties, so an id like "__proto__" cannot corrupt the record.
  const record = Object.fromEntries(timed.map(({ snapshot }) => [snapshot.id, reasons.get(snapshot.id) ?? []]));
  return { keep, remove, reasons: record };
}

interface TimedSnapshot {
  snapshot: SnapshotForRetention;
  ms: number;
}

interface Bucket {
  /** Identity of the bucket: two snapshots share a bucket iff their keys are equal. */
  key: string;
  label: string;
}

interface Rule {
  field: PolicyField;
  /** Word used in "unused slots" messages. */
  name: string;
  bucketOf: (ms: number, index: number, count: number, remaining: number) => Bucket;
}

/** Adds keep reasons for one source's snapshots (sorted newest first) to `reasons`. */
function decideSource(group: TimedSnapshot[], policy: RetentionPolicy, zone: ZoneClock, reasons: Map<string, string[]>): void {
  const healthy = group.filter(({ snapshot }) => !snapshot.damaged);
  if (healthy.length === 0) {
    // Deleting the only copies there are would be worse than keeping damaged ones: parts may still restore.
    for (const { snapshot } of group) reasons.set(snapshot.id, [REASON_ONLY_DAMAGED]);
    return;
  }

  for (const { snapshot } of healthy) reasons.set(snapshot.id, []);
  const newestVerified = healthy.find(({ snapshot }) => snapshot.verified === true);
  if (newestVerified) push(reasons, newestVerified.snapshot.id, REASON_NEWEST_VERIFIED);
  else push(reasons, healthy[0]!.snapshot.id, REASON_NEWEST);

  const rules = buildRules(zone).filter((rule) => (policy[rule.field] ?? 0) > 0);
  const state = rules.map((rule) => ({ rule, count: policy[rule.field] ?? 0, remaining: policy[rule.field] ?? 0, seen: new Set<string>() }));
  for (let index = 0; index < healthy.length; index += 1) {
    // Once every rule is spent nothing else can be kept, so the local time of the rest is never needed.
    if (state.every((s) => s.remaining <= 0)) break;
    const { snapshot, ms } = healthy[index]!;
    const isOldest = index === healthy.length - 1;
    for (const s of state) {
      if (s.remaining <= 0) continue;
      const bucket = s.rule.bucketOf(ms, index, s.count, s.remaining);
      if (!s.seen.has(bucket.key)) {
        s.seen.add(bucket.key);
        push(reasons, snapshot.id, bucket.label);
      } else if (isOldest) {
        // restic keeps the oldest snapshot while a rule has count left: it stretches the history kept.
        push(reasons, snapshot.id, `${bucket.label} (oldest snapshot, ${s.remaining} unused ${s.rule.name} ${s.remaining === 1 ? 'slot' : 'slots'})`);
      } else {
        continue;
      }
      s.remaining -= 1;
    }
  }
}

function buildRules(zone: ZoneClock): Rule[] {
  const date = (ms: number): string => {
    const p = zone.partsAt(ms);
    return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`;
  };
  return [
    { field: 'last', name: 'last', bucketOf: (_ms, index, count, remaining) => ({ key: String(index), label: `last ${count - remaining + 1}/${count}` }) },
    { field: 'quarterHourly', name: '15-minute', bucketOf: (ms) => zone.subDayBucket(ms, 15, '15-minute') },
    { field: 'hourly', name: 'hourly', bucketOf: (ms) => zone.subDayBucket(ms, 60, 'hourly') },
    { field: 'daily', name: 'daily', bucketOf: (ms) => calendarBucket(`daily ${date(ms)}`) },
    {
      field: 'weekly',
      name: 'weekly',
      bucketOf: (ms) => {
        const p = zone.partsAt(ms);
        const { year, week } = isoWeek(p.year, p.month, p.day);
        return calendarBucket(`weekly ${pad(year, 4)}-W${pad(week, 2)}`);
      },
    },
    {
      field: 'monthly',
      name: 'monthly',
      bucketOf: (ms) => {
        const p = zone.partsAt(ms);
        return calendarBucket(`monthly ${pad(p.year, 4)}-${pad(p.month, 2)}`);
      },
    },
    { field: 'yearly', name: 'yearly', bucketOf: (ms) => calendarBucket(`yearly ${pad(zone.partsAt(ms).year, 4)}`) },
  ];
}

function calendarBucket(label: string): Bucket {
  return { key: label, label };
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** Local wall-clock time minus UTC, in milliseconds. */
  offsetMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Local calendar parts of instants in one IANA zone, memoised because every rule asks for the same instant. */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, LocalParts>();

  constructor(timeZone: string) {
    try {
      this.format = calendarFormat(timeZone);
    } catch {
      throw new Error(`Unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as "Europe/Berlin"`);
    }
  }

  partsAt(ms: number): LocalParts {
    const cached = this.cache.get(ms);
    if (cached) return cached;
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(ms)) {
      if (part.type !== 'literal' && part.type !== 'weekday') fields[part.type] = Number(part.value);
    }
    const [year, month, day, hour, minute, second] = [fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second].map((n) => n ?? 0) as [number, number, number, number, number, number];
    const wholeSecond = Math.floor(ms / 1000) * 1000;
    const parts: LocalParts = { year, month, day, hour, minute, offsetMs: utcMs(year, month, day, hour, minute, second, 0) - wholeSecond };
    this.cache.set(ms, parts);
    return parts;
  }

  /**
   * Hourly / 15-minute bucket. The key carries the UTC offset so the hour repeated at a DST
   * fall-back counts as the two real hours it is; only then does the label show the offset.
   */
  subDayBucket(ms: number, minutes: number, word: string): Bucket {
    const p = this.partsAt(ms);
    const minute = Math.floor(p.minute / minutes) * minutes;
    const wallStart = utcMs(p.year, p.month, p.day, p.hour, minute, 0, 0);
    let label = `${word} ${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(minute, 2)}`;
    if (this.wallTimeRepeats(ms, wallStart, minutes * MINUTE_MS, p.offsetMs)) label += ` (UTC${formatOffset(p.offsetMs)})`;
    return { key: `${label}@${p.offsetMs}`, label };
  }

  /** True when some instant under a different offset also falls in [wallStart, wallStart + length) local time. */
  private wallTimeRepeats(ms: number, wallStart: number, length: number, offsetMs: number): boolean {
    // Offsets change at most once within a few hours, so the neighbours' offsets are the only candidates,
    // and the instants under such an offset that land in the bucket touch one of its ends.
    const candidates = new Set([this.partsAt(ms - 6 * HOUR_MS).offsetMs, this.partsAt(ms + 6 * HOUR_MS).offsetMs]);
    for (const other of candidates) {
      if (other === offsetMs) continue;
      if (this.partsAt(wallStart - other).offsetMs === other) return true;
      if (this.partsAt(wallStart + length - 1 - other).offsetMs === other) return true;
    }
    return false;
  }
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Parses the snapshot's time to epoch ms; a time without a zone is rejected because its instant is unknowable. */
function parseSnapshotTime(snapshot: SnapshotForRetention): number {
  const fail = (): never => {
    throw new Error(`Snapshot ${JSON.stringify(snapshot.id)} has an invalid time ${describe(snapshot.time)}: expected an ISO 8601 date-time with a zone, e.g. "2026-11-20T14:05:00Z"`);
  };
  if (typeof snapshot.time !== 'string') return fail();
  const m = ISO_DATE_TIME.exec(snapshot.time);
  if (!m) return fail();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((s) => Number(s ?? 0)) as [number, number, number, number, number, number];
  const millis = Number(((m[7] ?? '') + '000').slice(0, 3));
  const offsetHours = Number(m[9] ?? 0);
  const offsetMinutes = Number(m[10] ?? 0);
  // Date would silently roll 2026-02-30 over to March, so the ranges are checked here.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return fail();
  }
  const offsetMs = (m[8] === '-' ? -1 : 1) * (offsetHours * HOUR_MS + offsetMinutes * MINUTE_MS);
  return utcMs(year, month, day, hour, minute, second, millis) - offsetMs;
}

/** Epoch ms of a UTC calendar time; unlike Date.UTC, years 0-99 are not shifted into the 1900s. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate();
}

/** ISO 8601 week of a calendar date: weeks start on Monday and belong to the year holding their Thursday. */
function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = utcMs(year, month, day, 0, 0, 0, 0);
  const isoDay = ((new Date(date).getUTCDay() + 6) % 7) + 1;
  const thursday = date + (4 - isoDay) * DAY_MS;
  const weekYear = new Date(thursday).getUTCFullYear();
  return { year: weekYear, week: Math.floor((thursday - utcMs(weekYear, 1, 1, 0, 0, 0, 0)) / (7 * DAY_MS)) + 1 };
}

function formatOffset(offsetMs: number): string {
  const total = Math.round(Math.abs(offsetMs) / MINUTE_MS);
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(total / 60), 2)}:${pad(total % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function push(reasons: Map<string, string[]>, id: string, reason: string): void {
  const list = reasons.get(id);
  if (list) list.push(reason);
  else reasons.set(id, [reason]);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return 'an array';
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
