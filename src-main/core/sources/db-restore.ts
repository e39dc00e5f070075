import { LifeboatError } from '../errors.ts';
import { dbCredentials } from './db-credentials.ts';
import { countRows, dropLeftovers, dropStatement, load, scratchDatabaseName, sql } from './db-verify.ts';
import type { DbLocation } from './db-url.ts';

export interface TablePlan { table: string; live: number | null; snapshot: number | null; replaced: boolean }

/**
 * What a restore would do, table by table: rows in the live database and in the snapshot, and whether the
 * table would be replaced (all tables, or only `tables`). Reads only.
 */
export async function planDbRestore(db: DbLocation, password: string | undefined, tmpDir: string, snapshot: Record<string, number>, tables?: string[]): Promise<TablePlan[]> {
  const live = await countRows(db, password, tmpDir, db.database);
  const names = [...new Set([...Object.keys(live), ...Object.keys(snapshot)])].sort();
  checkTables(tables, snapshot);
  return names.map((table) => ({ table, live: live[table] ?? null, snapshot: snapshot[table] ?? null, replaced: !tables || tables.includes(table) }));
}

/**
 * Restores a dump into the live database, all of it or only `tables`. The dump is first loaded into a scratch
 * database and its row counts checked against the snapshot: a dump that does not restore never touches the
 * live data. Then:
 * - PostgreSQL: pg_restore --clean --single-transaction into the live database: all or nothing.
 * - MySQL/MariaDB, whole database: the dump is loaded in place (it drops and recreates each table); if that
 *   fails, `rollback` (the safety snapshot taken by the caller) is loaded back.
 * - MySQL/MariaDB, some tables: each is swapped in with one RENAME TABLE statement (atomic), the old tables
 *   dropped afterwards.
 * Afterwards the live row counts of the restored tables must match the snapshot. Scratch databases are
 * always dropped (and leftovers of killed runs at the start).
 */
export async function restoreDb(db: DbLocation, password: string | undefined, tmpDir: string, dumpFile: string, snapshot: Record<string, number>, opts: { tables?: string[]; rollback: () => Promise<void> }): Promise<string[]> {
  checkTables(opts.tables, snapshot);
  await dropLeftovers(db, password, tmpDir);
  const checks: string[] = [];
  const scratch = scratchDatabaseName();
  await sql(db, password, tmpDir, db.kind === 'mysql' ? `CREATE DATABASE \`${scratch}\`` : `CREATE DATABASE "${scratch}"`);
  try {
    await load(db, password, tmpDir, scratch, dumpFile);
    const staged = await countRows(db, password, tmpDir, scratch);
    const wanted = opts.tables ?? Object.keys(snapshot);
    const bad = wanted.filter((t) => staged[t] !== snapshot[t]);
    if (bad.length) throw new LifeboatError('corrupt', `the dump restored into a scratch database does not hold the recorded rows (${bad.map((t) => `${t}: ${staged[t] ?? 'none'} of ${snapshot[t]}`).join(', ')}); the live database was not touched`);
    checks.push(`the dump restores into a scratch database with the recorded rows (${wanted.length} table(s))`);

    if (db.kind === 'postgres') {
      await pgRestoreLive(db, password, tmpDir, dumpFile, opts.tables);
      checks.push('loaded into the live database in one transaction');
    } else if (opts.tables) {
      const old = scratchDatabaseName();
      await sql(db, password, tmpDir, `CREATE DATABASE \`${old}\``);
      try {
        const live = await countRows(db, password, tmpDir, db.database);
        const q = (d: string, t: string) => `\`${d.replace(/`/g, '``')}\`.\`${t.replace(/`/g, '``')}\``;
        const renames = opts.tables.flatMap((t) => [...(t in live ? [`${q(db.database, t)} TO ${q(old, t)}`] : []), `${q(scratch, t)} TO ${q(db.database, t)}`]);
        await sql(db, password, tmpDir, `RENAME TABLE ${renames.join(', ')}`);
      } finally {
        await sql(db, password, tmpDir, dropStatement(db, old));
      }
      checks.push(`table(s) ${opts.tables.join(', ')} swapped in at once (RENAME TABLE)`);
    } else {
      try {
        await load(db, password, tmpDir, db.database, dumpFile);
      } catch (err) {
        await opts.rollback();
        throw new LifeboatError('failed', `loading the dump into ${db.database} failed (${(err as Error).message}); the safety snapshot was loaded back`, { cause: err });
      }
      checks.push('loaded into the live database');
    }
    const after = await countRows(db, password, tmpDir, db.database);
    const wrong = (opts.tables ?? Object.keys(snapshot)).filter((t) => after[t] !== snapshot[t]);
    if (wrong.length) {
      if (db.kind === 'mysql' && !opts.tables) await opts.rollback();
      throw new LifeboatError('failed', `after the restore, ${wrong.map((t) => `${t} has ${after[t] ?? 'no'} rows, not ${snapshot[t]}`).join('; ')}${db.kind === 'mysql' && !opts.tables ? '; the safety snapshot was loaded back' : ''}`);
    }
    checks.push('the live row counts match the snapshot');
    return checks;
  } finally {
    await sql(db, password, tmpDir, dropStatement(db, scratch)).catch(() => {});
  }
}

function checkTables(tables: string[] | undefined, snapshot: Record<string, number>): void {
  const unknown = (tables ?? []).filter((t) => !(t in snapshot));
  if (unknown.length) throw new LifeboatError('bad-input', `the snapshot has no table ${unknown.join(', ')} (it has ${Object.keys(snapshot).join(', ') || 'none'})`);
}

async function pgRestoreLive(db: DbLocation, password: string | undefined, tmpDir: string, dumpFile: string, tables?: string[]): Promise<void> {
  const creds = await dbCredentials(db, password, tmpDir);
  try {
    // Table names are schema.table in the facts; pg_restore takes -n SCHEMA -t TABLE.
    const only = (tables ?? []).flatMap((t) => ['-t', t.includes('.') ? t.slice(t.indexOf('.') + 1) : t]);
    const args = [...creds.args, '-d', db.database, '--clean', '--if-exists', '--single-transaction', '--no-owner', '--no-privileges', '--exit-on-error', ...only, dumpFile];
    const { spawn } = await import('node:child_process');
    await new Promise<void>((resolve, reject) => {
      const child = spawn('pg_restore', args, { env: creds.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new LifeboatError('failed', `pg_restore into ${db.database} failed and changed nothing (one transaction): ${err.trim().split('\n').slice(-2).join(' / ').slice(0, 300)}`))));
    });
  } finally {
    await creds.dispose();
  }
}
