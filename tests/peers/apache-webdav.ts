// A real WebDAV server for tests: Apache httpd with mod_dav/mod_dav_fs on a free 127.0.0.1 port, configured
// in a temp dir as /work/shared/peers.md ("WebDAV: real Apache") describes. Needs the Debian packages
// apache2 and apache2-utils (htpasswd). As root, Apache's workers run as www-data, so everything they write
// (the data and the lock database) is handed to www-data.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nut-server.ts';

export const APACHE_DEBIAN_PACKAGES = 'apache2 apache2-utils';

const HTTPD = '/usr/sbin/apache2';
const HTPASSWD = '/usr/bin/htpasswd';
const MODULES = '/usr/lib/apache2/modules';
// log_config is built in; authz_user gives "Require valid-user".
const MODULE_NAMES = ['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_basic', 'dav', 'dav_fs', 'dav_lock', 'mime', 'alias'];

export interface WebdavServerOptions {
  /** Listen on this port (a free one by default). */
  port?: number;
  /** Serve this folder (created, and given to www-data when root); a fresh temp folder by default. */
  dataDir?: string;
}

export interface WebdavServer {
  /** http://127.0.0.1:PORT/dav/ (no credentials). */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The folder behind /dav/, as a file path (tests may look at or damage files there directly). */
  dataDir: string;
  /** The running Apache master's pid; undefined while stopped. */
  readonly pid: number | undefined;
  /** Stops Apache (SIGTERM, then SIGKILL of its whole process group after 5 s); the data stays. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, data and account, and resolves once it answers HTTP. */
  start(): Promise<void>;
  /** stop(), then removes the config dir and, unless it was given in the options, the data dir. */
  destroy(): Promise<void>;
}

/**
 * Why the Apache tests cannot run here, or false when they can. Under CI (CI set) it is always false: there a
 * missing Apache must fail the test (startApacheWebdav then throws naming the packages), never skip it.
 */
export function apacheSkipReason(): string | false {
  if (process.env.CI) return false;
  const missing = [HTTPD, HTPASSWD, path.join(MODULES, 'mod_dav_fs.so')].filter((f) => !fs.existsSync(f));
  if (missing.length) return `needs a real Apache with mod_dav (missing ${missing.join(', ')}): apt-get install --no-install-recommends ${APACHE_DEBIAN_PACKAGES}`;
  return false;
}

// The Apache process groups still alive when the test process exits (a test that never reached its after
// hook): killed, so no stray httpd holds a port into the next run; and their temp dirs removed.
const live = new Set<number>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const pid of live) killGroup(pid, 'SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function config(dir: string, port: number, dataDir: string, asRoot: boolean): string {
  return [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/httpd.pid`,
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    ...MODULE_NAMES.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    'TypesConfig /etc/mime.types',
    `DAVLockDB ${dir}/lock/DAVLock`,
    // No upload limit: packs are 16 MiB and more.
    'LimitRequestBody 0',
    `Alias /dav ${dataDir}`,
    `<Directory ${dataDir}>`,
    '  Dav On',
    '  AuthType Basic',
    '  AuthName "lifeboat-test"',
    `  AuthUserFile ${dir}/htpasswd`,
    '  Require valid-user',
    '</Directory>',
    '',
  ].join('\n');
}

/** Any HTTP answer at all (a 401 included) means Apache is serving. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/dav/', method: 'OPTIONS', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Starts Apache with WebDAV under /dav/ (Basic auth, one user with a random password) and resolves once it
 * answers HTTP. Throws with Apache's log when it does not come up, and with the Debian package names when
 * Apache is not installed. Call destroy() in an after() hook.
 */
export async function startApacheWebdav(opts: WebdavServerOptions = {}): Promise<WebdavServer> {
  if (!fs.existsSync(HTTPD) || !fs.existsSync(HTPASSWD)) {
    throw new Error(`${HTTPD} or ${HTPASSWD} not found: install the Debian packages ${APACHE_DEBIAN_PACKAGES} (peers.md, "WebDAV: real Apache")`);
  }
  const asRoot = process.getuid?.() === 0;
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-apache-'));
  dirs.add(dir);
  const dataDir = path.resolve(opts.dataDir ?? path.join(dir, 'data'));
  // www-data must get through the temp dir (mkdtemp makes it 0700) to the data and the lock database.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'lock'));
  if (asRoot) execFileSync('chown', ['-R', 'www-data:www-data', dataDir, path.join(dir, 'lock')]);
  const user = 'lifeboat';
  const password = `pw-${crypto.randomBytes(9).toString('base64url')}`;
  // -i: the password on stdin, not in the process list.
  execFileSync(HTPASSWD, ['-c', '-i', path.join(dir, 'htpasswd'), user], { input: password, stdio: ['pipe', 'ignore', 'pipe'] });
  fs.chmodSync(path.join(dir, 'htpasswd'), 0o644);
  fs.writeFileSync(path.join(dir, 'httpd.conf'), config(dir, port, dataDir, asRoot));

  let child: ChildProcess | undefined;
  let output = '';
  const logs = (): string => {
    let errorLog = '';
    try { errorLog = fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-4000); } catch { /* not written yet */ }
    return `${output}\n${errorLog}`;
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    // SIGTERM to the master: it stops its workers. Should it hang, SIGKILL the group so no worker keeps the port.
    c.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(c.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    killGroup(c.pid, 'SIGKILL');
    live.delete(c.pid);
  };

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    output = '';
    // Its own process group, so that stop() and the exit hook can reach the workers too.
    const c = spawn(HTTPD, ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    if (c.pid) live.add(c.pid);
    const keep = (d: Buffer): void => { output = (output + d.toString()).slice(-4000); };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    c.once('error', (err) => { output += `\nspawn failed: ${err.message}`; });
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (c.exitCode !== null || c.signalCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`Apache WebDAV peer did not answer on 127.0.0.1:${port}\n${logs()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const destroy = async (): Promise<void> => {
    await stop();
    // A given dataDir lives elsewhere and stays; the default one is inside dir.
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };

  try {
    await start();
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}/dav/`,
    host: '127.0.0.1',
    port,
    user,
    password,
    dataDir,
    get pid() { return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined; },
    stop,
    start,
    destroy,
  };
}
