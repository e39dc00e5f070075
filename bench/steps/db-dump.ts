// Database source: `lifeboat backup` of a real MariaDB (tests/peers/mariadb-server.ts) holding an office
// schema of about BENCH_MB MiB (tests/helpers/sql-writer.ts createOfficeSchema), held against what an admin
// would script by hand:
//   1. a full dump into a fresh repository vs `mariadb-dump --single-transaction --routines --triggers
//      --events --hex-blob DB | zstd -3 -T1 > file` (same account, through a 0600 --defaults-extra-file);
//   2. the bytes the next backup adds after 1% of the invoices changed (chosen by a hash of the id, so at
//      random but repeatable) plus a few new ones, vs those changed and new rows alone, dumped with
//      `mariadb-dump --where` and compressed with zstd -3: what a perfect row-level incremental would store.
//
// The database is built once per BENCH_MB and its datadir (cleanly shut down) cached in bench/.cache/; each
// run of the step works on a copy of it. Runs follow the bench's rules (runsFor / BENCH_RUNS).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mariadbSkipReason, startMariaDb, type MariaDbServer } from '../../tests/peers/mariadb-server.ts';
import { createOfficeSchema, sqlQuery } from '../../tests/helpers/sql-writer.ts';
import { CACHE, EDIT_FRACTION, MB, WORK, log, runsFor } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { lb, lbBackup, type LbCtx, type Snap } from '../lib/lifeboat-cli.ts';
import { run, runOk, settle } from '../lib/proc.ts';

/**
 * The office schema's shape: 100 accounts, invoices with a 2 KiB blob and ~1 KB of text each, which InnoDB
 * stores in about 4 KiB per invoice (measured: 4 rows per 16 KiB page); BENCH_MB sets the InnoDB size.
 */
const ACCOUNTS = 100;
const INVOICE_BYTES = 2048;
const INNODB_BYTES_PER_INVOICE = 4096;
/** New invoices added beside each 1% edit. */
const NEW_INVOICES = 5;
/** The environment variable that carries the account's password to `lifeboat` (--password-env). */
const PASSWORD_ENV = 'LIFEBOAT_BENCH_MARIADB_PASSWORD';

export interface Timed { ms: number; cpuMs: number }
export interface DbBuild { invoices: number; tableBytes: number; buildMs: number; cached: boolean }

export interface DbFullRun {
  lb: Snap;
  /** mariadb-dump | zstd -3 -T1 > file: the whole pipeline's wall and cpu time, the .zst's size. */
  peer: Timed & { zstBytes: number };
}

export interface DbEditRun {
  /** Invoices updated and added by the edit, out of how many. */
  updated: number;
  inserted: number;
  ofInvoices: number;
  lb: Snap;
  /** The changed and new rows alone: mariadb-dump --where of them, its size, and zstd -3 of it. */
  rowsDumpBytes: number;
  rowsZstd: number;
}

export interface DbResult {
  skipped?: string;
  error?: string;
  db?: DbBuild & { dumpBytes?: number };
  server?: string;
  dumpTool?: string;
  full: DbFullRun[];
  edits: DbEditRun[];
}

