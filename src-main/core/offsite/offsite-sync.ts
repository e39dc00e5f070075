import path from 'node:path';
import { LifeboatError } from '../errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { Repository } from '../repository/repository.ts';
import { copySnapshots, SourceError } from '../engine/copy-snapshots.ts';
import { collectGarbage } from '../engine/garbage.ts';
import { acquireLock } from '../locks/process-lock.ts';
import { applyPolicy, type RetentionPolicy, type SnapshotForRetention } from '../retention/retention-policy.ts';
import { backoffDelay, type BackoffOptions } from '../power/ups-monitor.ts';
import { TargetError, type Target } from '../targets/target.ts';
import { TargetWrapper } from '../targets/target-wrappers.ts';
import type { Outbox } from './outbox.ts';

export interface SyncDeps {
  /** The local repository, open. */
  repo: Repository;
  outbox: Outbox;
  catalog: Catalog;
  name: string;
  target: Target;
  retention: RetentionPolicy;
  timeZone?: string;
  actor: string;
  signal?: AbortSignal;
  onProgress?: (p: { target: string; snapshot: string; bytes: number; totalBytes: number }) => void;
  backoff?: BackoffOptions;
  now?: () => Date;
  /** Packs sent at once (default 3). One on a limited line: the limit is shared anyway, and a pack that finishes sooner is one a cut cannot take back. */
  parallel?: number;
}

export interface SyncReport {
  target: string;
  /** done: the queue is empty; retrying: a transient error, next try at retryAt; stopped: a person must act;
   *  waiting: not due yet (backoff) or stopped earlier; interrupted: the signal fired. */
  state: 'done' | 'retrying' | 'stopped' | 'waiting' | 'interrupted';
  sent: string[];
  dropped: Array<{ id: string; why: string }>;
  remaining: number;
  removedRemote: string[];
  bytesSent: number;
  packsResumed: number;
  /** Bytes of packs a cut save had already put on the target, not sent again (targets that resume inside a pack: SFTP). */
  bytesResumed: number;
  error?: string;
  retryAt?: string;
  /** The remote retention could not run (the uploads themselves succeeded). */
  pruneError?: string;
}

/** Waits between attempts at a target: 30 s doubling to 1 h, with jitter so many offices do not retry in step. */
export const OUTBOX_BACKOFF: BackoffOptions = { initialMs: 30_000, maxMs: 60 * 60_000, factor: 2, jitter: 0.3 };

/**
 * One pass of the outbox for one target: drops entries the target's retention would not keep (or whose
 * snapshot is gone), sends the rest one snapshot at a time (emergency first, then oldest first; packs that
 * arrived before an interruption are not sent again), then applies the target's retention to the remote,
 * but only once nothing waits to be sent, so no upload in progress can lose the packs it needs.
 *
 * A transient error ends the pass with a backoff (`retryAt`); a permanent one stops the target until a
 * person acts (`force` resumes it). Nothing here throws for a target problem: the report says what happened.
 */
