import { spawn, type ChildProcess } from 'node:child_process';
import { LifeboatError } from '../errors.ts';
import { dbCredentials } from './db-credentials.ts';
import { MysqlRowCounter } from './mysql-rows.ts';
import type { DbLocation } from './db-url.ts';

/** What a dump recorded about the database, for the manifest (and for verify-by-restore to compare with). */
export interface DbFacts {
  serverVersion: string;
  clientTool: string;
  clientVersion: string;
  /** Rows per table, as in the dump itself. */
  tables: Record<string, number>;
  /** mysqldump's "-- Dump completed" line, or pg_dump's clean exit with its snapshot's counts. */
  completed: boolean;
  format: 'sql' | 'pg-custom';
}

export const CLIENT_PACKAGES: Record<DbLocation['kind'], string> = {
  mysql: 'mariadb-dump/mysqldump is not installed: install the client tools (Debian/Ubuntu: apt install mariadb-client, or default-mysql-client; Windows and macOS: the MySQL or MariaDB installer, or brew install mariadb)',
  postgres: 'pg_dump is not installed: install the client tools (Debian/Ubuntu: apt install postgresql-client; Windows: the PostgreSQL installer; macOS: brew install libpq)',
};

/**
 * Streams a consistent dump of one database without locking the office's writers: `mariadb-dump` (or
 * `mysqldump`) with --single-transaction, or `pg_dump` in custom format, uncompressed so that
 * content-defined chunks deduplicate between dumps (the repository compresses them). Credentials go in a
 * 0600 file, never on the command line. The returned iterable yields the dump and, at its end, throws unless
 * the tool exited cleanly and the dump is complete: a dump cut short (server gone, killed) is never taken for
 * a snapshot. `facts` is filled in by the time the iteration ends.
 */
export function dumpDatabase(db: DbLocation, password: string | undefined, tmpDir: string, signal?: AbortSignal): { stream: AsyncIterable<Buffer>; facts: DbFacts } {
  const facts: DbFacts = { serverVersion: '?', clientTool: '?', clientVersion: '?', tables: {}, completed: false, format: db.kind === 'mysql' ? 'sql' : 'pg-custom' };
  const stream = db.kind === 'mysql' ? mysqlDump(db, password, tmpDir, facts, signal) : postgresDump(db, password, tmpDir, facts, signal);
  return { stream, facts };
}

