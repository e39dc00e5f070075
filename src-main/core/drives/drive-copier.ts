// One copy to one drive, start to "safe to remove": decide with the drive's policy, copy (missing packs, read
// back, then index, then manifests: copy-snapshots.ts), verify on the drive, sync, prune what the policy
// no longer wants, and only then say the drive may be pulled. Pulled or full half-way, the drive stays a
// consistent repository and the next insertion carries on.
import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError, isErrno } from '../errors.ts';
import type { Lifeboat } from '../lifeboat.ts';
import { copySnapshots } from '../engine/copy-snapshots.ts';
import { verifySnapshots } from '../engine/verify.ts';
import { driveRepoDir, readDriveContents } from './drive-marker.ts';
import { snapshotsForDrive, DEFAULT_DRIVE_POLICY, type DrivePolicy, type SnapshotForDrive } from './drive-policy.ts';
import { driveSnapshots, openDrive, pruneDrive, removeOwnLocks, removeStrayTwin, syncDrive, tidy } from './drive-upkeep.ts';
import { DriveRegistry, type CopyRecord } from './drive-registry.ts';

/** The drive an event is about. `id` is the drive's marker id. */
export interface DriveRef { id: string; label: string; mount: string }

export type DriveEvent =
  | { type: 'start'; drive: DriveRef; toCopy: string[] }
  | { type: 'progress'; drive: DriveRef; phase: 'copy' | 'verify'; snapshot?: string; done: number; total: number }
  | { type: 'pruned'; drive: DriveRef; removed: string[]; bytesFreed: number; why: 'policy' | 'full' }
  | { type: 'safe-to-remove'; drive: DriveRef; copied: string[]; bytes: number; durationMs: number }
  | { type: 'error'; drive: DriveRef; code: 'full' | 'disconnected' | 'not-ours' | 'busy' | 'verify' | 'failed'; message: string };

export interface DriveCopyResult {
  ok: boolean;
  drive: DriveRef;
  /** Snapshots that landed in this run (manifest written and read back), in copy order. */
  copied: string[];
  /** Selected snapshots the drive already held. */
  alreadyThere: string[];
  /** Bytes of pack files written (each read back and checked). */
  bytes: number;
  /** Snapshots deleted from the drive, by the policy or to make room. */
  pruned: string[];
  durationMs: number;
  /** Things a person should know that did not stop the copy (a damaged snapshot on the drive, space not freed). */
  warnings: string[];
  error?: { code: Extract<DriveEvent, { type: 'error' }>['code']; message: string };
}

export interface CopyOptions {
  /** Where the drive is remembered; default the data dir's registry. */
  registry?: DriveRegistry;
  /** Time zone of the policy's calendar buckets (default: the process's). */
  timeZone?: string;
}

/** Drives (by repository folder) with a copy running in this process: one copy per drive at a time. */
const active = new Set<string>();

/**
 * Copies to the drive mounted at `drive.mount` what `policy` selects for it, and reports through `onEvent`.
 * Contract:
 * - The drive must be ours: adopted (its id in the registry) or holding our repository; otherwise an
 *   'error' event with code 'not-ours' and nothing is written.
 * - The latest snapshot of every source is copied first, one snapshot at a time, so a pull or a full drive
 *   keeps whatever landed before it. Each pack is read back as it is copied; afterwards the copied
 *   snapshots get a quick verify on the drive, the drive is synced, and snapshots the policy drops are
 *   deleted (collectGarbage under the drive repository's exclusive lock). Then 'safe-to-remove' (the last
 *   event; the history and registry are written just after it, on the local disk).
 * - A full drive: the policy's unwanted snapshots are pruned and the copy retried once; still full, an
 *   'error' event 'drive X is full: ...', and packs of the snapshot that did not fit are removed again.
 * - Pulled mid-copy: an 'error' event (code 'disconnected'); the drive holds a consistent repository and
 *   the next call completes the copy.
 * - Never rejects for a drive problem: the result says what happened (ok false with the error). Every run
 *   is recorded in the catalog history (op 'drive-copy') and in the registry's lastCopy.
 * - Safe to call again at any time; a second call for a drive already being copied in this process
 *   returns at once with code 'busy'.
 */
