// SQLite sources get the same table restore and dry run as database servers: one transaction replaces only
// the named tables, after a safety snapshot; a dry run compares live and snapshot row counts and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createOfficeDb, checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { cliJson, runCli, tempDir } from '../helpers/cli.ts';

test('SQLite: --dry-run and --tables replace only the named table, in one transaction, after a safety snapshot', async () => {
  const t = tempDir();
  try {
    const db = path.join(t.dir, 'office.db');
    const dataDir = path.join(t.dir, 'data');
    createOfficeDb(db, { targetBytes: 1 << 20, seed: 4, journalMode: 'wal' });
    await cliJson(['source', 'add', '--name', 'office', '--sqlite', db], { dataDir });
    const [snap] = await cliJson<Array<{ id: string }>>(['backup'], { dataDir });
    const count = (table: string) => {
      const d = new Database(db, { readonly: true });
      try {
        return (d.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    const documents = count('documents');
    const d = new Database(db);
    d.exec("DELETE FROM documents WHERE id IN (SELECT id FROM documents LIMIT 2); UPDATE customers SET notes = 'changed after the snapshot' WHERE id = 1");
    d.close();
    const plan = await cliJson<{ tables: Array<{ table: string; live: number; snapshot: number; replaced: boolean }> }>(['restore', snap!.id, '--dry-run', '--tables', 'documents'], { dataDir });
    const docs = plan.tables.find((x) => x.table === 'documents')!;
    assert.deepEqual([docs.live, docs.snapshot, docs.replaced], [documents - 2, documents, true]);
    assert.equal(plan.tables.find((x) => x.table === 'customers')!.replaced, false);
    assert.equal(count('documents'), documents - 2, 'a dry run changes nothing');
    const r = await runCli(['restore', snap!.id, '--tables', 'documents', '--yes'], { dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /safety snapshot/);
    assert.equal(count('documents'), documents);
    const check = new Database(db, { readonly: true });
    assert.equal((check.prepare('SELECT notes FROM customers WHERE id = 1').get() as { notes: string }).notes, 'changed after the snapshot', 'the table not named is untouched');
    check.close();
    assert.equal(checkOfficeInvariant(db).ok, true);
    const bad = await runCli(['restore', snap!.id, '--tables', 'nope', '--yes'], { dataDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no table nope/);
  } finally {
    t.cleanup();
  }
});
