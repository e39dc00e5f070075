// Which snapshots belong on a given USB drive, and which the drive can let go. Pure: no clock, no I/O.
// The calendar buckets are retention-policy.ts's applyPolicy; this file adds what is particular to a drive:
// the latest snapshot of every source always goes first, and a drive never loses its own newest copy of a
// source, even while a newer one is still waiting to be copied.
import { applyPolicy, validatePolicy, REASON_NOT_SELECTED, type RetentionPolicy } from '../retention/retention-policy.ts';

/**
 * A drive's policy: the same count-based calendar rules as the local retention policy (restic semantics:
 * `daily: 7` keeps the newest snapshot of each of the 7 most recent days that have one, and a rule with
 * unused slots also keeps the oldest snapshot). The latest snapshot of every source is always selected on
 * top of these rules. An empty policy selects everything.
 */
export type DrivePolicy = RetentionPolicy;

/** The latest of every source plus dailies for 7 days, weeklies for 4 weeks, monthlies for 6 months. */
export const DEFAULT_DRIVE_POLICY: DrivePolicy = Object.freeze({ daily: 7, weekly: 4, monthly: 6 });

export interface SnapshotForDrive {
  id: string;
  source: string;
  /** ISO 8601 date-time with a zone. */
  time: string;
  verified?: boolean;
  /** Whether the copy that would be used is damaged: the drive's copy when `onDrive`, otherwise the local one. */
  damaged?: boolean;
  /** Already on the drive (its manifest is there). */
  onDrive?: boolean;
  /** Present in the local repository, so it can be copied. Default true. */
  local?: boolean;
}

export interface DriveSelection {
  /** Selected, local and not on the drive yet: copy these, in this order (latest of each source first, then newest first). */
  copy: string[];
  /** Selected and already on the drive. */
  keep: string[];
  /** On the drive and not selected (before pruneOnDrive's safety rule). */
  drop: string[];
  /** Keyed by id, for every snapshot given: why it is selected, or why not. */
  reasons: Record<string, string[]>;
}

export const REASON_LATEST_OF_SOURCE = 'latest snapshot of its source';
export const REASON_NEWEST_ON_DRIVE = 'newest copy of its source on this drive';
export const REASON_DAMAGED_NOT_COPIED = 'damaged: not copied';

/**
 * Decides what a drive should hold. Contract:
 * - `snapshots` is the union of the local repository's snapshots and the drive's (one entry per id, with
 *   `onDrive` / `local` saying where it is); the policy applies per source over that union, so a snapshot
 *   that only the drive still has can fill a monthly bucket.
 * - The newest undamaged snapshot of every source is always selected (REASON_LATEST_OF_SOURCE). Damaged
 *   snapshots are never copied.
 * - `copy` is ordered so that the most valuable copy lands first on a drive that fills up or is pulled:
 *   the latest of every source (newest first), then the rest newest first.
 * - Throws as applyPolicy does: an invalid policy, a time without a zone, duplicate ids, an unknown zone.
 *   Never mutates its input.
 */
export function snapshotsForDrive(snapshots: SnapshotForDrive[], policy: DrivePolicy = DEFAULT_DRIVE_POLICY, opts: { timeZone?: string } = {}): DriveSelection {
  const decision = applyPolicy(snapshots, validatePolicy(policy), opts);
  const rank = newestFirst(snapshots, opts);
  const reasons: Record<string, string[]> = {};
  for (const s of snapshots) reasons[s.id] = [...(decision.reasons[s.id] ?? [])];

  // applyPolicy's safety rule keeps the newest *verified* snapshot when there is one; a drive wants the newest.
  const latest = new Set<string>();
  const sourcesDone = new Set<string>();
  for (const s of rank.ordered) {
    if (s.damaged || sourcesDone.has(s.source)) continue;
    sourcesDone.add(s.source);
    latest.add(s.id);
  }

  // applyPolicy keeps the damaged snapshots of a source that has nothing else; a drive never copies those.
  const kept = new Set(decision.keep.map((s) => s.id));
  const selected = new Set(rank.ordered.filter((s) => kept.has(s.id) && (!s.damaged || s.onDrive)).map((s) => s.id));
  for (const s of snapshots) if (s.damaged && !s.onDrive) reasons[s.id] = [REASON_DAMAGED_NOT_COPIED];
  for (const id of latest) {
    selected.add(id);
    reasons[id] = [REASON_LATEST_OF_SOURCE, ...reasons[id]!.filter((r) => r !== REASON_NOT_SELECTED)];
  }

  const copy: SnapshotForDrive[] = [];
  const keep: string[] = [];
  const drop: string[] = [];
  for (const s of rank.ordered) {
    if (selected.has(s.id)) {
      if (s.onDrive) keep.push(s.id);
      else if (s.local !== false) copy.push(s);
    } else if (s.onDrive) {
      drop.push(s.id);
    }
  }
  // Stable sort: within each group the newest-first order of rank.ordered stays.
  copy.sort((a, b) => Number(latest.has(b.id)) - Number(latest.has(a.id)));
  return { copy: copy.map((s) => s.id), keep, drop, reasons };
}

export interface DrivePrune {
  /** Snapshots to delete from the drive, newest first. */
  remove: string[];
  /** Snapshots the drive keeps. */
  keep: string[];
  reasons: Record<string, string[]>;
}

/**
 * What to delete from a drive: its snapshots that snapshotsForDrive does not select, except that the drive's
 * own newest undamaged copy of each source is never deleted (a newer snapshot that has not landed yet does not
 * count; with no undamaged copy on the drive, its newest damaged one stays). Only snapshots with `onDrive`
 * are considered for removal; the others only take part in the selection. Pure, same errors as snapshotsForDrive.
 */
export function pruneOnDrive(snapshots: SnapshotForDrive[], policy: DrivePolicy = DEFAULT_DRIVE_POLICY, opts: { timeZone?: string } = {}): DrivePrune {
  const selection = snapshotsForDrive(snapshots, policy, opts);
  const { ordered, index } = newestFirst(snapshots, opts);
  const reasons = selection.reasons;
  const protect = new Set<string>();
  const undamagedOnDrive = new Set(ordered.filter((s) => s.onDrive && !s.damaged).map((s) => s.source));
  const sourcesDone = new Set<string>();
  for (const s of ordered) {
    if (!s.onDrive || sourcesDone.has(s.source)) continue;
    if (s.damaged && undamagedOnDrive.has(s.source)) continue;
    sourcesDone.add(s.source);
    protect.add(s.id);
  }
  const remove: string[] = [];
  const keep = [...selection.keep];
  for (const id of selection.drop) {
    if (protect.has(id)) {
      keep.push(id);
      reasons[id] = [REASON_NEWEST_ON_DRIVE];
    } else {
      remove.push(id);
    }
  }
  keep.sort((a, b) => index.get(a)! - index.get(b)!);
  return { remove, keep, reasons };
}

/** The snapshots newest first (ties: id ascending), as applyPolicy orders them; an empty policy keeps all in that order. */
function newestFirst(snapshots: SnapshotForDrive[], opts: { timeZone?: string }): { ordered: SnapshotForDrive[]; index: Map<string, number> } {
  const ordered = applyPolicy(snapshots, {}, opts).keep as SnapshotForDrive[];
  return { ordered, index: new Map(ordered.map((s, i) => [s.id, i])) };
}
