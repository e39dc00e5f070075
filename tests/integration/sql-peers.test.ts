// The database peers themselves (tests/peers/mariadb-server.ts, postgres-server.ts) and the SQL writer with
// its invariant (tests/helpers/sql-writer.ts): logins, restarts on the same port, a crash, and a dump taken
// while the writer writes that restores into a copy keeping the invariant. Skipped locally without the
// servers (the skip message names the Debian packages); under CI=true they must run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMariaDb, mariadbSkipReason, accepts, type MariaDbServer } from '../peers/mariadb-server.ts';
import { startPostgres, postgresSkipReason, type PostgresServer } from '../peers/postgres-server.ts';
import { checkInvariant, createOfficeSchema, sqlQuery, startSqlWriter, type SqlKind, type SqlConn } from '../helpers/sql-writer.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs a tool; resolves with exit code, stdout and stderr (never rejects on a non-zero exit). */
function tool(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout.toString('latin1'), stderr: stderr.toString() });
    });
  });
}

/** Pipes a dump file into a restore command; resolves with its exit code and stderr. */
function restoreFrom(file: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stderr }));
    fs.createReadStream(file).pipe(c.stdin);
  });
}

/** The shared checks, for either engine: a writer runs; its invariant holds live, after a crash, and in a dump. */
function writerTests(kind: SqlKind, server: () => MariaDbServer | PostgresServer, dumpAndRestore: (copy: string) => Promise<void>): void {
  const conn = (): SqlConn => server();

  test('a writer keeps the invariant while it writes, and every commit it counted is in the ledger', async (t) => {
    await createOfficeSchema(kind, conn(), { rows: 50, invoices: 100 });
    assert.equal((await checkInvariant(kind, conn())).ok, true);
    const writer = await startSqlWriter(kind, conn(), { rate: 100 });
    await sleep(1000);
    const live = await checkInvariant(kind, conn());
    assert.ok(live.ok, live.detail);
    await sleep(1000);
    const stats = await writer.stop();
    t.diagnostic(`${kind}: ${JSON.stringify(stats)}`);
    assert.equal(stats.errors, 0);
    assert.ok(stats.transactions > 50, `only ${stats.transactions} transfers in 2 s`);
    const end = await checkInvariant(kind, conn());
    assert.ok(end.ok, end.detail);
    assert.equal(end.ledgerRows, stats.transactions);
    assert.notEqual(end.total, 0);
  });

  test('the invariant check notices a balance that does not match the ledger', async () => {
    await sqlQuery(kind, conn(), 'UPDATE accounts SET balance = balance + 1 WHERE id = 7;\n');
    const r = await checkInvariant(kind, conn());
    assert.equal(r.ok, false);
    assert.deepEqual(r.badAccounts, [7]);
    assert.equal(r.total, r.expectedTotal + 1);
    await sqlQuery(kind, conn(), 'UPDATE accounts SET balance = balance - 1 WHERE id = 7;\n');
    assert.equal((await checkInvariant(kind, conn())).ok, true);
  });

  test('a writer killed with SIGKILL leaves no half transfer behind', async () => {
    const writer = await startSqlWriter(kind, conn(), { rate: 200 });
    await sleep(300);
    await writer.kill();
    await sleep(200); // its client finishes (or drops) the one transaction it was handed
    const r = await checkInvariant(kind, conn());
    assert.ok(r.ok, r.detail);
  });

  test('a server crash mid-writing: the writer counts errors, carries on after the restart, the invariant holds', async (t) => {
    const writer = await startSqlWriter(kind, conn(), { rate: 100 });
    await sleep(300);
    const t0 = performance.now();
    await server().crash();
    await server().start();
    t.diagnostic(`${kind}: crash + restart took ${Math.round(performance.now() - t0)} ms`);
    await sleep(700);
    const stats = await writer.stop();
    t.diagnostic(`${kind}: ${JSON.stringify(stats)}`);
    assert.ok(stats.errors >= 1, 'the crash should have cost the writer a transfer');
    const r = await checkInvariant(kind, conn());
    assert.ok(r.ok, r.detail);
  });

  test('a dump of office taken by the lifeboat user while the writer writes restores into a consistent copy', async () => {
    const writer = await startSqlWriter(kind, conn(), { rate: 100, invoiceEvery: 2 });
    try {
      await dumpAndRestore('office_copy');
    } finally {
      await writer.stop();
    }
    const copy = await checkInvariant(kind, conn(), 'office_copy');
    assert.ok(copy.ok, copy.detail);
    assert.ok(copy.ledgerRows > 0);
  });
}

