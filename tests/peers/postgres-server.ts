// A real PostgreSQL server for tests: initdb into a temp dir, then `postgres -D DATA -k SOCKDIR -p PORT -h
// 127.0.0.1` with small buffers. PostgreSQL refuses to run as root, so when the tests run as root the cluster
// belongs to an unprivileged account (`lifeboat-test`, created with useradd when missing; `nobody` if that
// fails) and the server runs under its uid. The unix socket (in the temp dir) trusts everyone, for setup as
// the `postgres` superuser; TCP wants a scram-sha-256 password. The tests' role is `lifeboat` (LOGIN
// SUPERUSER: verify-by-restore creates and drops databases) and owns the database `office`.
// stop() and start() bring the same cluster back on the same port. Needs the Debian packages postgresql and
// postgresql-client.
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nut-server.ts';
import { killTree, waitReady, exitCleanup } from './process-tree.ts';

export const POSTGRES_DEBIAN_PACKAGES = 'postgresql postgresql-client';
const RUN_AS = 'lifeboat-test';

export interface PostgresServer {
  host: string;
  port: number;
  /** The directory holding the unix socket (`.s.PGSQL.PORT`), as psql's -h wants it. */
  socket: string;
  /** The tests' role: `lifeboat`, LOGIN SUPERUSER, password login over TCP. */
  user: string;
  password: string;
  /** `office`, created empty, owned by `lifeboat`. */
  database: string;
  /** postgres://lifeboat@127.0.0.1:PORT/office (no password: that goes through the secret store). */
  url: string;
  /** The server's own bin dir (initdb, pg_dump, pg_restore, psql of the same major version). */
  binDir: string;
  /** The temp dir (cluster, socket dir) and the cluster's data dir. */
  dir: string;
  dataDir: string;
  /** The postmaster's pid while running, undefined while stopped. */
  readonly pid: number | undefined;
  /** The last lines the server logged (stderr), for assertion messages. */
  log(): string;
  /** Runs SQL as the `postgres` superuser over the socket (psql -XAtq, ON_ERROR_STOP); resolves with stdout. */
  rootQuery(sql: string, database?: string): Promise<string>;
  /** The same as rootQuery (named after the tool). */
  psql(sql: string, database?: string): Promise<string>;
  /** A fast shutdown (SIGINT: sessions are cut, SIGKILL after 30 s). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs the postmaster and its backends: the server vanishes (WAL recovery at the next start()). */
  crash(): Promise<void>;
  /** Starts the server again on the same port with the same cluster; resolves once it answers a query. */
  start(): Promise<void>;
  /** stop(), then removes the temp dir (the data dir too unless it was given). */
  dispose(): Promise<void>;
}

/** The newest /usr/lib/postgresql/N/bin that has postgres, initdb, psql and pg_dump, or undefined. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(base, v, 'bin'))
    .find((d) => ['postgres', 'initdb', 'psql', 'pg_dump'].every((t) => fs.existsSync(path.join(d, t))));
}

/**
 * Why the PostgreSQL tests cannot run here, or false when they can. Under CI (CI set) it is always false:
 * there a missing server must fail the tests (startPostgres then throws naming the packages), never skip them.
 */
export function postgresSkipReason(): string | false {
  if (process.env.CI) return false;
  if (!postgresBinDir()) return `needs a real PostgreSQL: apt-get install --no-install-recommends ${POSTGRES_DEBIAN_PACKAGES}`;
  return false;
}

// Servers and temp dirs left when the test process exits are cleaned up (process-tree.ts).
const { live, dirs } = exitCleanup();

/** The uid/gid to run the cluster as: none (ourselves) unless we are root. */
function clusterAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (name: string): { uid: number; gid: number } | undefined => {
    try {
      const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
    }
  };
  const existing = lookup(RUN_AS);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', RUN_AS], { stdio: 'pipe' });
  } catch { /* no useradd, or a race with another test process: look again, then fall back */ }
  return lookup(RUN_AS) ?? lookup('nobody');
}

