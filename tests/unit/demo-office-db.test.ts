import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { startOfficeWriter } from '../helpers/office-writer-process.ts';

const MB = 1024 * 1024;
let dir = '';

before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-office-db-')); });
after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function journalModeOf(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('journal_mode', { simple: true }) as string;
  } finally {
    db.close();
  }
}

function invoicesDigest(file: string): { customers: number; invoices: number; lines: number; documents: number; hash: string } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const hash = createHash('sha256');
    for (const row of db.prepare('SELECT * FROM invoices ORDER BY id').raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
    for (const row of db.prepare('SELECT * FROM invoice_lines ORDER BY id').raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
    return {
      customers: count('customers'), invoices: count('invoices'), lines: count('invoice_lines'),
      documents: count('documents'), hash: hash.digest('hex'),
    };
  } finally {
    db.close();
  }
}

for (const journalMode of ['wal', 'delete'] as const) {
  test(`createOfficeDb builds a ~5 MB consistent database in ${journalMode} mode`, () => {
    const file = path.join(dir, `build-${journalMode}.db`);
    const progress: number[] = [];
    const result = createOfficeDb(file, { targetBytes: 5 * MB, seed: 3, journalMode, onProgress: (b) => progress.push(b) });

    assert.equal(result.path, file);
    assert.equal(result.bytes, fs.statSync(file).size);
    assert.ok(result.bytes >= 5 * MB && result.bytes <= 5.25 * MB, `size ${result.bytes} not near 5 MB`);
    assert.ok(result.invoices > 1000, `only ${result.invoices} invoices`);
    assert.ok(progress.length > 0 && progress.at(-1)! >= 5 * MB);
    assert.equal(journalModeOf(file), journalMode);

    const check = checkOfficeInvariant(file);
    assert.deepEqual(check, { ok: true, invoices: result.invoices, badInvoices: 0, integrity: 'ok' });
  });
}

for (const journal of ['wal', 'delete'] as const) {
  test(`the office writer keeps the invariant in ${journal} mode`, async () => {
    const file = path.join(dir, `writer-${journal}.db`);
    const built = createOfficeDb(file, { targetBytes: 2 * MB, seed: 5, journalMode: journal });
    const writer = await startOfficeWriter(file, { rate: 20, journal });
    assert.ok(writer.pid > 0);
    await new Promise((resolve) => setTimeout(resolve, 750));
    // A reader in the middle of the run must see whole transactions only.
    const midway = checkOfficeInvariant(file);
    assert.equal(midway.ok, true, JSON.stringify(midway));
    await new Promise((resolve) => setTimeout(resolve, 750));
    const stats = await writer.stop();

    assert.ok(stats.transactions > 0, JSON.stringify(stats));
    assert.equal(stats.errors, 0);
    assert.ok(Number.isFinite(stats.maxStallMs) && stats.maxStallMs >= 0);
    const check = checkOfficeInvariant(file);
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(check.invoices, built.invoices + stats.transactions);
    assert.equal(journalModeOf(file), journal);
  });
}

test('the same seed gives the same content, a different seed different content', () => {
  const build = (name: string, seed: number): ReturnType<typeof invoicesDigest> => {
    const file = path.join(dir, name);
    createOfficeDb(file, { targetBytes: 2 * MB, seed, journalMode: 'delete' });
    return invoicesDigest(file);
  };
  const a = build('seed-a.db', 42);
  const b = build('seed-b.db', 42);
  const c = build('seed-c.db', 43);
  assert.deepEqual(a, b);
  assert.equal(a.lines, a.invoices * 3);
  assert.notEqual(a.hash, c.hash);
});