describe('MariaDB: a real mariadbd on 127.0.0.1', { skip: mariadbSkipReason() }, () => {
  let db: MariaDbServer;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sql-peers-'));
  const mariadb = (password: string, sql: string) => tool('/usr/bin/mariadb', ['--no-defaults', '--protocol=TCP', '-h', db.host, '-P', String(db.port),
    '-u', db.user, '-N', '-B', '-e', sql, db.database], { MYSQL_PWD: password });

  before(async () => {
    const t0 = performance.now();
    db = await startMariaDb();
    process.stderr.write(`# mariadb: install-db + start ${Math.round(performance.now() - t0)} ms\n`);
  });
  after(async () => {
    await db?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the lifeboat user logs in over TCP with its password; a wrong one and root over TCP are refused', async () => {
    const ok = await mariadb(db.password, 'SELECT current_user(), database()');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'lifeboat@%\toffice');
    const bad = await mariadb(`${db.password}x`, 'SELECT 1');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Access denied for user 'lifeboat'/);
    const root = await tool('/usr/bin/mariadb', ['--no-defaults', '--protocol=TCP', '-h', db.host, '-P', String(db.port), '-u', 'root', '-e', 'SELECT 1']);
    assert.notEqual(root.code, 0);
    assert.match(await db.rootQuery('SELECT version()'), /MariaDB/);
  });

  test('stop and start on the same port keep the data', async () => {
    await db.rootQuery("CREATE TABLE office.kept (v VARCHAR(20)); INSERT INTO office.kept VALUES ('still here')");
    const pid = db.pid;
    await db.stop();
    assert.equal(db.pid, undefined);
    assert.equal(await accepts(db.port), false);
    await db.start();
    assert.notEqual(db.pid, pid);
    assert.equal((await mariadb(db.password, 'SELECT v FROM kept')).stdout.trim(), 'still here');
  });

  writerTests('mariadb', () => db, async (copy) => {
    const file = path.join(tmp, 'office.sql');
    const dump = await tool('/usr/bin/mariadb-dump', ['--no-defaults', '--protocol=TCP', '-h', db.host, '-P', String(db.port), '-u', db.user,
      '--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', '--result-file', file, db.database], { MYSQL_PWD: db.password });
    assert.equal(dump.code, 0, dump.stderr);
    assert.match(fs.readFileSync(file, 'latin1').slice(-200), /-- Dump completed on/);
    await db.rootQuery(`DROP DATABASE IF EXISTS ${copy}; CREATE DATABASE ${copy}`);
    const restored = await restoreFrom(file, '/usr/bin/mariadb', ['--no-defaults', '--protocol=TCP', '-h', db.host, '-P', String(db.port), '-u', db.user, copy],
      { MYSQL_PWD: db.password });
    assert.equal(restored.code, 0, restored.stderr);
  });
});

describe('PostgreSQL: a real postgres on 127.0.0.1', { skip: postgresSkipReason() }, () => {
  let pg: PostgresServer;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sql-peers-'));
  const bin = (name: string): string => path.join(pg.binDir, name);
  const psql = (password: string, sql: string) => tool(bin('psql'), ['-X', '-A', '-t', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.database,
    '-c', sql], { PGPASSWORD: password });

  before(async () => {
    const t0 = performance.now();
    pg = await startPostgres();
    process.stderr.write(`# postgres: initdb + start ${Math.round(performance.now() - t0)} ms\n`);
  });
  after(async () => {
    await pg?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the lifeboat role logs in over TCP with its password; a wrong one and postgres over TCP are refused', async () => {
    const ok = await psql(pg.password, "SELECT current_user || ' ' || current_database()");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'lifeboat office');
    const bad = await psql(`${pg.password}x`, 'SELECT 1');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /password authentication failed for user "lifeboat"/);
    const root = await tool(bin('psql'), ['-X', '-w', '-h', pg.host, '-p', String(pg.port), '-U', 'postgres', '-c', 'SELECT 1']);
    assert.notEqual(root.code, 0);
    assert.match(await pg.psql('SELECT version()'), /PostgreSQL/);
  });

  test('stop and start on the same port keep the data', async () => {
    await pg.psql("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')", 'office');
    const pid = pg.pid;
    await pg.stop();
    assert.equal(pg.pid, undefined);
    assert.equal(await accepts(pg.port), false);
    await pg.start();
    assert.notEqual(pg.pid, pid);
    assert.equal((await psql(pg.password, 'SELECT v FROM kept')).stdout.trim(), 'still here');
  });

  writerTests('postgres', () => pg, async (copy) => {
    const file = path.join(tmp, 'office.dump');
    const env = { PGPASSWORD: pg.password };
    const dump = await tool(bin('pg_dump'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-Fc', '-f', file, pg.database], env);
    assert.equal(dump.code, 0, dump.stderr);
    assert.equal(fs.readFileSync(file).subarray(0, 5).toString(), 'PGDMP');
    await pg.psql(`DROP DATABASE IF EXISTS ${copy}`);
    await pg.psql(`CREATE DATABASE ${copy} OWNER lifeboat`);
    const restored = await tool(bin('pg_restore'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', copy, '--exit-on-error', '--no-owner', file], env);
    assert.equal(restored.code, 0, restored.stderr);
  });
});
