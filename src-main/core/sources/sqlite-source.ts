import fs from 'node:fs/promises';
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LifeboatError, explainFsError, isErrno } from '../errors.ts';
import type { SqliteFacts } from '../repository/manifest.ts';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks that `file` is something we can back up as a SQLite database, with a message a person understands
 * for each way it is not: missing, a directory, empty, or not SQLite.
 */
export async function assertSqliteFile(file: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new LifeboatError('not-found', `${file} does not exist`);
    throw explainFsError(err, file);
  }
  if (st.isDirectory()) throw new LifeboatError('bad-input', `${file} is a directory, not a SQLite database (use --folder for a folder)`);
  if (!st.isFile()) throw new LifeboatError('bad-input', `${file} is not a regular file`);
  if (st.size === 0) throw new LifeboatError('bad-input', `${file} is empty: not a SQLite database yet`);
  const h = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    await h.read(head, 0, 16, 0);
    if (!head.equals(HEADER)) throw new LifeboatError('bad-input', `${file} is not a SQLite database (its header is not "SQLite format 3")`);
  } finally {
    await h.close();
  }
}

/**
 * Copies a live database to `dest` consistently with SQLite's online backup API, all pages in ONE step:
 * with the default 100-page steps a copy restarts on every foreign commit and never finishes under a busy
 * writer. In WAL mode writers go on meanwhile; in rollback-journal mode they wait for the copy (about 1-2 s
 * per 500 MB here). `dest` must not exist.
 */
export async function copySqliteConsistent(src: string, dest: string): Promise<void> {
  const db = openLiveReadonly(src, 30_000);
  try {
    await db.backup(dest, { progress: () => 0x7fffffff });
  } catch (err) {
    const explained = explainFsError(err, dest); // before the cleanup frees the space or inode that ran out
    await fs.rm(dest, { force: true }).catch(() => {});
    throw explained;
  } finally {
    db.close();
  }
}

/** Page size, page count, quick_check and per-table row counts of a (quiet) database file. */
export function sqliteFacts(file: string, journalMode: string): SqliteFacts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const qc = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check);
    return { pageSize, pageCount, journalMode, quickCheck: qc.join('; '), tables: tableCounts(db) };
  } finally {
    db.close();
  }
}

/** Row counts of every ordinary table (virtual tables are skipped: counting them may need their module). */
export function tableCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").pluck().all() as string[];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = db.prepare(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`).pluck().get() as number;
  return out;
}

/** The journal mode of a live database, read without changing it. */
export function journalModeOf(file: string): string {
  const db = openLiveReadonly(file, 10_000);
  try {
    return String(db.pragma('journal_mode', { simple: true }));
  } finally {
    db.close();
  }
}

/**
 * A cheap description of a database's state on disk: sizes and mtimes of the file and its WAL, and the
 * header's change counter. Equal fingerprints mean unchanged only when every mtime is older than when the
 * earlier fingerprint was taken (see `unchangedSince`), as git does for "racily clean" files.
 */
export async function sqliteFingerprint(file: string): Promise<{ fingerprint: string; newestMtimeMs: number }> {
  const parts: string[] = [];
  let newest = 0;
  for (const f of [file, `${file}-wal`]) {
    const st = await fs.stat(f).catch(() => undefined);
    if (!st) { parts.push(`${f}:none`); continue; }
    newest = Math.max(newest, st.mtimeMs);
    parts.push(`${st.ino}:${st.size}:${st.mtimeMs}`);
  }
  const h = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(100);
    await h.read(head, 0, 100, 0);
    parts.push(head.subarray(24, 28).toString('hex'), head.subarray(92, 100).toString('hex'));
  } finally {
    await h.close();
  }
  return { fingerprint: parts.join('|'), newestMtimeMs: newest };
}

/** Removes a scratch database and the -wal, -shm and -journal files SQLite may have left beside it. */
export async function removeSqliteFiles(file: string): Promise<void> {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) await fs.rm(f, { force: true }).catch(() => {});
}

/** Removes what opening a scratch copy left beside it (its main file stays). */
export async function removeSqliteSidecars(file: string): Promise<void> {
  for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) await fs.rm(f, { force: true }).catch(() => {});
}

/** sqliteFacts on a worker thread: the same result, without blocking the caller's thread. */
export function sqliteFactsInWorker(file: string, journalMode: string): Promise<SqliteFacts> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const worker = new Worker(new URL(`./sqlite-facts-worker${ext}`, import.meta.url), { workerData: { file, journalMode } });
  return new Promise<SqliteFacts>((resolve, reject) => {
    worker.once('message', (m: { facts?: SqliteFacts; error?: string }) => (m.facts ? resolve(m.facts) : reject(new Error(`cannot read the copy of the database: ${m.error}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`facts worker exited with code ${code}`)); });
  }).finally(() => { void worker.terminate(); });
}

/** The page size recorded in a database file's header (bytes 16-17; 1 means 65536). */
export function pageSizeOf(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, 16);
    const v = b.readUInt16BE(0);
    return v === 1 ? 65536 : v;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a live database read-only (Lifeboat never writes to the office's data while backing it up). One
 * exception: a hot journal left by a program killed mid-transaction (rollback-journal mode) can only be
 * rolled back by a read-write connection, and until then every read-only open fails with
 * SQLITE_READONLY_ROLLBACK. Opening it read-write once does exactly what any SQLite client would do first:
 * roll the unfinished transaction back. Then the read-only open is retried.
 */
export function openLiveReadonly(file: string, timeout: number): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_READONLY_ROLLBACK') throw err;
  }
  const rw = new Database(file, { fileMustExist: true, timeout });
  try {
    rw.prepare('SELECT count(*) FROM sqlite_schema').get();
  } finally {
    rw.close();
  }
  return new Database(file, { readonly: true, fileMustExist: true, timeout });
}