export async function syncTarget(d: SyncDeps, opts: { force?: boolean } = {}): Promise<SyncReport> {
  const now = d.now ?? (() => new Date());
  const report: SyncReport = { target: d.name, state: 'done', sent: [], dropped: [], remaining: 0, removedRemote: [], bytesSent: 0, packsResumed: 0, bytesResumed: 0 };
  const base = (d.target instanceof TargetWrapper ? d.target.base : d.target) as { resumedBytes?: number };
  const resumedBefore = base.resumedBytes ?? 0;
  const st = d.outbox.state(d.name);
  if (!opts.force && (st.stopped || (st.retryAt && Date.parse(st.retryAt) > now().getTime()))) {
    report.state = 'waiting';
    report.remaining = d.outbox.pending(d.name).length;
    if (st.stopped) report.error = st.stopped.message;
    if (st.retryAt) report.retryAt = st.retryAt;
    return report;
  }
  if (opts.force) d.outbox.resume(d.name);

  try {
    await removeDebris(d.target);
    const remote = await remoteSnapshots(d);
    const decision = decide(d, remote);
    for (const { entryId, id, why } of decision.drop) {
      d.outbox.done(entryId);
      report.dropped.push({ id, why });
    }

    for (const entry of d.outbox.pending(d.name)) {
      d.signal?.throwIfAborted();
      const started = Date.now();
      // Shared: a local prune (exclusive) waits, so it cannot delete packs this copy is reading.
      const lock = await acquireLock(path.join(d.repo.dir, 'locks'), { name: 'repo', kind: 'shared', purpose: `upload to ${d.name}`, waitMs: 10 * 60_000 });
      try {
        const r = await copySnapshots(d.repo, d.target, [entry.snapshot], {
          signal: d.signal,
          parallel: d.parallel,
          // Only the first copy may set up the repository there; after that, one gone missing is an error.
          create: !d.outbox.state(d.name).repoId,
          onBytes: (bytes, totalBytes) => d.onProgress?.({ target: d.name, snapshot: entry.snapshot, bytes, totalBytes }),
        });
        d.outbox.recordRepository(d.name, d.repo.config.id);
        report.bytesSent += r.bytesCopied;
        report.packsResumed += r.packsResumed;
        d.outbox.done(entry.id);
        d.outbox.recordSuccess(d.name, now());
        report.sent.push(entry.snapshot);
        d.catalog.addHistory({ op: 'offsite-upload', source: null, snapshot: entry.snapshot, actor: d.actor, result: 'ok', detail: `to ${d.name}: ${r.packsCopied} pack(s), ${r.bytesCopied} bytes${r.packsResumed ? `, ${r.packsResumed} already there` : ''}`, durationMs: Date.now() - started });
      } catch (err) {
        if (d.signal?.aborted) throw err;
        // A snapshot damaged here is not sent (damage is never spread) and must not hold up the others: it is
        // skipped, and dropped after a few tries (verify reports the damage), and the target is not blamed.
        if (err instanceof SourceError) {
          d.outbox.attempted(entry.id);
          const damaged = d.catalog.snapshots().find((r) => r.id === entry.snapshot)?.damaged;
          if (damaged || entry.attempts + 1 >= 3) {
            d.outbox.done(entry.id);
            report.dropped.push({ id: entry.snapshot, why: err.message });
          }
          d.catalog.addHistory({ op: 'offsite-upload', source: null, snapshot: entry.snapshot, actor: d.actor, result: 'failed', detail: `to ${d.name}: not sent: ${err.message}`, durationMs: Date.now() - started });
          continue;
        }
        d.outbox.attempted(entry.id);
        throw err;
      } finally {
        await lock.release();
      }
    }

    // With the queue empty, the remote's retention may run (on a fresh look: uploads just changed it).
    const after = decision.drop.length || report.sent.length ? decide(d, await remoteSnapshots(d)) : decision;
    if (after.removeRemote.length) await pruneRemote(d, after.removeRemote, report);
  } catch (err) {
    if (d.signal?.aborted) {
      report.state = 'interrupted';
    } else {
      const message = err instanceof Error ? err.message : String(err);
      report.error = message;
      if (isPermanent(err)) {
        d.outbox.recordStopped(d.name, message, now());
        report.state = 'stopped';
      } else {
        const retryAt = new Date(now().getTime() + backoffDelay(d.outbox.state(d.name).failures, d.backoff ?? OUTBOX_BACKOFF));
        d.outbox.recordRetry(d.name, message, retryAt, now());
        report.state = 'retrying';
        report.retryAt = retryAt.toISOString();
      }
    }
  } finally {
    await d.target.close().catch(() => {});
  }
  report.remaining = d.outbox.pending(d.name).length;
  report.bytesResumed = (base.resumedBytes ?? 0) - resumedBefore;
  return report;
}

/**
 * Applies the target's retention: removes manifests, then packs nothing there needs. Its own failure (a damaged
 * remote index, an unreadable remote manifest) is recorded in the history and left for a person and the next
 * pass; it never makes the uploads, which succeeded, look failed.
 */
