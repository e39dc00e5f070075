// A real MariaDB server for tests: mariadb-install-db into a temp datadir, then mariadbd --no-defaults on
// 127.0.0.1 and a free port, its unix socket in the same temp dir, small buffers. Root logs in only over
// that socket (no password; the TCP root accounts are dropped); the tests' account is `lifeboat` with a
// random password and all privileges on *.* (verify-by-restore creates temporary databases), and the
// database `office` exists. stop() and start() bring the same server back on the same port with its data.
// Needs the Debian packages mariadb-server and mariadb-client. Runs mariadbd with --user=root when root.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nut-server.ts';
import { waitReady, exitCleanup } from './process-tree.ts';

export { accepts } from './process-tree.ts';

export const MARIADB_DEBIAN_PACKAGES = 'mariadb-server mariadb-client';

const BIN = {
  server: ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'],
  installDb: ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'],
  client: ['/usr/bin/mariadb', '/usr/bin/mysql'],
};

export interface MariaDbServer {
  host: string;
  port: number;
  /** The server's unix socket (root's way in). */
  socket: string;
  /** The tests' account: `lifeboat`, all privileges on *.*, password login over TCP. */
  user: string;
  password: string;
  /** `office`, created empty. */
  database: string;
  /** mysql://lifeboat@127.0.0.1:PORT/office (no password: that goes through the secret store). */
  url: string;
  /** The temp dir (datadir, socket, pid file) and the datadir. */
  dir: string;
  dataDir: string;
  /** mariadbd's pid while running, undefined while stopped. */
  readonly pid: number | undefined;
  /** The last lines mariadbd wrote to its error log (stderr), for assertion messages. */
  log(): string;
  /** Runs SQL as root over the socket with the mariadb client (batch mode, no column names); resolves with stdout. */
  rootQuery(sql: string, database?: string): Promise<string>;
  /** A clean shutdown (SIGTERM, SIGKILL after 30 s). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: the server vanishes mid-whatever (InnoDB recovers at the next start()). */
  crash(): Promise<void>;
  /** Starts mariadbd again on the same port with the same data; resolves once it answers a query. */
  start(): Promise<void>;
  /** stop(), then removes the temp dir (the datadir too unless it was given). */
  dispose(): Promise<void>;
}

function find(candidates: string[]): string | undefined {
  return candidates.find((p) => fs.existsSync(p));
}

/**
 * Why the MariaDB tests cannot run here, or false when they can. Under CI (CI set) it is always false: there
 * a missing server must fail the tests (startMariaDb then throws naming the packages), never skip them.
 */
export function mariadbSkipReason(): string | false {
  if (process.env.CI) return false;
  if (!find(BIN.server) || !find(BIN.installDb) || !find(BIN.client)) {
    return `needs a real MariaDB: apt-get install --no-install-recommends ${MARIADB_DEBIAN_PACKAGES}`;
  }
  return false;
}

// Servers and temp dirs left when the test process exits are cleaned up (process-tree.ts).
const { live, dirs } = exitCleanup();

/**
 * Initialises a datadir (unless `dataDir` already holds one), starts mariadbd on `port` (a free one by
 * default), waits until it accepts TCP and answers a query, then (on a fresh datadir) creates `office` and
 * the `lifeboat` account. Throws with mariadbd's log when it does not come up, and with the Debian package
 * names when MariaDB is not installed.
 */
export async function startMariaDb(opts: { port?: number; dataDir?: string } = {}): Promise<MariaDbServer> {
  const server = find(BIN.server);
  const installDb = find(BIN.installDb);
  const client = find(BIN.client);
  if (!server || !installDb || !client) throw new Error(`mariadbd, mariadb-install-db or mariadb not found: install the Debian packages ${MARIADB_DEBIAN_PACKAGES}`);
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mariadb-'));
  dirs.add(dir);
  const dataDir = opts.dataDir ?? path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const root = process.getuid?.() === 0;
  const userArgs = root ? ['--user=root'] : [];
  // Small and quick: a 16 MB redo log (mariadb-install-db would make 96 MB), no buffer pool dump at shutdown.
  const tuning = ['--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M', '--innodb-buffer-pool-dump-at-shutdown=OFF',
    '--innodb-buffer-pool-load-at-startup=OFF', '--skip-name-resolve', '--max-connections=50', '--performance-schema=OFF'];
  const fresh = !fs.existsSync(path.join(dataDir, 'mysql'));
  if (fresh) {
    fs.mkdirSync(dataDir, { recursive: true });
    await run(installDb, ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db',
      ...userArgs, ...tuning], {});
  }

  let child: ChildProcess | undefined;
  let log = '';
  const rootQuery = (sql: string, database?: string): Promise<string> =>
    run(client, ['--no-defaults', '-uroot', `--socket=${socket}`, '-N', '-B', ...(database ? [`--database=${database}`] : []), '-e', sql], {});

  const waitExit = async (c: ChildProcess, signal: NodeJS.Signals, killAfterMs: number): Promise<void> => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c) await waitExit(c, 'SIGTERM', 30_000);
  };
  const crash = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c) await waitExit(c, 'SIGKILL', 0);
  };
  const start = async (): Promise<void> => {
    if (child) return;
    const c = spawn(server, ['--no-defaults', ...userArgs, `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`,
      '--bind-address=127.0.0.1', `--pid-file=${path.join(dir, 'mariadbd.pid')}`, ...tuning], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-8000); };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    c.once('error', (err) => { log += `\nspawn failed: ${err.message}`; });
    c.once('exit', () => live.delete(c));
    live.add(c);
    child = c;
    try {
      await waitReady('mariadbd', port, c, () => rootQuery('SELECT 1'), () => log);
    } catch (err) {
      await crash();
      throw err;
    }
  };

  const password = crypto.randomBytes(12).toString('base64url');
  try {
    await start();
    if (fresh) {
      await rootQuery([
        `DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@'${os.hostname()}'`,
        'CREATE DATABASE office',
        `CREATE USER 'lifeboat'@'%' IDENTIFIED BY '${password}'`,
        `CREATE USER 'lifeboat'@'localhost' IDENTIFIED BY '${password}'`,
        "GRANT ALL PRIVILEGES ON *.* TO 'lifeboat'@'%' WITH GRANT OPTION",
        "GRANT ALL PRIVILEGES ON *.* TO 'lifeboat'@'localhost' WITH GRANT OPTION",
      ].join(';\n'));
    } else {
      await rootQuery(`ALTER USER 'lifeboat'@'%' IDENTIFIED BY '${password}'; ALTER USER 'lifeboat'@'localhost' IDENTIFIED BY '${password}'`);
    }
  } catch (err) {
    await stop();
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
    url: `mysql://lifeboat@127.0.0.1:${port}/office`,
    dir,
    dataDir,
    get pid() { return child?.pid; },
    log: () => log,
    rootQuery,
    stop,
    crash,
    start,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

/** Runs a tool to completion; rejects with its stderr (and stdout) when it exits non-zero. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} failed: ${(stderr || stdout || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}
