// A real NUT server for tests: upsd with the dummy-ups driver on a free 127.0.0.1 port, configured in a temp
// dir exactly as /work/shared/peers.md ("UPS: NUT") describes. Needs the Debian packages nut-server (upsd,
// dummy-ups) and nut-client (upsrw), and root (the recipe runs both daemons with -u root).
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NUT_DEBIAN_PACKAGES = 'nut-server nut-client';

export interface NutServerOptions {
  /** Listen on this port (e.g. to start upsd again where a stopped one was); a free one by default. */
  port?: number;
  /** The UPS name in ups.conf (default "ups"). */
  ups?: string;
  /** The initial ups.status written to ups.dev (default "OL"). */
  status?: string;
}

export interface NutServer {
  host: string;
  port: number;
  ups: string;
  /** nut://127.0.0.1:PORT/UPS (no credentials: reading needs none). */
  url: string;
  /** An upsd.users account allowed to SET, for upsrw and for tests of USERNAME/PASSWORD. */
  admin: { user: string; password: string };
  /** The temp dir holding etc/ and state/ (removed by stop()). */
  dir: string;
  /** Sets ups.status through upsd (upsrw -s), at once; resolves when upsd has accepted it (the driver applies it within ms). */
  setStatus(status: string): Promise<void>;
  /** Sets any variable the dummy driver has (e.g. battery.charge) through upsrw. */
  setVar(name: string, value: string): Promise<void>;
  /** Stops upsd and the driver (SIGTERM, then SIGKILL after 3 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const LIB_DIRS = ['/lib/nut', '/usr/lib/nut'];

function findBinary(name: string, dirs: string[]): string | undefined {
  return dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
}

function binaries(): { upsd?: string; driver?: string; upsrw?: string } {
  const found = {
    upsd: findBinary('upsd', LIB_DIRS),
    driver: findBinary('dummy-ups', LIB_DIRS),
    upsrw: findBinary('upsrw', ['/usr/bin', '/bin', ...(process.env.PATH ?? '').split(':').filter(Boolean)]),
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

/**
 * Why the NUT tests cannot run here, or false when they can. Under CI (CI set) it is always false: there a
 * missing upsd must fail the test (startNutServer then throws naming the packages), never skip it.
 */
export function nutSkipReason(): string | false {
  if (process.env.CI) return false;
  const b = binaries();
  if (!b.upsd || !b.driver || !b.upsrw) return `needs a real upsd: apt-get install --no-install-recommends ${NUT_DEBIAN_PACKAGES}`;
  if (process.getuid?.() !== 0) return 'needs root to run upsd and dummy-ups as in peers.md';
  return false;
}

/** A port nobody listens on right now (bound and released; the tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// Children still alive when the test process exits (a failed test that skipped its after hook) are killed,
// so a stray upsd never holds a port into the next run.
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

interface Daemon { child: ChildProcess; log: () => string; exited: Promise<void> }

function startDaemon(file: string, args: string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-8000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
  child.once('error', (err) => { log += `\nspawn failed: ${err.message}`; });
  return { child, log: () => log, exited };
}

async function stopDaemon(d: Daemon): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 3000);
  await d.exited;
  clearTimeout(timer);
}

/** One line of answer to `GET VAR`, or undefined when nothing listens yet. */
function ask(port: number, line: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (v: string | undefined): void => { s.destroy(); resolve(v); };
    s.setTimeout(1000, () => done(undefined));
    s.on('error', () => done(undefined));
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) done(buf.split('\n')[0]);
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, logs: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`NUT peer: ${what} within ${timeoutMs} ms\n${logs()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts dummy-ups, then upsd (in that order: an upsd started first only finds its driver seconds later),
 * and resolves once upsd answers a real ups.status (not WAIT). Throws with the daemons' logs when they do not
 * come up, and with the Debian package names when upsd is not installed.
 */
export async function startNutServer(opts: NutServerOptions = {}): Promise<NutServer> {
  const b = binaries();
  if (!b.upsd || !b.driver || !b.upsrw) {
    throw new Error(`upsd, dummy-ups or upsrw not found: install the Debian packages ${NUT_DEBIAN_PACKAGES} (peers.md, "UPS: NUT")`);
  }
  const { upsd, driver, upsrw } = b as Required<typeof b>;
  const ups = opts.ups ?? 'ups';
  const port = opts.port ?? (await freePort());
  const admin = { user: 'admin', password: `pw-${process.pid}-${port}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-nut-'));
  const etc = path.join(dir, 'etc');
  const state = path.join(dir, 'state');
  fs.mkdirSync(etc);
  fs.mkdirSync(state);
  const write = (name: string, text: string): void => fs.writeFileSync(path.join(etc, name), text, { mode: 0o640 });
  write('nut.conf', 'MODE=standalone\n');
  write('ups.conf', `[${ups}]\n  driver = dummy-ups\n  port = ${path.join(etc, 'ups.dev')}\n  mode = dummy-once\n  pollinterval = 1\n`);
  write('upsd.conf', `LISTEN 127.0.0.1 ${port}\n`);
  write('upsd.users', `[${admin.user}]\n  password = ${admin.password}\n  actions = SET\n  instcmds = ALL\n`);
  write('ups.dev', `ups.status: ${opts.status ?? 'OL'}\nbattery.charge: 100\nbattery.runtime: 1800\n`);
  const root = process.getuid?.() === 0;
  if (root) {
    execFileSync('chown', ['-R', 'root:nut', etc, state]);
    fs.chmodSync(state, 0o770);
  }
  const user = root ? 'root' : os.userInfo().username;
  const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state };

  const daemons: Daemon[] = [];
  const logs = (): string => daemons.map((d) => `--- ${d.child.spawnfile}\n${d.log()}`).join('\n');
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    for (const d of [...daemons].reverse()) await stopDaemon(d);
    fs.rmSync(dir, { recursive: true, force: true });
  })());

  try {
    daemons.push(startDaemon(driver, ['-a', ups, '-u', user, '-F'], env));
    await waitFor('dummy-ups did not create its socket', 5000, () => (fs.existsSync(path.join(state, `dummy-ups-${ups}`)) ? true : undefined), logs);
    const server = startDaemon(upsd, ['-u', user, '-F'], env);
    daemons.push(server);
    await waitFor('upsd did not answer a real ups.status', 10_000, async () => {
      if (server.child.exitCode !== null) throw new Error(`NUT peer: upsd exited with ${server.child.exitCode}\n${logs()}`);
      const line = await ask(port, `GET VAR ${ups} ups.status`);
      return line?.startsWith('VAR ') && !line.includes('"WAIT"') ? line : undefined;
    }, logs);
  } catch (err) {
    await stop();
    throw err;
  }

  const setVar = (name: string, value: string): Promise<void> => new Promise((resolve, reject) => {
    execFile(upsrw, ['-s', `${name}=${value}`, '-u', admin.user, '-p', admin.password, `${ups}@127.0.0.1:${port}`], { timeout: 5000 }, (err, stdout, stderr) => {
      if (err || !/^OK\b/m.test(`${stdout}\n${stderr}`)) reject(new Error(`upsrw -s ${name}=${value} failed: ${(stderr || stdout || String(err)).trim()}`));
      else resolve();
    });
  });

  return {
    host: '127.0.0.1',
    port,
    ups,
    url: `nut://127.0.0.1:${port}/${ups}`,
    admin,
    dir,
    setStatus: (status) => setVar('ups.status', status),
    setVar,
    stop,
  };
}
