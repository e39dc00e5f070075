// Test data that changes between snapshots: an office database edited like an application would, and an
// office folder (letters, a ledger big enough to need chunk lists, incompressible scans, empty things).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { createOfficeDb } from '../../src-main/core/sources/demo-office-db.ts';
import { readTree, type TreeContent } from './fs-state.ts';

/** What a SQLite database holds, compared logically (a restored copy need not be byte-identical to the live file). */
export interface SqliteContent { integrity: string; counts: Record<string, number>; rowsSha256: string }

/** integrity_check, per-table row counts and a hash of every row of every table in rowid order. */
export function sqliteContent(file: string): SqliteContent {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    const counts: Record<string, number> = {};
    const hash = crypto.createHash('sha256');
    for (const t of tables) {
      counts[t] = db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number;
      hash.update(`table ${t}\n`);
      for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().iterate()) hash.update(JSON.stringify(row) + '\n');
    }
    return { integrity, counts, rowsSha256: hash.digest('hex') };
  } finally {
    db.close();
  }
}

/** A fresh office database of about `bytes` (WAL mode, like a live application's). */
export function makeOfficeDb(file: string, bytes: number, seed = 1): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  createOfficeDb(file, { targetBytes: bytes, seed, journalMode: 'wal' });
}

/**
 * Edits the database the way the office does during a day: a few invoices paid, some notes written, a
 * new customer with invoices. Touches a handful of pages, so the next snapshot shares most chunks.
 */
export function editOfficeDb(file: string, round: number): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      db.prepare("UPDATE invoices SET status = 'paid' WHERE id % 97 = ?").run(round % 97);
      db.prepare("UPDATE customers SET notes = notes || ? WHERE id % 13 = ?").run(` Follow-up round ${round}.`, round % 13);
      const cid = (db.prepare('SELECT max(id) FROM customers').pluck().get() as number) + 1;
      db.prepare("INSERT INTO customers (id, name, email, phone, address) VALUES (?, ?, ?, '01234 567890', '1 High Street')").run(cid, `Round ${round} Ltd`, `round${round}@example.com`);
      const inv = (db.prepare('SELECT max(id) FROM invoices').pluck().get() as number) + 1;
      for (let i = 0; i < 40; i++) {
        db.prepare("INSERT INTO invoices (id, customer_id, number, issued_at, due_at, status, total_cents) VALUES (?, ?, ?, '2026-01-05', '2026-02-05', 'sent', 1000)").run(inv + i, cid, `R${round}-${i}`);
        for (let l = 1; l <= 3; l++) db.prepare("INSERT INTO invoice_lines (invoice_id, line_no, description, qty, unit_cents) VALUES (?, ?, 'Course place', 1, 1000)").run(inv + i, l);
      }
    })();
  } finally {
    db.close();
  }
}

/** Compressible text like a ledger export, deterministic in (seed, bytes). */
export function ledgerText(bytes: number, seed: number): Buffer {
  const words = ['invoice', 'paid', 'course', 'first aid', 'refund', 'delegate', 'room hire', 'Kingsbridge', 'Harbour Bakery Ltd', 'overdue'];
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = `${next() % 100000},${words[next() % words.length]},${(next() % 100000) / 100},2026-0${(next() % 9) + 1}-1${next() % 9}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/**
 * Writes version `v` (1, 2, 3...) of an office folder into `dir` and returns what it holds.
 * v1: letters, an incompressible scan, a 2.3 MB ledger (more than 32 chunks of 64 KiB: stored through chunk
 * lists), an empty file and an empty folder. Each later version edits a letter, changes a few bytes in the
 * middle of the ledger, adds a file and rewrites part of the scan, so every version adds new chunks.
 */
export function writeOfficeFolder(dir: string, v: number): TreeContent {
  const w = (rel: string, data: Buffer | string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  };
  if (v === 1) {
    w('readme.txt', 'Office shared folder. Ask Priya before deleting anything.\n');
    w('letters/2026-01-client.txt', 'Dear Mr Okafor,\nThank you for booking the First Aid course.\n');
    w('letters/archive/2025/old.txt', 'Archived letter.\n');
    w('scans/id-card.bin', crypto.randomBytes(200 * 1024));
    w('ledger.csv', ledgerText(2_300_000, 7));
    w('empty.txt', '');
    fs.mkdirSync(path.join(dir, 'empty-folder'), { recursive: true });
  } else {
    w('letters/2026-01-client.txt', `Dear Mr Okafor,\nThank you for booking (revision ${v}).\n`);
    const ledger = fs.readFileSync(path.join(dir, 'ledger.csv'));
    ledger.write(`EDITED-IN-VERSION-${v}`, 1_000_000 + v * 70_000);
    w('ledger.csv', ledger);
    w(`letters/new-in-v${v}.txt`, `Written for version ${v}: ${crypto.randomBytes(16).toString('hex')}\n`);
    const scan = fs.readFileSync(path.join(dir, 'scans/id-card.bin'));
    crypto.randomFillSync(scan, 0, 4096);
    w('scans/id-card.bin', scan);
  }
  return readTree(dir);
}
