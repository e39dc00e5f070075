import fs from 'node:fs/promises';
import path from 'node:path';
import { removeDeadScratch, scratchName } from '../util/scratch-files.ts';
import Database from 'better-sqlite3';
import { CorruptError, LifeboatError, explainFsError, isErrno } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import { resolveInside, type Manifest } from '../repository/manifest.ts';
import { fsyncDir } from '../util/durable-file.ts';
import { checkSqliteCopy } from './verify.ts';
import { removeSqliteFiles, removeSqliteSidecars } from '../sources/sqlite-source.ts';
import { rebuildFile } from './rebuild.ts';

export interface RestoreResult { snapshot: string; source: string; target: string; live: boolean; checks: string[]; safetySnapshot?: string; rolledBack?: boolean }

/**
 * Restores a snapshot. With `live` false it writes a copy to `target` (refusing to replace an existing
 * file or non-empty folder unless `overwrite`). With `live` true, `target` is the live data: the snapshot is
 * rebuilt and checked beside it first, then `takeSafety` snapshots the current data, then the content is
 * written in (SQLite: through the backup API, so other connections see it with the right locks; never a
 * rename over a file another process has open), checked again, and on any failure the safety snapshot
 * is put back. Either the restore fully happens or the live data is as it was.
 */
export async function restoreSnapshot(repo: Repository, m: Manifest, opts: {
  target: string; live: boolean; overwrite: boolean;
  takeSafety?: () => Promise<Manifest | undefined>;
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<RestoreResult> {
  await repo.loadIndex();
  const target = path.resolve(opts.target);
  const result: RestoreResult = { snapshot: m.id, source: m.source.name, target, live: opts.live, checks: [] };
  await removeDeadScratch(path.dirname(target));
  try {
    if (m.source.kind === 'sqlite') await restoreSqlite(repo, m, target, opts, result);
    else await restoreFolder(repo, m, target, opts, result);
  } finally {
    await repo.closeFiles();
  }
  return result;
}

async function restoreSqlite(repo: Repository, m: Manifest, target: string, opts: Parameters<typeof restoreSnapshot>[2], result: RestoreResult): Promise<void> {
  const entry = m.files.find((f) => f.type === 'file');
  if (!entry) throw new CorruptError(`snapshot ${m.id}`, 'holds no database file');
  const exists = await fs.stat(target).then((s) => s, () => undefined);
  if (exists?.isDirectory()) throw new LifeboatError('bad-input', `${target} is a folder; give the path of the database file to write`);
  if (!opts.live && exists && !opts.overwrite) throw new LifeboatError('exists', `${target} already exists; add --yes to replace it`);
  await fs.mkdir(path.dirname(target), { recursive: true }).catch((err: unknown) => { throw explainFsError(err, target); });

  const tmp = path.join(path.dirname(target), scratchName(`.${path.basename(target)}.restore`));
  let done = 0;
  try {
    opts.onProgress?.('rebuilding', 0, entry.size);
    await rebuildFile(repo, entry, tmp, (n) => opts.onProgress?.('rebuilding', (done += n), entry.size));
    result.checks.push(`rebuilt ${entry.size} bytes; every chunk and the whole-file SHA-256 match`);
    const problems = checkSqliteCopy(tmp, m, 'quick_check');
    if (problems.length) throw new CorruptError(`snapshot ${m.id}`, problems.join('; '));
    result.checks.push('quick_check ok; row counts match the manifest');

    if (!opts.live || !exists) {
      await removeSqliteSidecars(tmp);
      // A -wal or -journal left beside the target belongs to the file being replaced (or to one deleted
      // earlier): SQLite would replay it over the restored pages. It goes with the old file.
      await removeSqliteSidecars(target);
      await fs.rename(tmp, target);
      await fsyncDir(path.dirname(target));
      return;
    }
    if (!(await isSqlite(target))) {
      // The live file is not a database any more (overwritten, truncated): no program can be using it as
      // one. Keep it aside as the safety copy, and put the restored file in its place.
      const aside = `${target}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(target, aside);
      for (const s of ['-wal', '-journal', '-shm']) await fs.rename(target + s, aside + s).catch(() => {});
      await removeSqliteSidecars(tmp);
      await fs.rename(tmp, target);
      await fsyncDir(path.dirname(target));
      result.checks.push(`the live file was not a SQLite database: kept aside as ${aside}`);
      return;
    }
    const safety = await opts.takeSafety?.();
    if (safety) result.safetySnapshot = safety.id;
    opts.onProgress?.('writing', 0, 1);
    try {
      await writeIntoLive(tmp, target);
      const after = quickCheckLive(target);
      if (after !== 'ok') throw new CorruptError('the restored live database', after);
      result.checks.push('live database: quick_check ok');
    } catch (err) {
      if (!safety) throw err;
      // Put the data back as it was before this restore started.
      const back = path.join(path.dirname(target), scratchName(`.${path.basename(target)}.rollback`));
      try {
        await rebuildFile(repo, safety.files.find((f) => f.type === 'file')!, back);
        await writeIntoLive(back, target);
        result.rolledBack = true;
      } finally {
        await removeSqliteFiles(back);
      }
      throw new LifeboatError('failed', `restore failed and the live database was put back as it was (safety snapshot ${safety.id}): ${(err as Error).message}`, { cause: err });
    }
  } finally {
    await removeSqliteFiles(tmp);
  }
}

/**
 * Copies every page of `src` into the live database `target` in one backup step: one write transaction on
 * the target, so a crash mid-way leaves the old content (SQLite rolls the hot journal or WAL back).
 */
async function writeIntoLive(src: string, target: string): Promise<void> {
  const db = new Database(src, { readonly: true, fileMustExist: true });
  try {
    const deadline = Date.now() + 60_000;
    await db.backup(target, {
      progress: ({ remainingPages }) => {
        // remainingPages > 0 after the all-pages step means the target was busy (another writer): try again.
        if (remainingPages > 0 && Date.now() > deadline) throw new LifeboatError('busy', `${target} stayed locked by another program for a minute; nothing was changed`);
        return 0x7fffffff;
      },
    });
  } catch (err) {
    if (err instanceof LifeboatError) throw err;
    const msg = (err as Error).message;
    if (/page size/i.test(msg) || (err as { code?: string }).code === 'SQLITE_READONLY') {
      throw new LifeboatError('failed', `cannot write into ${target}: ${msg}`, { cause: err });
    }
    throw explainFsError(err, target);
  } finally {
    db.close();
  }
}

async function restoreFolder(repo: Repository, m: Manifest, target: string, opts: Parameters<typeof restoreSnapshot>[2], result: RestoreResult): Promise<void> {
  const existing = await fs.readdir(target).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) return undefined;
    if (isErrno(err, 'ENOTDIR')) throw new LifeboatError('bad-input', `${target} is a file, not a folder`);
    throw err;
  });
  if (!opts.live && existing && existing.length > 0 && !opts.overwrite) throw new LifeboatError('exists', `${target} is not empty; add --yes to write into it`);
  // Every path is checked before anything is written: a tampered manifest cannot reach outside the target.
  const planned = m.files.map((f) => ({ f, abs: resolveInside(target, f.path) }));
  const stage = path.join(path.dirname(target), scratchName(`.${path.basename(target)}.restore`));
  try {
    await fs.mkdir(stage, { recursive: true });
    for (const { f } of planned.filter((p) => p.f.type === 'dir')) await fs.mkdir(resolveInside(stage, f.path), { recursive: true });
    let n = 0;
    for (const { f } of planned.filter((p) => p.f.type === 'file')) {
      const dest = resolveInside(stage, f.path);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await rebuildFile(repo, f, dest);
      opts.onProgress?.('rebuilding', ++n, planned.length);
    }
    result.checks.push(`rebuilt ${n} files; every chunk and whole-file SHA-256 match`);
    if (opts.live && existing) {
      const safety = await opts.takeSafety?.();
      if (safety) result.safetySnapshot = safety.id;
    }
    await fs.mkdir(target, { recursive: true });
    // Text checks are not enough: a folder inside the target may since have become a symbolic link to
    // somewhere else. Every existing component below the target must be a real folder (or the file itself).
    for (const { abs } of planned) await assertNoLinkBelow(target, abs);
    for (const { f, abs } of planned) {
      if (f.type === 'dir') { await fs.mkdir(abs, { recursive: true }); continue; }
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.rename(resolveInside(stage, f.path), abs);
    }
    result.checks.push('files moved into place one by one (each by atomic rename)');
  } catch (err) {
    throw explainFsError(err, target);
  } finally {
    await fs.rm(stage, { recursive: true, force: true }).catch(() => {});
  }
}

/** quick_check of the live database after the restore (row counts were compared on the rebuilt copy: the
 * office's program may already be writing again). */
function quickCheckLive(file: string): string {
  const db = new Database(file, { fileMustExist: true, timeout: 30_000 });
  try {
    return (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).join('; ').slice(0, 300);
  } finally {
    db.close();
  }
}

/** Throws if any existing path component between `root` (exclusive) and `abs` is a symbolic link. */
async function assertNoLinkBelow(root: string, abs: string): Promise<void> {
  const rel = path.relative(root, abs).split(path.sep);
  let cur = root;
  for (const part of rel) {
    cur = path.join(cur, part);
    const st = await fs.lstat(cur).catch(() => undefined);
    if (!st) return;
    if (st.isSymbolicLink()) throw new LifeboatError('failed', `refusing to restore through ${cur}: it is a symbolic link (it could lead outside ${root}); nothing was written`);
  }
}

async function isSqlite(file: string): Promise<boolean> {
  const h = await fs.open(file, 'r').catch(() => undefined);
  if (!h) return false;
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await h.read(head, 0, 16, 0);
    return bytesRead === 16 && head.toString('latin1') === 'SQLite format 3\0';
  } finally {
    await h.close();
  }
}
