// Content fingerprints of an office database (see src-main/core/sources/demo-office-db.ts), for tests
// that must tell "exactly this content" from "a mix of two", and a way to open a database after a
// crash the way the office application would.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

export type OfficeContent = { invoices: number; lines: number; customers: number; documents: number; hash: string };

export type Sidecars = { journalBytes: number; walBytes: number };

export type CrashImage = { hotJournal: boolean; invoices: number };

const TABLES = ['customers', 'invoices', 'invoice_lines', 'documents'] as const;

/**
 * Counts and a SHA-256 over every row of every office table, in primary-key order, read in one
 * transaction. Two databases with the same hash hold the same rows, whatever their page layout.
 * Opens read-only: after a crash call `openLikeTheApp` first, as a read-only connection cannot
 * roll back a hot journal.
 */
export function officeContent(file: string): OfficeContent {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    return db.transaction((): OfficeContent => {
      const hash = createHash('sha256');
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        let n = 0;
        hash.update(`${table}\n`);
        for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY id`).raw().iterate()) {
          hash.update(`${JSON.stringify(row)}\n`);
          n++;
        }
        counts[table] = n;
      }
      return { invoices: counts.invoices!, lines: counts.invoice_lines!, customers: counts.customers!, documents: counts.documents!, hash: hash.digest('hex') };
    })();
  } finally {
    db.close();
  }
}

/**
 * Sizes of the -journal and -wal files beside `file` (0 when absent). Only looks at the files, so
 * it can be called before anything opens the database after a crash.
 */
export function sidecarSizes(file: string): Sidecars {
  const size = (f: string): number => { try { return fs.statSync(f).size; } catch { return 0; } };
  return { journalBytes: size(`${file}-journal`), walBytes: size(`${file}-wal`) };
}

/**
 * What the office application will find when it next opens `file`, learnt without touching it:
 * the main file and its -journal or -wal are copied to `scratchDir`. `hotJournal` is SQLite's own
 * verdict (a read-only connection to the copy is refused with SQLITE_READONLY_ROLLBACK); the copy
 * is then opened read-write, which rolls back or recovers, and its invoices counted.
 */
export function crashImage(file: string, scratchDir: string): CrashImage {
  fs.mkdirSync(scratchDir, { recursive: true });
  const image = path.join(scratchDir, `${path.basename(file)}.image`);
  const clear = (): void => { for (const s of ['', '-wal', '-shm', '-journal']) fs.rmSync(image + s, { force: true }); };
  clear();
  try {
    fs.copyFileSync(file, image);
    for (const suffix of ['-wal', '-journal']) if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, image + suffix);
    let hotJournal = false;
    try {
      const ro = new Database(image, { readonly: true, fileMustExist: true });
      try {
        ro.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
      } finally {
        ro.close();
      }
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_READONLY_ROLLBACK') throw err;
      hotJournal = true;
    }
    const db = new Database(image, { fileMustExist: true });
    try {
      return { hotJournal, invoices: db.prepare('SELECT count(*) FROM invoices').pluck().get() as number };
    } finally {
      db.close();
    }
  } finally {
    clear();
  }
}

/**
 * Opens `file` read-write and reads its schema, as the office application does at its next start:
 * SQLite rolls back a hot journal or recovers the WAL here. Closing the last connection checkpoints
 * a WAL database.
 */
export function openLikeTheApp(file: string): void {
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
  } finally {
    db.close();
  }
}