async function pruneRemote(d: SyncDeps, ids: string[], report: SyncReport): Promise<void> {
  const started = Date.now();
  try {
    const remoteRepo = await Repository.openTarget(d.target, { keys: d.repo.keys });
    for (const id of ids) {
      await remoteRepo.deleteManifest(id);
      report.removedRemote.push(id);
    }
    // This runs only with the queue empty and the target's lock held, so no upload is in flight: packs no
    // index names are debris of cut copies and go too (unless a manifest there needs them).
    const gc = await collectGarbage(remoteRepo, { dryRun: false });
    d.catalog.addHistory({ op: 'offsite-prune', source: null, snapshot: null, actor: d.actor, result: 'ok', detail: `${d.name}: ${report.removedRemote.length} snapshot(s), ${gc.packsRemoved} pack(s), ${gc.bytesFreed} bytes freed`, durationMs: Date.now() - started });
  } catch (err) {
    if (d.signal?.aborted) throw err;
    const message = (err as Error).message.replace(/run "lifeboat repair --index"[^;.]*/, 'the remote repository needs a look ("lifeboat target verify")');
    report.pruneError = message;
    d.catalog.addHistory({ op: 'offsite-prune', source: null, snapshot: null, actor: d.actor, result: 'failed', detail: `${d.name}: ${message}`, durationMs: Date.now() - started });
  }
}

/** Removes temp files a cut upload left on the target (folder and SFTP targets keep them under tmp/). */
async function removeDebris(target: Target): Promise<void> {
  const base = target instanceof TargetWrapper ? target.base : target;
  const clean = (base as { removeDebris?: () => Promise<unknown> }).removeDebris;
  if (typeof clean === 'function') await clean.call(base).catch(() => {});
}

/** Errors retrying will not fix: the target said so, or our own settings are wrong. */
function isPermanent(err: unknown): boolean {
  if (err instanceof TargetError) return err.kind === 'permanent';
  if (err instanceof LifeboatError) return ['auth', 'host-key', 'no-space', 'permission', 'exists', 'bad-input', 'wrong-passphrase'].includes(err.code);
  return false;
}

interface RemoteSnapshot { id: string; source: string; time: string }

/** The snapshots the target holds, with their source and time (from the catalog when known here, else their manifests). */
async function remoteSnapshots(d: SyncDeps): Promise<RemoteSnapshot[]> {
  if (!(await Repository.targetConfig(d.target))) return [];
  const remote = await Repository.openTarget(d.target, { keys: d.repo.keys });
  const known = new Map(d.catalog.snapshots().map((r) => [r.id, r]));
  const out: RemoteSnapshot[] = [];
  for (const id of await remote.listSnapshotIds()) {
    const row = known.get(id);
    if (row) out.push({ id, source: row.source, time: row.time });
    else {
      const m = await remote.loadManifest(id).catch(() => undefined);
      // An unreadable remote manifest is never chosen for removal: it is left out of the policy.
      if (m) out.push({ id, source: m.source.name, time: m.time });
    }
  }
  return out;
}

/**
 * Which waiting entries to drop (their snapshot is gone here, or the target's retention would not keep it:
 * after a long outage only what the policy wants is sent) and which remote snapshots to remove. Emergency
 * entries are always sent. Pure apart from reading the outbox and catalog.
 */
function decide(d: SyncDeps, remote: RemoteSnapshot[]): { drop: Array<{ entryId: number; id: string; why: string }>; removeRemote: string[] } {
  const rows = new Map(d.catalog.snapshots().map((r) => [r.id, r]));
  const drop: Array<{ entryId: number; id: string; why: string }> = [];
  const remoteIds = new Set(remote.map((r) => r.id));
  const candidates: SnapshotForRetention[] = remote.map((r) => ({ id: r.id, source: r.source, time: r.time }));
  const pending = d.outbox.pending(d.name);
  for (const e of pending) {
    const row = rows.get(e.snapshot);
    if (!row) drop.push({ entryId: e.id, id: e.snapshot, why: 'no longer in the local repository' });
    else if (!remoteIds.has(e.snapshot)) candidates.push({ id: row.id, source: row.source, time: row.time });
  }
  const decision = applyPolicy(candidates, d.retention, { timeZone: d.timeZone });
  const removed = new Set(decision.remove.map((s) => s.id));
  for (const e of pending) {
    if (e.priority === 0 && removed.has(e.snapshot) && !drop.some((x) => x.entryId === e.id)) drop.push({ entryId: e.id, id: e.snapshot, why: `not kept by the retention of ${d.name}` });
  }
  const stillPending = pending.length - drop.length;
  return { drop, removeRemote: stillPending > 0 ? [] : remote.filter((r) => removed.has(r.id)).map((r) => r.id) };
}
