// Housekeeping on a drive's repository for drive-copier.ts: reading what it holds, pruning it under its
// exclusive lock, and cleaning up after a drive that was pulled (stale own locks, a stray twin written into
// a bare mount-point folder).
import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { LifeboatError, isErrno } from '../errors.ts';
import { Repository } from '../repository/repository.ts';
import { CONFIG_FILE, DIRS, readConfig } from '../repository/repo-config.ts';
import { collectGarbage } from '../engine/garbage.ts';
import { acquireLock, type LockInfo } from '../locks/process-lock.ts';
import { fsyncDir } from '../util/durable-file.ts';
import { pruneOnDrive, type DrivePolicy, type SnapshotForDrive } from './drive-policy.ts';

/** Opens the drive's repository with the local repository's keys (it is a twin: same key). */
export async function openDrive(src: Repository, repoDir: string): Promise<Repository> {
  return src.keys ? Repository.openWithKeys(repoDir, src.keys) : Repository.open(repoDir, async () => '');
}

/**
 * The drive's snapshots with source and time; manifests that cannot be read are listed apart (never pruned by
 * policy). Empty when the drive has no repository yet. Throws on I/O errors of a vanished drive.
 */
export async function driveSnapshots(src: Repository, repoDir: string): Promise<{ readable: Array<{ id: string; source: string; time: string }>; unreadable: string[] }> {
  const out = { readable: [] as Array<{ id: string; source: string; time: string }>, unreadable: [] as string[] };
  if (!(await Repository.exists(repoDir))) return out;
  const dest = await openDrive(src, repoDir);
  for (const id of await dest.listSnapshotIds()) {
    try {
      const m = await dest.loadManifest(id);
      out.readable.push({ id, source: m.source.name, time: m.time });
    } catch (err) {
      if (isErrno(err, 'ENOTCONN') || isErrno(err, 'EIO')) throw err;
      out.unreadable.push(id);
    }
  }
  return out;
}

/**
 * Deletes the drive's snapshots pruneOnDrive lets go, then (collectGarbage) the packs nothing needs, under the
 * drive repository's exclusive lock; also when only scratch debris is left. A manifest on the drive that cannot
 * be read makes collectGarbage refuse to remove packs: the snapshots are still deleted and `warning` says why
 * no space was freed. Throws on I/O errors (a full or vanished drive).
 */
export async function pruneDrive(src: Repository, repoDir: string, union: SnapshotForDrive[], policy: DrivePolicy, timeZone: string | undefined): Promise<{ removed: string[]; bytesFreed: number; warning?: string }> {
  if (!(await Repository.exists(repoDir))) return { removed: [], bytesFreed: 0 };
  const decision = pruneOnDrive(union, policy, { timeZone });
  const debris = (await fs.readdir(path.join(repoDir, 'tmp')).catch(() => [] as string[])).length > 0;
  if (decision.remove.length === 0 && !debris) return { removed: [], bytesFreed: 0 };
  const dest = await openDrive(src, repoDir);
  const lock = await acquireLock(path.join(repoDir, 'locks'), { name: 'repo', kind: 'exclusive', purpose: 'prune of a USB drive', waitMs: 60_000 });
  try {
    for (const id of decision.remove) await dest.deleteManifest(id);
    await fsyncDir(path.join(repoDir, 'snapshots'));
    try {
      const gc = await collectGarbage(dest, { dryRun: false });
      return { removed: decision.remove, bytesFreed: gc.bytesFreed };
    } catch (err) {
      if (err instanceof LifeboatError && err.code === 'corrupt') return { removed: decision.remove, bytesFreed: 0, warning: err.message };
      throw err;
    }
  } finally {
    await dest.closeFiles();
    await lock.release();
  }
}

/** Removes packs no index names and scratch files (after a copy that did not fit), under the exclusive lock. Throws like collectGarbage. */
export async function tidy(src: Repository, repoDir: string): Promise<void> {
  const dest = await openDrive(src, repoDir);
  const lock = await acquireLock(path.join(repoDir, 'locks'), { name: 'repo', kind: 'exclusive', purpose: 'tidy of a USB drive', waitMs: 60_000 });
  try {
    await collectGarbage(dest, { dryRun: false });
  } finally {
    await dest.closeFiles();
    await lock.release();
  }
}

/**
 * copySnapshots creates its destination when it finds none (engine/copy-snapshots.ts, ensureTwin; and its
 * lock folder with mkdir -p): a drive unmounted just before or during such a call gets a twin, or the start
 * of one, written into the bare mount-point folder on the system disk. Such a stray folder lacks the drive's
 * id file (which lives on the real drive and is ensured before every copy) and holds only what a repository
 * holds, with our id or none: remove it, and nothing else.
 */
export async function removeStrayTwin(repoDir: string, repoId: string): Promise<void> {
  const names = await fs.readdir(repoDir).catch(() => undefined);
  if (!names) return;
  const repoNames = new Set<string>([CONFIG_FILE, 'HOW-TO-RESTORE.txt', ...DIRS]);
  if (names.some((n) => !repoNames.has(n))) return; // the drive's id file, or something that is not ours
  const config = await readConfig(repoDir).catch(() => 'unreadable' as const);
  if (config === 'unreadable' || (config && config.id !== repoId)) return;
  await fs.rm(repoDir, { recursive: true, force: true }).catch(() => {});
}

/**
 * Lock files on the drive that name this very process: left by an operation that failed when the drive
 * vanished (its release could not delete them). No other copy to this drive runs in this process (see
 * `active`), and process-lock.ts never treats a live pid's lock as stale, so without this a drive pulled
 * once would block the next prune until the process restarts.
 */
export async function removeOwnLocks(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.lock')) continue;
    const file = path.join(dir, name);
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    } catch {
      continue; // torn by the pull: process-lock ignores it, and removes it once it is a minute old
    }
    if (info.pid === process.pid && info.host === os.hostname()) await fs.rm(file, { force: true });
  }
}

/**
 * Flushes the drive's repository folders. Every file copy-snapshots writes is already fsynced with its folder
 * (fsync of a file on vfat/exfat/ext4, kernel or FUSE exFAT, also flushes the allocation tables), so this
 * only covers the deletions of a prune; a whole-volume `sync -f` measured 30-50 ms more for nothing.
 */
export async function syncDrive(repoDir: string): Promise<void> {
  for (const d of [repoDir, path.join(repoDir, 'snapshots'), path.join(repoDir, 'index'), path.join(repoDir, 'packs')]) await fsyncDir(d).catch(() => {});
}