/**
 * Runs initdb (unless `dataDir` already holds a cluster), starts postgres on `port` (a free one by default),
 * waits until it accepts TCP and answers a query, then (on a fresh cluster) creates the role `lifeboat` and
 * the database `office`. Throws with the server's log when it does not come up, and with the Debian package
 * names when PostgreSQL is not installed.
 */
export async function startPostgres(opts: { port?: number; dataDir?: string } = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error(`postgres, initdb or psql not found under /usr/lib/postgresql: install the Debian packages ${POSTGRES_DEBIAN_PACKAGES}`);
  const bin = (tool: string): string => path.join(binDir, tool);
  const port = opts.port ?? (await freePort());
  const account = clusterAccount();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-pg-'));
  dirs.add(dir);
  const dataDir = opts.dataDir ?? path.join(dir, 'data');
  const socket = path.join(dir, 'sock');
  fs.mkdirSync(socket);
  const own = (p: string): void => { if (account) fs.chownSync(p, account.uid, account.gid); };
  own(dir);
  own(socket);
  const asCluster = { ...(account ?? {}), env: { ...process.env, HOME: dir, LC_ALL: 'C.UTF-8' } };
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    own(dataDir);
    await run(bin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8',
      '--no-locale', '--no-sync'], asCluster);
  }

  let child: ChildProcess | undefined;
  let log = '';
  const rootQuery = (sql: string, database = 'postgres'): Promise<string> =>
    run(bin('psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socket, '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql], {});

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    const killed = signal === 'SIGKILL' ? killTree(c.pid) : [];
    if (signal !== 'SIGKILL') c.kill(signal);
    const timer = setTimeout(() => { if (c.pid) killTree(c.pid); }, 30_000);
    await exited;
    clearTimeout(timer);
    // Wait for the backends too, so a start() right after finds no old process still attached to shared memory.
    await waitGone(killed);
  };
  const start = async (): Promise<void> => {
    if (child) return;
    const c = spawn(bin('postgres'), ['-D', dataDir, '-k', socket, '-p', String(port), '-h', '127.0.0.1',
      '-c', 'shared_buffers=16MB', '-c', 'max_connections=40', '-c', 'logging_collector=off', '-c', 'max_wal_size=256MB'],
    { ...asCluster, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-8000); };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    c.once('error', (err) => { log += `\nspawn failed: ${err.message}`; });
    c.once('exit', () => live.delete(c));
    live.add(c);
    child = c;
    try {
      await waitReady('postgres', port, c, () => rootQuery('SELECT 1'), () => log);
    } catch (err) {
      await stopWith('SIGKILL');
      throw err;
    }
  };

  const password = crypto.randomBytes(12).toString('base64url');
  try {
    await start();
    if (fresh) {
      await rootQuery(`CREATE ROLE lifeboat LOGIN SUPERUSER PASSWORD '${password}'`);
      await rootQuery('CREATE DATABASE office OWNER lifeboat');
    } else {
      await rootQuery(`ALTER ROLE lifeboat PASSWORD '${password}'`);
    }
  } catch (err) {
    await stopWith('SIGINT');
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw err;
  }

  return {
    host: '127.0.0.1',
    port,
    socket,
    user: 'lifeboat',
    password,
    database: 'office',
    url: `postgres://lifeboat@127.0.0.1:${port}/office`,
    binDir,
    dir,
    dataDir,
    get pid() { return child?.pid; },
    log: () => log,
    rootQuery,
    psql: rootQuery,
    stop: () => stopWith('SIGINT'),
    crash: () => stopWith('SIGKILL'),
    start,
    dispose: async () => {
      await stopWith('SIGINT');
      fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

/** Runs a tool to completion (optionally as another uid); rejects with its stderr when it exits non-zero. */
function run(file: string, args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} failed: ${(stderr || stdout || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}


/** Waits (up to 10 s) until none of `pids` runs any more (a zombie waiting to be reaped counts as gone). */
async function waitGone(pids: number[]): Promise<void> {
  const running = (p: number): boolean => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 10_000;
  while (pids.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}


