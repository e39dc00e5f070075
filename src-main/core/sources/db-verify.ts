import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { LifeboatError } from '../errors.ts';
import { isProcessAlive } from '../locks/process-lock.ts';
import { dbCredentials } from './db-credentials.ts';
import { explainDumpError } from './db-dump.ts';
import type { DbLocation } from './db-url.ts';

/** This machine's mark in temporary database names, so only our own leftovers are ever dropped. */
const HOST_TAG = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);
const TEMP_PREFIX = 'lifeboat_verify_';
const TEMP_RE = /^lifeboat_verify_([0-9a-f]{6})_(\d+)_[0-9a-f]{8}$/;

/**
 * Verify by restore: loads a dump into a temporary database on the same server, counts the rows of every
 * table and compares them with the counts recorded when the dump was taken, then drops the temporary
 * database, always: in a `finally`, and, for a run killed outright, at the start of the next run (the name
 * carries this machine's mark and the pid; a database whose process is gone is dropped). Returns the problems
 * found (empty: the dump restores and holds what it should).
 */
export async function verifyByRestore(db: DbLocation, password: string | undefined, tmpDir: string, dumpFile: string, expected: Record<string, number>): Promise<string[]> {
  await dropLeftovers(db, password, tmpDir);
  const name = scratchDatabaseName();
  await sql(db, password, tmpDir, db.kind === 'mysql' ? `CREATE DATABASE \`${name}\`` : `CREATE DATABASE "${name}"`);
  try {
    await load(db, password, tmpDir, name, dumpFile);
    const counts = await countRows(db, password, tmpDir, name);
    const problems: string[] = [];
    for (const [table, n] of Object.entries(expected)) {
      if (counts[table] !== n) problems.push(`restored into a scratch database, table ${table} has ${counts[table] ?? 'no'} rows; the dump recorded ${n}`);
    }
    // A table with rows that the dump's record does not know: the record is incomplete, so it proves nothing.
    for (const [table, n] of Object.entries(counts)) {
      if (!(table in expected) && n > 0) problems.push(`restored into a scratch database, table ${table} has ${n} rows that the snapshot's record does not list`);
    }
    return problems;
  } finally {
    await sql(db, password, tmpDir, dropStatement(db, name));
  }
}

/** Drops temporary verify databases this machine left behind (a run killed outright). Returns their names. */
export async function dropLeftovers(db: DbLocation, password: string | undefined, tmpDir: string): Promise<string[]> {
  const list = db.kind === 'mysql' ? `SHOW DATABASES LIKE '${TEMP_PREFIX.replace(/_/g, '\\\\_')}%'` : `SELECT datname FROM pg_database WHERE datname LIKE '${TEMP_PREFIX.replace(/_/g, '\\_')}%'`;
  const dropped: string[] = [];
  for (const name of (await sql(db, password, tmpDir, list)).split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = TEMP_RE.exec(name);
    if (!m || m[1] !== HOST_TAG || isProcessAlive(Number(m[2]), '')) continue;
    await sql(db, password, tmpDir, dropStatement(db, name));
    dropped.push(name);
  }
  return dropped;
}

/** A scratch database name that carries this machine's mark and our pid (for dropLeftovers). */
export function scratchDatabaseName(): string {
  return `${TEMP_PREFIX}${HOST_TAG}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
}

export function dropStatement(db: DbLocation, name: string): string {
  // FORCE: a killed pg_restore may still hold a connection to it.
  return db.kind === 'mysql' ? `DROP DATABASE IF EXISTS \`${name}\`` : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`;
}

/** Loads a dump into database `into`: `mariadb into < dump.sql`, or `pg_restore -d into dump.pgdump`. */
export async function load(db: DbLocation, password: string | undefined, tmpDir: string, into: string, dumpFile: string): Promise<void> {
  const creds = await dbCredentials(db, password, tmpDir);
  try {
    if (db.kind === 'mysql') await run(db, 'mariadb', [...creds.args, into], creds.env, dumpFile);
    else await run(db, 'pg_restore', [...creds.args, '-d', into, '--no-owner', '--no-privileges', '--exit-on-error', dumpFile], creds.env);
  } finally {
    await creds.dispose();
  }
}

/** Rows per table of database `name`, keyed as the dump's facts are (MySQL: table; PostgreSQL: schema.table). */
export async function countRows(db: DbLocation, password: string | undefined, tmpDir: string, name: string): Promise<Record<string, number>> {
  const out = db.kind === 'mysql'
    ? await sql(db, password, tmpDir, `SELECT CONCAT('SELECT ', QUOTE(table_name), ', COUNT(*) FROM \`', REPLACE(table_schema, '\`', '\`\`'), '\`.\`', REPLACE(table_name, '\`', '\`\`'), '\`') FROM information_schema.tables WHERE table_schema = '${name}' AND table_type = 'BASE TABLE'`)
      .then((stmts) => stmts.trim() ? sql(db, password, tmpDir, stmts.trim().split('\n').join(' UNION ALL ')) : '')
    : await sql({ ...db, database: name }, password, tmpDir, `SELECT format('SELECT %L || ''|'' || count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1 \\gexec`);
  const counts: Record<string, number> = {};
  for (const line of out.split('\n').filter(Boolean)) {
    const [table, n] = db.kind === 'mysql' ? line.split('\t') : [line.slice(0, line.lastIndexOf('|')), line.slice(line.lastIndexOf('|') + 1)];
    if (table) counts[table] = Number(n);
  }
  return counts;
}

/** Runs SQL with the source's credentials (connected to its database) and returns the output, tab-separated. */
export async function sql(db: DbLocation, password: string | undefined, tmpDir: string, statement: string): Promise<string> {
  const creds = await dbCredentials(db, password, tmpDir);
  try {
    if (db.kind === 'mysql') return await run(db, 'mariadb', [...creds.args, '-N', '-B', '-e', statement, db.database], creds.env);
    return await run(db, 'psql', [...creds.args, '-d', db.database, '-At', '-X', '-q', '-v', 'ON_ERROR_STOP=1'], creds.env, undefined, statement);
  } finally {
    await creds.dispose();
  }
}

function run(db: DbLocation, bin: string, args: string[], env: NodeJS.ProcessEnv, stdinFile?: string, stdinText?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => { if (err.length < 8192) err += d; });
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new LifeboatError('not-found', `${bin} is not installed: install the ${db.kind === 'mysql' ? 'mariadb-client' : 'postgresql-client'} package`) : e));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(explainDumpError(db.kind, db, err, code))));
    child.stdin.on('error', () => {});
    if (stdinFile) fs.createReadStream(stdinFile).pipe(child.stdin);
    else child.stdin.end(stdinText ?? '');
  });
}