export async function copyToDrive(lb: Lifeboat, drive: { mount: string; label?: string }, policy: DrivePolicy = DEFAULT_DRIVE_POLICY, onEvent: (e: DriveEvent) => void = () => {}, opts: CopyOptions = {}): Promise<DriveCopyResult> {
  const started = Date.now();
  const mount = path.resolve(drive.mount);
  const repoDir = driveRepoDir(mount);
  const ref: DriveRef = { id: '', label: drive.label ?? path.basename(mount), mount };
  const result: DriveCopyResult = { ok: false, drive: ref, copied: [], alreadyThere: [], bytes: 0, pruned: [], durationMs: 0, warnings: [] };
  const emit = (e: DriveEvent) => {
    try {
      onEvent(e);
    } catch {
      // A listener's bug must not leave a drive half-copied.
    }
  };

  if (active.has(repoDir)) return finish(lb, undefined, result, started, emit, { code: 'busy', message: `a copy to drive ${ref.label} is already running` });
  active.add(repoDir);
  let registry: DriveRegistry | undefined;
  let stillThere = async (): Promise<void> => {
    await fs.stat(repoDir);
  };
  try {
    const src = await lb.repository();
    registry = opts.registry ?? new DriveRegistry({ dataDir: lb.dataDir, repoId: src.config.id });

    // Is it ours?
    const contents = await readDriveContents(mount);
    if (contents.repoId && contents.repoId !== src.config.id) {
      return finish(lb, registry, result, started, emit, { code: 'not-ours', message: `drive ${ref.label} holds another Lifeboat repository (id ${contents.repoId}): not writing to it` });
    }
    const space = await fs.statfs(mount).catch(() => undefined);
    const mine = await registry.ours([{ mount, device: '', label: ref.label, fsType: '', size: space ? space.blocks * space.bsize : 0, free: space ? space.bavail * space.bsize : 0, driveId: contents.driveId, repoId: contents.repoId }]);
    if (!mine[0] && contents.problem) {
      const code = /ENOTCONN|ECONNABORTED|EIO|ENODEV|ENXIO/.test(contents.problem) ? 'disconnected' : 'failed';
      return finish(lb, registry, result, started, emit, { code, message: `cannot read the Lifeboat folder of drive ${ref.label} (${contents.problem}): is it still plugged in?` });
    }
    if (!mine[0]) {
      return finish(lb, registry, result, started, emit, { code: 'not-ours', message: `drive ${ref.label} at ${mount} is not adopted: adopt it first ("lifeboat drive adopt ${mount}")` });
    }
    ref.id = mine[0].record.id;
    if (!drive.label) ref.label = mine[0].record.label;
    // The drive's identity for the rest of the run: once it is pulled and unmounted, `<mount>` is a plain
    // folder on another file system, and writing on would fill the system disk while claiming a copy.
    const device = (await fs.stat(repoDir)).dev;
    stillThere = async () => {
      const now = await fs.stat(repoDir).then((st) => st.dev, () => undefined);
      if (now === device) return;
      if (now !== undefined) await removeStrayTwin(repoDir, src.config.id);
      throw new LifeboatError('failed', `${mount} is no longer the drive it was (unmounted)`);
    };
    await removeOwnLocks(path.join(repoDir, 'locks'));

    // Decide.
    const rows = await lb.list();
    const onDrive = await driveSnapshots(src, repoDir);
    if (onDrive.unreadable.length) result.warnings.push(`snapshot(s) ${onDrive.unreadable.join(', ')} on drive ${ref.label} cannot be read (damaged); the drive keeps them, and keeps their packs, until they are removed by hand`);
    const union = new Map<string, SnapshotForDrive>();
    for (const r of rows) union.set(r.id, { id: r.id, source: r.source, time: r.time, verified: r.verified !== null, damaged: r.damaged !== null, local: true });
    for (const s of onDrive.readable) union.set(s.id, { ...(union.get(s.id) ?? { local: false }), id: s.id, source: s.source, time: s.time, damaged: false, onDrive: true });
    const selection = snapshotsForDrive([...union.values()], policy, { timeZone: opts.timeZone });
    result.alreadyThere = selection.keep;
    emit({ type: 'start', drive: ref, toCopy: selection.copy });

    // Copy, latest first, one snapshot at a time.
    let prunedForSpace = false;
    const readBack = new Set<string>(); // packs already read back whole and checked while copying
    for (let i = 0; i < selection.copy.length; i++) {
      const id = selection.copy[i]!;
      try {
        await stillThere();
        const report = await copySnapshots(src, repoDir, [id], { onProgress: (done, total) => emit({ type: 'progress', drive: ref, phase: 'copy', snapshot: id, done, total }) });
        await stillThere();
        result.bytes += report.bytesCopied;
        for (const p of report.packs) readBack.add(p);
        result.copied.push(...report.copied);
        union.set(id, { ...union.get(id)!, onDrive: true });
      } catch (err) {
        let full = isNoSpace(err);
        if (full && !prunedForSpace) {
          prunedForSpace = true;
          // Pruning itself writes a new index: on a drive too full even for that, it is still "full".
          const freed = await pruneDrive(src, repoDir, [...union.values()], policy, opts.timeZone).catch((e: unknown) => {
            if (isNoSpace(e)) return undefined;
            throw e;
          });
          if (freed) {
            if (freed.warning) result.warnings.push(freed.warning);
            result.pruned.push(...freed.removed);
            for (const r of freed.removed) union.delete(r);
            emit({ type: 'pruned', drive: ref, removed: freed.removed, bytesFreed: freed.bytesFreed, why: 'full' });
            i--; // once more, now that there is room
            continue;
          }
          full = true;
        }
        if (full) {
          // Packs of the snapshot that did not fit are named by no index: remove them, the drive stays as it was.
          await tidy(src, repoDir).catch(() => {});
          const st = await fs.statfs(mount).catch(() => undefined);
          const free = st ? ` (${fmtBytes(st.bavail * st.bsize)} free of ${fmtBytes(st.blocks * st.bsize)})` : '';
          const landed = result.copied.length ? `; ${result.copied.length} snapshot(s) did land and are safe` : '';
          const pruned = result.pruned.length ? `after removing ${result.pruned.length} older snapshot(s) the drive's policy no longer needs` : 'and it holds nothing the drive\'s policy would let go';
          const msg = `drive ${ref.label} is full${free}: snapshot ${id} of ${union.get(id)?.source ?? '?'} does not fit, ${pruned}${landed}. Use a larger drive, or give this drive a smaller policy`;
          return finish(lb, registry, result, started, emit, { code: 'full', message: msg }, 'full');
        }
        throw err;
      }
    }

    // Verify what was copied, on the drive, with a fresh view of its repository.
    if (result.copied.length) {
      const dest = await openDrive(src, repoDir);
      const report = await verifySnapshots(dest, result.copied, { deep: false, tmpDir: lb.tmpDir, trustedPacks: readBack, onProgress: (done, total) => emit({ type: 'progress', drive: ref, phase: 'verify', done, total }) });
      if (!report.ok) {
        await stillThere(); // a drive pulled during the verify reads as missing packs: say it was pulled
        const bad = report.snapshots.filter((v) => !v.ok).map((v) => `${v.id}: ${v.problems[0] ?? 'damaged'}`);
        return finish(lb, registry, result, started, emit, { code: 'verify', message: `drive ${ref.label}: the copy does not read back correctly (${bad.join('; ') || report.damagedIndexFiles.join(', ')}); the drive may be failing` });
      }
    }
    await syncDrive(repoDir);
    await stillThere();

    // Let go of what the policy no longer wants (never the drive's newest copy of a source).
    const freed = await pruneDrive(src, repoDir, [...union.values()], policy, opts.timeZone);
    if (freed.warning) result.warnings.push(freed.warning);
    if (freed.removed.length) {
      result.pruned.push(...freed.removed);
      emit({ type: 'pruned', drive: ref, removed: freed.removed, bytesFreed: freed.bytesFreed, why: 'policy' });
      await syncDrive(repoDir);
    }
    await stillThere();
    result.ok = true;
    // The drive is done: say so before the bookkeeping on the local disk, which the drive does not wait for.
    emit({ type: 'safe-to-remove', drive: ref, copied: result.copied, bytes: result.bytes, durationMs: Date.now() - started });
    return await finish(lb, registry, result, started, emit);
  } catch (err) {
    const gone = !(await stillThere().then(() => true, () => false));
    const code = gone || isErrno(err, 'ENOTCONN') || isErrno(err, 'ENODEV') || isErrno(err, 'EIO') ? 'disconnected' : err instanceof LifeboatError && err.code === 'busy' ? 'busy' : 'failed';
    const message = code === 'disconnected'
      ? `drive ${ref.label} went away during the copy (${err instanceof LifeboatError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message)}): ${result.copied.length} snapshot(s) had landed and are kept; plug it in again to finish the copy`
      : `copy to drive ${ref.label} failed: ${(err as Error).message}`;
    return finish(lb, registry, result, started, emit, { code, message });
  } finally {
    active.delete(repoDir);
  }
}

