// The bench's database: built once with createOfficeDb and cached, then copied for each use; plus the
// "1% of rows changed" edit and the page-level diff that says what a perfect incremental would store.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
// makeRand: seeded mulberry32, so that every configuration gets the very same edits.
import { createOfficeDb, makeRand } from '../../src-main/core/sources/demo-office-db.ts';

export const PAGE = 4096;

export interface CachedDb { path: string; bytes: number; invoices: number; buildMs: number | null; cached: boolean }

/** Returns the cached office database of about `mb` MiB (WAL mode), building it first if needed. */
export function cachedOfficeDb(cacheDir: string, mb: number, log: (s: string) => void): CachedDb {
  fs.mkdirSync(cacheDir, { recursive: true });
  // The file name carries everything that decides its content (createOfficeDb is deterministic).
  const file = path.join(cacheDir, `office-${mb}MiB-seed1.db`);
  const meta = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(meta)) {
    const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as { bytes: number; invoices: number; buildMs: number };
    if (fs.statSync(file).size === m.bytes) return { path: file, bytes: m.bytes, invoices: m.invoices, buildMs: m.buildMs, cached: true };
  }
  const tmp = `${file}.building`;
  log(`building a ${mb} MiB office database (once; cached in ${cacheDir}) ...`);
  const t0 = performance.now();
  let lastLog = 0;
  const r = createOfficeDb(tmp, {
    targetBytes: mb * 1024 * 1024, seed: 1, journalMode: 'wal',
    onProgress: (b) => {
      if (performance.now() - lastLog > 5000) { lastLog = performance.now(); log(`  ${(b / 2 ** 20).toFixed(0)} MiB`); }
    },
  });
  const buildMs = performance.now() - t0;
  for (const s of ['-wal', '-shm']) fs.rmSync(tmp + s, { force: true });
  fs.renameSync(tmp, file);
  fs.writeFileSync(meta, JSON.stringify({ bytes: r.bytes, invoices: r.invoices, buildMs: Math.round(buildMs) }) + '\n');
  log(`  built ${r.bytes} bytes, ${r.invoices} invoices in ${(buildMs / 1000).toFixed(1)} s`);
  return { path: file, bytes: r.bytes, invoices: r.invoices, buildMs, cached: false };
}

/** A fresh working copy (no -wal/-shm) of `src` at `dest`, optionally switched to rollback-journal mode. */
export function copyDb(src: string, dest: string, journal: 'wal' | 'delete' = 'wal'): void {
  for (const s of ['', '-wal', '-shm', '-journal']) fs.rmSync(dest + s, { force: true });
  fs.copyFileSync(src, dest);
  if (journal === 'delete') {
    const db = new Database(dest);
    try {
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  }
}

export interface EditResult { invoices: number; lines: number; ofInvoices: number; ms: number }

const STATUSES = ['draft', 'sent', 'paid', 'overdue', 'void'];

/**
 * Updates `fraction` of the invoices (status and total) and all their lines (qty and unit price), in one
 * transaction, then checkpoints the WAL back into the main file (TRUNCATE) so the file on disk holds the change.
 * `pattern` 'random': invoices chosen uniformly at random; 'recent': the newest invoices (highest ids), as an
 * office mostly touches recent records.
 */
export function editInvoices(file: string, fraction: number, pattern: 'random' | 'recent', seed: number): EditResult {
  const t0 = performance.now();
  const rand = makeRand(seed);
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const ids = db.prepare('SELECT id FROM invoices ORDER BY id').pluck().all() as number[];
    const k = Math.max(1, Math.round(ids.length * fraction));
    let chosen: number[];
    if (pattern === 'recent') chosen = ids.slice(ids.length - k);
    else {
      const set = new Set<number>();
      while (set.size < k) set.add(ids[Math.floor(rand() * ids.length)]!);
      chosen = [...set];
    }
    const lines = db.prepare('SELECT id FROM invoice_lines WHERE invoice_id = ? ORDER BY line_no').pluck();
    const updLine = db.prepare('UPDATE invoice_lines SET qty = ?, unit_cents = ? WHERE id = ?');
    const updInvoice = db.prepare('UPDATE invoices SET status = ?, total_cents = ? WHERE id = ?');
    let lineCount = 0;
    db.transaction(() => {
      for (const id of chosen) {
        let total = 0;
        for (const lineId of lines.all(id) as number[]) {
          const qty = 1 + Math.floor(rand() * 12);
          const unit = 300 + Math.floor(rand() * 30000);
          updLine.run(qty, unit, lineId);
          total += qty * unit;
          lineCount++;
        }
        updInvoice.run(STATUSES[Math.floor(rand() * STATUSES.length)], total, id);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { invoices: chosen.length, lines: lineCount, ofInvoices: ids.length, ms: performance.now() - t0 };
  } finally {
    db.close();
  }
}

/** One small committed write (a customer's notes), for the "right after a write" cases. */
export function touchOneRow(file: string, text: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('UPDATE customers SET notes = ? WHERE id = 1').run(text);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** SHA-1 of every 4096-byte page of `file`, concatenated (20 bytes per page). */
export function pageHashes(file: string): Buffer {
  const size = fs.statSync(file).size;
  const pages = Math.ceil(size / PAGE);
  const out = Buffer.alloc(pages * 20);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * PAGE);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let o = 0; o < n; o += PAGE) {
        const page = buf.subarray(o, Math.min(o + PAGE, n));
        crypto.createHash('sha1').update(page).digest().copy(out, ((pos + o) / PAGE) * 20);
      }
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

export interface PageDiff {
  pagesBefore: number;
  pagesAfter: number;
  changedPages: number;
  changedBytes: number;
  /** For each chunk size: how many chunk-aligned spans of the file contain at least one changed page. */
  changedChunks: Record<string, number>;
}

/**
 * Compares `after` with the page hashes of its earlier state and writes the changed (or new) pages,
 * concatenated, to `changedOut`.
 */
export function diffPages(before: Buffer, after: string, changedOut: string, chunkSizes: number[]): PageDiff {
  const now = pageHashes(after);
  const pagesBefore = before.length / 20;
  const pagesAfter = now.length / 20;
  const changed: number[] = [];
  for (let p = 0; p < pagesAfter; p++) {
    if (p >= pagesBefore || now.compare(before, p * 20, p * 20 + 20, p * 20, p * 20 + 20) !== 0) changed.push(p);
  }
  const fd = fs.openSync(after, 'r');
  const out = fs.openSync(changedOut, 'w');
  try {
    const page = Buffer.alloc(PAGE);
    for (const p of changed) {
      const n = fs.readSync(fd, page, 0, PAGE, p * PAGE);
      fs.writeSync(out, page, 0, n);
    }
  } finally {
    fs.closeSync(fd);
    fs.closeSync(out);
  }
  const changedChunks: Record<string, number> = {};
  for (const cs of chunkSizes) changedChunks[String(cs)] = new Set(changed.map((p) => Math.floor((p * PAGE) / cs))).size;
  return { pagesBefore, pagesAfter, changedPages: changed.length, changedBytes: fs.statSync(changedOut).size, changedChunks };
}