async function* mysqlDump(db: DbLocation, password: string | undefined, tmpDir: string, facts: DbFacts, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const creds = await dbCredentials(db, password, tmpDir);
  try {
    const tool = await firstInstalled(['mariadb-dump', 'mysqldump'], CLIENT_PACKAGES.mysql);
    facts.clientTool = tool;
    const args = [...creds.args, '--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob', '--no-tablespaces', '--default-character-set=utf8mb4', '--skip-dump-date', db.database];
    const child = spawn(tool, args, { env: creds.env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const counter = new MysqlRowCounter();
    let head = '';
    let tail = Buffer.alloc(0);
    const stderr = collect(child);
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      if (head.length < 2048) head += chunk.toString('latin1', 0, Math.min(chunk.length, 2048));
      counter.feed(chunk);
      tail = Buffer.concat([tail, chunk.subarray(-256)]).subarray(-256);
      yield chunk;
    }
    const code = await exited(child);
    facts.tables = counter.tables;
    facts.clientVersion = /^-- (?:MariaDB|MySQL) dump [^\n]*/m.exec(head)?.[0].replace(/^-- /, '') ?? '?';
    facts.serverVersion = /^-- Server version\s+(.+)$/m.exec(head)?.[1]?.trim() ?? '?';
    facts.completed = /-- Dump completed/.test(tail.toString('latin1'));
    if (code !== 0) throw explainDumpError('mysql', db, stderr(), code);
    if (!facts.completed) throw new LifeboatError('failed', `the dump of ${db.database} ended without its completion line: not recorded as a snapshot`);
  } finally {
    await creds.dispose();
  }
}

async function* postgresDump(db: DbLocation, password: string | undefined, tmpDir: string, facts: DbFacts, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const creds = await dbCredentials(db, password, tmpDir);
  let session: PsqlSession | undefined;
  try {
    const tool = await firstInstalled(['pg_dump'], CLIENT_PACKAGES.postgres);
    facts.clientTool = tool;
    // A session holding a repeatable-read snapshot that pg_dump shares: the row counts taken in it describe
    // exactly what the dump holds, however busy the writers are.
    session = await PsqlSession.open(creds, db.database);
    const [snapshot, version] = await session.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot(); SHOW server_version;", 2);
    facts.serverVersion = version!;
    facts.clientVersion = (await runTool(tool, ['--version'])).trim();
    const child = spawn(tool, [...creds.args, '-d', db.database, '-Fc', '-Z0', `--snapshot=${snapshot!}`], { env: creds.env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const stderr = collect(child);
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
    const code = await exited(child);
    if (code !== 0) throw explainDumpError('postgres', db, stderr(), code);
    const rows = await session.query(COUNT_TABLES, -1);
    for (const line of rows) {
      const at = line.lastIndexOf('|');
      if (at > 0) facts.tables[line.slice(0, at)] = Number(line.slice(at + 1));
    }
    facts.completed = true;
  } finally {
    await session?.close();
    await creds.dispose();
  }
}

const COUNT_TABLES = `SELECT format('SELECT %L || ''|'' || count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY 1 \\gexec`;

/**
 * One psql process kept open for a transaction: queries go in on stdin, answers come back as lines. Each
 * query is followed by a marker line, so the answer to it is everything up to the marker.
 */
class PsqlSession {
  private readonly child: ChildProcess;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private stderr: () => string;
  private constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.buffer += d;
      for (const w of this.waiters.splice(0)) w();
    });
    child.on('close', () => { for (const w of this.waiters.splice(0)) w(); });
    this.stderr = collect(child);
  }

  static async open(creds: { args: string[]; env: NodeJS.ProcessEnv }, database: string): Promise<PsqlSession> {
    await firstInstalled(['psql'], CLIENT_PACKAGES.postgres.replace('pg_dump', 'psql'));
    const child = spawn('psql', [...creds.args, '-d', database, '-At', '-q', '-X', '-v', 'ON_ERROR_STOP=1'], { env: creds.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => {});
    return new PsqlSession(child);
  }

  /** Runs SQL; returns its output lines (`expect` > 0: at least that many, -1: everything up to the marker). */
  async query(sql: string, expect: number): Promise<string[]> {
    const marker = `lifeboat-done-${Math.random().toString(36).slice(2)}`;
    this.child.stdin!.write(`${sql}\n\\echo ${marker}\n`);
    for (;;) {
      const at = this.buffer.indexOf(`${marker}\n`);
      if (at >= 0) {
        const out = this.buffer.slice(0, at).split('\n').filter((l) => l.length > 0);
        this.buffer = this.buffer.slice(at + marker.length + 1);
        if (expect > 0 && out.length < expect) throw new LifeboatError('failed', `psql answered ${out.length} line(s) where ${expect} were expected`);
        return out;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw explainDumpError('postgres', undefined, this.stderr(), this.child.exitCode);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end('ROLLBACK;\n\\q\n');
      await exited(this.child).catch(() => {});
    }
  }
}

/**
 * Asks the server for its version with the source's credentials: a wrong password, an unknown database, a
 * server not there or a missing client tool is one clear LifeboatError now, not at the first backup.
 */
export async function checkDbConnection(db: DbLocation, password: string | undefined, tmpDir: string): Promise<string> {
  const creds = await dbCredentials(db, password, tmpDir);
  try {
    const tool = db.kind === 'mysql' ? await firstInstalled(['mariadb', 'mysql'], CLIENT_PACKAGES.mysql.replace('mariadb-dump/mysqldump', 'the mariadb/mysql client')) : await firstInstalled(['psql'], CLIENT_PACKAGES.postgres.replace('pg_dump', 'psql'));
    const args = db.kind === 'mysql' ? [...creds.args, '-N', '-B', '-e', 'SELECT VERSION()', db.database] : [...creds.args, '-d', db.database, '-At', '-X', '-c', 'SHOW server_version'];
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(tool, args, { env: creds.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const stderr = collect(child);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(explainDumpError(db.kind, db, stderr(), code))));
    });
  } finally {
    await creds.dispose();
  }
}

/** The first of `names` on the PATH, or a 'not-found' LifeboatError naming the package to install. */
async function firstInstalled(names: string[], hint: string): Promise<string> {
  for (const n of names) {
    try {
      await runTool(n, ['--version']);
      return n;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return n;
    }
  }
  throw new LifeboatError('not-found', hint);
}

function runTool(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(Object.assign(new Error(`${bin} exited ${code}`), { code: 'EXIT' }))));
  });
}

function collect(child: ChildProcess): () => string {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { if (err.length < 8192) err += d.toString(); });
  return () => err;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

/** Turns a client tool's stderr into one line a person can act on; never echoes a password. */
export function explainDumpError(kind: DbLocation['kind'], db: DbLocation | undefined, stderr: string, code: number | null): LifeboatError {
  const where = db ? `${db.database} on ${db.host}:${db.port}` : 'the database';
  const text = stderr.replace(/password=\S+/gi, 'password=***').trim().split('\n').filter(Boolean).slice(-2).join(' / ').slice(0, 300);
  if (/Access denied|password authentication failed|authentication failed|no password supplied/i.test(stderr)) return new LifeboatError('auth', `the server refused the user or password for ${where}: check the source's password (${text})`);
  if (/Unknown database|database "[^"]*" does not exist/i.test(stderr)) return new LifeboatError('not-found', `there is no database ${db?.database ?? ''} on ${db ? `${db.host}:${db.port}` : 'the server'} (${text})`);
  if (/server version mismatch|aborting because of server version/i.test(stderr)) return new LifeboatError('failed', `the client tools are older than the server (${text}): install the ${kind === 'postgres' ? 'pg_dump' : 'mysqldump'} that matches the server's major version`);
  if (/Can't connect|Connection refused|could not connect|Lost connection|server closed the connection|timeout expired|Connection timed out/i.test(stderr)) return new LifeboatError('unreachable', `cannot reach the database server for ${where}: ${text}`);
  return new LifeboatError('failed', `the dump of ${where} failed (${code === null ? 'killed' : `exit ${code}`}): ${text || 'no message'}`);
}
