import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LifeboatError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { Manifest } from '../repository/manifest.ts';
import { rebuildFile } from './rebuild.ts';
import { removeSqliteFiles, tableCounts } from '../sources/sqlite-source.ts';
import { scratchName } from '../util/scratch-files.ts';
import { planDbRestore, restoreDb, type TablePlan } from '../sources/db-restore.ts';
import type { DbLocation } from '../sources/db-url.ts';

/** Rebuilds a snapshot's single file (a SQLite database or a dump) into a scratch file; removed by `dispose`. */
export async function rebuildScratch(repo: Repository, m: Manifest, tmpDir: string): Promise<{ file: string; dispose(): Promise<void> }> {
  const entry = m.files.find((f) => f.type === 'file');
  if (!entry) throw new LifeboatError('corrupt', `snapshot ${m.id} holds no file`);
  await fs.mkdir(tmpDir, { recursive: true });
  const file = path.join(tmpDir, scratchName(`restore-${m.source.name}`, path.extname(entry.path)));
  await repo.loadIndex();
  try {
    await rebuildFile(repo, entry, file);
  } catch (err) {
    await removeSqliteFiles(file);
    throw err;
  }
  return { file, dispose: () => removeSqliteFiles(file) };
}

/** Table names as the user wrote them, matched to the snapshot's (PostgreSQL's are schema.table: `invoices` means `public.invoices`). */
export function resolveTables(tables: string[] | undefined, known: Record<string, number>): string[] | undefined {
  return tables?.map((t) => (t in known ? t : `public.${t}` in known ? `public.${t}` : t));
}

/** A dry run: what a restore of `m` would replace, with live and snapshot row counts per table. Changes nothing. */
export async function planRestore(m: Manifest, live: { sqlitePath?: string; db?: DbLocation; password?: string }, tmpDir: string, tables?: string[]): Promise<TablePlan[]> {
  if (m.db && live.db) return planDbRestore(live.db, live.password, tmpDir, m.db.tables, resolveTables(tables, m.db.tables));
  if (m.sqlite && live.sqlitePath) {
    const snapshot = m.sqlite.tables;
    const unknown = (tables ?? []).filter((t) => !(t in snapshot));
    if (unknown.length) throw new LifeboatError('bad-input', `the snapshot has no table ${unknown.join(', ')}`);
    const db = new Database(live.sqlitePath, { readonly: true, fileMustExist: true });
    let counts: Record<string, number>;
    try {
      counts = tableCounts(db);
    } finally {
      db.close();
    }
    return [...new Set([...Object.keys(counts), ...Object.keys(snapshot)])].sort().map((table) => ({ table, live: counts[table] ?? null, snapshot: snapshot[table] ?? null, replaced: !tables || tables.includes(table) }));
  }
  throw new LifeboatError('bad-input', `a dry run needs ${m.source.name} configured here (its live data is what is compared)`);
}

/**
 * Restores some tables of a SQLite snapshot into the live database, in one transaction (all or none): each
 * table's rows are replaced by the snapshot's; other tables are untouched. The schemas must match.
 */
export function restoreSqliteTables(livePath: string, snapshotFile: string, tables: string[], expected: Record<string, number>): string[] {
  const db = new Database(livePath, { fileMustExist: true, timeout: 30_000 });
  try {
    db.prepare('ATTACH DATABASE ? AS snap').run(snapshotFile);
    const q = (t: string) => `"${t.replace(/"/g, '""')}"`;
    db.transaction(() => {
      for (const t of tables) {
        db.exec(`DELETE FROM main.${q(t)}; INSERT INTO main.${q(t)} SELECT * FROM snap.${q(t)};`);
        const n = (db.prepare(`SELECT count(*) AS n FROM main.${q(t)}`).get() as { n: number }).n;
        // Throwing inside the transaction rolls all of it back.
        if (n !== expected[t]) throw new LifeboatError('failed', `table ${t} would have ${n} rows, the snapshot recorded ${expected[t]}: nothing was changed`);
      }
    }).immediate();
    db.exec('DETACH DATABASE snap');
    return [`table(s) ${tables.join(', ')} replaced in one transaction; row counts match the snapshot`];
  } finally {
    db.close();
  }
}

export { restoreDb };