/** Why the step cannot run here (no MariaDB server or client tools, no zstd), or false. */
function skipReason(): string | false {
  const m = mariadbSkipReason();
  if (m) return m;
  for (const [tool, pkg] of [['mariadb-dump', 'mariadb-client'], ['zstd', 'zstd']] as const) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool}: apt-get install -y ${pkg}`;
  }
  return false;
}

/** SQL as root over the server's socket, database `office`; the answer's first line split on tabs. */
async function rootRow(server: MariaDbServer, sql: string): Promise<string[]> {
  return (await server.rootQuery(sql, server.database)).trim().split('\n')[0]!.split('\t');
}

/** InnoDB's size of the office tables (data + indexes), and the invoice count. */
async function measureDb(server: MariaDbServer): Promise<{ invoices: number; tableBytes: number }> {
  await server.rootQuery('ANALYZE TABLE accounts, ledger, invoices', server.database); // information_schema's sizes are the statistics'
  const [tableBytes] = await rootRow(server, "SELECT sum(data_length + index_length) FROM information_schema.tables WHERE table_schema = 'office'");
  const [invoices] = await rootRow(server, 'SELECT count(*) FROM invoices');
  return { invoices: Number(invoices), tableBytes: Number(tableBytes) };
}

/**
 * The datadir of a MariaDB holding the office schema for BENCH_MB (built once, cached in bench/.cache/ after a
 * clean shutdown), copied to `dataDir`; the server started on that copy.
 */
async function officeServer(dataDir: string): Promise<{ server: MariaDbServer; build: DbBuild }> {
  const invoices = Math.max(1, Math.round((MB * 2 ** 20) / INNODB_BYTES_PER_INVOICE));
  // The name carries everything that decides the content (the build is deterministic).
  const cached = path.join(CACHE, `mariadb-office-${MB}MiB-${invoices}x${INVOICE_BYTES}b`);
  const meta = `${cached}.json`;
  let build: DbBuild;
  if (fs.existsSync(path.join(cached, 'mysql')) && fs.existsSync(meta)) {
    build = { ...(JSON.parse(fs.readFileSync(meta, 'utf8')) as Omit<DbBuild, 'cached'>), cached: true };
  } else {
    const building = `${cached}.building`;
    fs.rmSync(building, { recursive: true, force: true });
    fs.rmSync(cached, { recursive: true, force: true });
    log(`  building a MariaDB office database of about ${MB} MiB (${invoices} invoices; once, cached in ${path.relative(process.cwd(), cached)}) ...`);
    const t0 = performance.now();
    const s = await startMariaDb({ dataDir: building });
    try {
      // In slices of at most 20,000 invoices: one INSERT ... SELECT per slice keeps each statement well within
      // the SQL helper's time limit. The first slice is createOfficeSchema's own; the rest repeat its rows.
      const slice = 20_000;
      await createOfficeSchema('mariadb', s, { rows: ACCOUNTS, invoices: Math.min(invoices, slice), invoiceBytes: INVOICE_BYTES });
      for (let from = slice + 1; from <= invoices; from += slice) {
        await sqlQuery('mariadb', s, `${invoiceInsert(from, Math.min(invoices, from + slice - 1), 'INV-', 'pdf')};\n`);
        log(`    ${Math.min(invoices, from + slice - 1)} invoices`);
      }
      build = { ...(await measureDb(s)), buildMs: performance.now() - t0, cached: false };
    } finally {
      await s.dispose();
    }
    fs.renameSync(building, cached);
    fs.writeFileSync(meta, JSON.stringify({ invoices: build.invoices, tableBytes: build.tableBytes, buildMs: Math.round(build.buildMs) }) + '\n');
    log(`  built: ${build.invoices} invoices, ${bytes(build.tableBytes)} in InnoDB, in ${secs(build.buildMs)}`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.cpSync(cached, dataDir, { recursive: true });
  return { server: await startMariaDb({ dataDir }), build };
}

/** INSERT of invoices numbered from..to, the rows createOfficeSchema makes (number prefix and blob seed aside). */
function invoiceInsert(from: number, to: number, prefix: string, seed: string): string {
  const hashes = Math.ceil(INVOICE_BYTES / 32);
  return `INSERT INTO invoices (account_id, number, body, pdf) SELECT 1 + seq % ${ACCOUNTS}, concat('${prefix}', lpad(seq, 7, '0')),
    repeat(concat('Line ', seq, ': first aid training for the whole team, certificates included. '), 14),
    unhex(repeat(sha2(concat('${seed}', seq), 256), ${hashes})) FROM seq_${from}_to_${to}`;
}

/** The edit `k`'s invoices: about EDIT_FRACTION of them, by a hash of the id (random-looking, repeatable). */
const chosen = (k: number): string => `MOD(CRC32(CONCAT('bench-${k}:', id)), ${Math.round(1 / EDIT_FRACTION)}) = 0`;

/** A 0600 MySQL option file with the account (what an admin's cron job would use), for mariadb-dump. */
function defaultsFile(server: MariaDbServer, dir: string): string {
  const file = path.join(dir, 'bench-client.cnf');
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `[client]\nuser=${server.user}\npassword="${server.password}"\nhost=${server.host}\nport=${server.port}\nprotocol=TCP\n`, { mode: 0o600 });
  return file;
}

/** The peer: `mariadb-dump ... DB [TABLE...] | zstd -3 -T1 > out` in one bash with pipefail, timed as a whole. */
async function peerDump(cnf: string, what: string[], out: string, extra: string[] = []): Promise<Timed & { zstBytes: number }> {
  fs.rmSync(out, { force: true });
  const dump = ['mariadb-dump', `--defaults-extra-file=${cnf}`, '--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', ...extra, ...what];
  const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  settle();
  const r = await runOk('bash', ['-c', `set -o pipefail; ${dump.map(q).join(' ')} | zstd -3 -T1 -q > ${q(out)}`], { timeoutMs: 60 * 60_000 });
  return { ms: r.ms, cpuMs: r.cpuMs, zstBytes: fs.statSync(out).size };
}

/** A fresh Lifeboat data dir with the source `office` = the server's database (password through PASSWORD_ENV). */
async function newDbLb(dataDir: string, server: MariaDbServer): Promise<LbCtx> {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const ctx: LbCtx = { dataDir, passphrase: null, chunkSize: 64 * 1024 };
  await lb(ctx, ['source', 'add', '--name', 'office', '--mysql', server.url, '--password-env', PASSWORD_ENV, '--json']);
  return ctx;
}

/** Runs the database step; a missing MariaDB or zstd is a skip, a failure an error in its rows (never the end of the bench). */
export async function dbStep(): Promise<DbResult> {
  log(`db: lifeboat backup of a MariaDB office database (~${MB} MiB) vs mariadb-dump | zstd -3; then ${EDIT_FRACTION * 100}% of the invoices changed vs those rows dumped, zstd -3`);
  const why = skipReason();
  if (why) {
    log(`  skipped: ${why}`);
    return { skipped: why, full: [], edits: [] };
  }
  const dir = path.join(WORK, 'db');
  fs.mkdirSync(dir, { recursive: true });
  const result: DbResult = { full: [], edits: [] };
  let server: MariaDbServer | undefined;
  try {
    const started = await officeServer(path.join(dir, 'data'));
    server = started.server;
    result.db = started.build;
    result.server = (await rootRow(server, 'SELECT VERSION()'))[0];
    result.dumpTool = (await run('mariadb-dump', ['--version'])).stdout.trim();
    log(`  ${result.db.invoices} invoices, ${bytes(result.db.tableBytes)} in InnoDB (${result.db.cached ? 'cached datadir' : `built in ${secs(result.db.buildMs)}`}); MariaDB ${result.server}`);
    // lbEnv() passes the bench's environment on to `lifeboat`: the source's --password-env reads it there.
    process.env[PASSWORD_ENV] = server.password;
    const cnf = defaultsFile(server, dir);
    const zst = path.join(dir, 'office.sql.zst');

    // 1. Full dumps: a fresh repository each run, then the hand-made pipeline.
    let ctx: LbCtx | undefined;
    for (let i = 0; ; i++) {
      if (ctx) fs.rmSync(ctx.dataDir, { recursive: true, force: true });
      ctx = await newDbLb(path.join(dir, `lb-${i}`), server);
      const snap = await lbBackup(ctx);
      const peer = await peerDump(cnf, [server.database], zst);
      result.full.push({ lb: snap, peer });
      result.db.dumpBytes = snap.size;
      log(`  full ${i + 1}: lifeboat backup ${secs(snap.ms)} (cpu ${secs(snap.cpuMs)}), dump ${bytes(snap.size)}, repo +${bytes(snap.duAdded)}; ` +
        `mariadb-dump | zstd -3 ${secs(peer.ms)} (cpu ${secs(peer.cpuMs)}), ${bytes(peer.zstBytes)}`);
      if (result.full.length >= runsFor(Math.max(snap.ms, peer.ms))) break;
    }
    fs.rmSync(zst, { force: true });

    // 2. 1% of the invoices changed (and a few added) on the last run's repository, then the next backup.
    for (let k = 1; ; k++) {
      const [maxId, total] = await rootRow(server, 'SELECT max(id), count(*) FROM invoices');
      await server.rootQuery([
        `UPDATE invoices SET number = concat(number, '/${k}'), account_id = 1 + (account_id + ${k}) % ${ACCOUNTS} WHERE ${chosen(k)}`,
        invoiceInsert(1, NEW_INVOICES, `NEW-${k}-`, `new-${k}-`),
      ].join(';\n'), server.database);
      const [updated] = await rootRow(server, `SELECT count(*) FROM invoices WHERE ${chosen(k)} AND id <= ${maxId}`);
      const snap = await lbBackup(ctx);
      // The changed and new rows alone, as the same tool dumps them (INSERT statements only), compressed.
      const rows = path.join(dir, `changed-rows-${k}.sql.zst`);
      const where = `(${chosen(k)} AND id <= ${maxId}) OR id > ${maxId}`;
      await peerDump(cnf, [server.database, 'invoices'], rows, ['--no-create-info', '--skip-triggers', '--compact', `--where=${where}`]);
      await runOk('zstd', ['-d', '-q', '-f', rows, '-o', `${rows}.sql`]);
      const one: DbEditRun = { updated: Number(updated), inserted: NEW_INVOICES, ofInvoices: Number(total), lb: snap, rowsDumpBytes: fs.statSync(`${rows}.sql`).size, rowsZstd: fs.statSync(rows).size };
      result.edits.push(one);
      log(`  1% edit ${k}: ${one.updated} invoices updated + ${one.inserted} new (of ${one.ofInvoices}); backup ${secs(snap.ms)}, +${bytes(snap.bytesAdded)} (repo +${bytes(snap.duAdded)}); ` +
        `those rows dumped ${bytes(one.rowsDumpBytes)}, zstd -3 ${bytes(one.rowsZstd)}`);
      for (const f of [rows, `${rows}.sql`]) fs.rmSync(f, { force: true });
      if (result.edits.length >= runsFor(snap.ms)) break;
    }
  } catch (err) {
    result.error = (err as Error).message;
    log(`  error: ${result.error.split('\n')[0]}`);
  } finally {
    delete process.env[PASSWORD_ENV];
    await server?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