/** Records the run in the history and the registry, emits the error if any, and returns the result. */
async function finish(lb: Lifeboat, registry: DriveRegistry | undefined, result: DriveCopyResult, started: number, emit: (e: DriveEvent) => void, error?: DriveCopyResult['error'], kind: CopyRecord['result'] = 'failed'): Promise<DriveCopyResult> {
  result.durationMs = Date.now() - started;
  if (error) {
    result.ok = false;
    result.error = error;
    emit({ type: 'error', drive: result.drive, code: error.code, message: error.message });
  }
  if (error?.code === 'busy') return result;
  const detail = (error ? error.message : `${result.copied.length} snapshot(s) copied, ${result.bytes} bytes, ${result.alreadyThere.length} already there, ${result.pruned.length} pruned`) + result.warnings.map((w) => `; ${w}`).join('');
  try {
    lb.catalog.addHistory({ op: 'drive-copy', source: null, snapshot: result.copied[0] ?? null, actor: lb.actor, result: result.ok ? (result.warnings.length ? 'warning' : 'ok') : 'failed', detail: `drive ${result.drive.label}${result.drive.id ? ` (${result.drive.id})` : ''}: ${detail}`, durationMs: result.durationMs });
  } catch {
    // The history is a record, not the copy: a busy catalog must not turn a good copy into a failure.
  }
  if (registry && result.drive.id) {
    const st = await fs.statfs(result.drive.mount).catch(() => undefined);
    const volume = st ? { mount: result.drive.mount, label: result.drive.label, size: st.blocks * st.bsize, free: st.bavail * st.bsize } : undefined;
    await registry.recordCopy(result.drive.id, { time: new Date().toISOString(), result: result.ok ? 'ok' : kind, copied: result.copied.length, bytes: result.bytes, durationMs: result.durationMs, message: detail }, volume).catch(() => {});
  }
  return result;
}

function isNoSpace(err: unknown): boolean {
  return (err instanceof LifeboatError && err.code === 'no-space') || isErrno(err, 'ENOSPC') || isErrno(err, 'EDQUOT');
}

function fmtBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}
