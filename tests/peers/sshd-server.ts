// A real OpenSSH server for tests, set up exactly as /work/shared/peers.md ("SFTP: real OpenSSH") describes:
// its own host key, client key and sshd_config in a temp dir, 127.0.0.1 only, a free port, and every login
// forced into `internal-sftp -d DATA`. stop() and start() take it down and bring it back on the same port with
// the same keys and data, for "the server was away for a while" tests. Needs the Debian package
// openssh-server (sshd, ssh-keygen) and root (sshd's privilege separation and the login as root).
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nut-server.ts';
import { descendants, killTree, exitCleanup } from './process-tree.ts';

export const SSHD_DEBIAN_PACKAGES = 'openssh-server openssh-client';
const SSHD = '/usr/sbin/sshd';

export interface SshdServer {
  host: string;
  port: number;
  /** The account the client logs in as (the user running the tests: root here). */
  user: string;
  /** What the SFTP session sees as its login folder (`internal-sftp -d`). */
  dataDir: string;
  clientKeyFile: string;
  /** The client's private key (OpenSSH format), for SftpTarget's `privateKey`. */
  clientKey: Buffer;
  hostKeyFile: string;
  /** The listener's pid while running, undefined while stopped. */
  readonly pid: number | undefined;
  /** The processes serving open connections (children of the listener), e.g. to SIGSTOP a "stuck server". */
  sessionPids(): number[];
  /** The last lines sshd wrote (-e: its log goes to stderr), for assertion messages. */
  log(): string;
  /** Kills the listener and every session it forked (a server that went away). Idempotent. */
  stop(): Promise<void>;
  /** Starts sshd again on the same port with the same keys and data; resolves once it greets. */
  start(): Promise<void>;
  /** A fresh host key (a reinstalled server, or an impostor); takes effect at the next start(). */
  rotateHostKey(): void;
  /** stop(), then removes the temp dir (keys, config; the data dir too unless it was given). */
  dispose(): Promise<void>;
}

/**
 * Why the sshd tests cannot run here, or false when they can. Under CI (CI set) it is always false: there a
 * missing sshd must fail the tests (startSshd then throws naming the packages), never skip them.
 */
export function sshdSkipReason(): string | false {
  if (process.env.CI) return false;
  if (!fs.existsSync(SSHD) || !which('ssh-keygen')) return `needs a real sshd: apt-get install --no-install-recommends ${SSHD_DEBIAN_PACKAGES}`;
  if (process.getuid?.() !== 0) return 'needs root to run sshd as in peers.md (set CI=true to make this a failure instead of a skip)';
  return false;
}

// Servers and temp dirs left when the test process exits are cleaned up (process-tree.ts).
const { live, dirs } = exitCleanup();

/**
 * Starts sshd on `port` (a free one by default) serving `dataDir` (a fresh temp folder by default; give a
 * tmpfs mount for disk-full tests) and resolves once it sends its SSH banner. Throws with sshd's log when
 * it does not come up.
 */
export async function startSshd(opts: { port?: number; dataDir?: string } = {}): Promise<SshdServer> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} not found: install the Debian packages ${SSHD_DEBIAN_PACKAGES} (peers.md, "SFTP: real OpenSSH")`);
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sshd-'));
  dirs.add(dir);
  const dataDir = opts.dataDir ?? path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const hostKeyFile = path.join(dir, 'host_ed25519_key');
  const clientKeyFile = path.join(dir, 'client_ed25519_key');
  keygen(hostKeyFile);
  keygen(clientKeyFile);
  fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(`${clientKeyFile}.pub`), { mode: 0o600 });
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(config, sshdConfig({ port, dir, dataDir, hostKeyFile }));
  // sshd refuses to start without its privilege separation folder (no systemd here to make it).
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  let child: ChildProcess | undefined;
  let log = '';
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    killTree(c.pid);
    await exited;
    live.delete(c);
  };
  const start = async (): Promise<void> => {
    if (child) return;
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-8000); };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    c.once('error', (err) => { log += `\nspawn failed: ${err.message}`; });
    c.once('exit', () => live.delete(c));
    live.add(c);
    child = c;
    try {
      await waitForBanner(port, c, () => log);
    } catch (err) {
      await stop();
      throw err;
    }
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    user: os.userInfo().username,
    dataDir,
    clientKeyFile,
    clientKey: fs.readFileSync(clientKeyFile),
    hostKeyFile,
    get pid() { return child?.pid; },
    log: () => log,
    sessionPids: () => (child?.pid ? descendants(child.pid) : []),
    stop,
    start,
    rotateHostKey: () => {
      fs.rmSync(hostKeyFile, { force: true });
      fs.rmSync(`${hostKeyFile}.pub`, { force: true });
      keygen(hostKeyFile);
    },
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

function sshdConfig(o: { port: number; dir: string; dataDir: string; hostKeyFile: string }): string {
  const lines = [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKeyFile}`,
    `PidFile ${path.join(o.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(o.dir, 'authorized_keys')}`,
    // Temp dirs are world-writable on the way up; StrictModes would refuse the authorized_keys file.
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'Subsystem sftp internal-sftp',
    `ForceCommand internal-sftp -d ${o.dataDir}`,
  ];
  // OpenSSH 9.8+ blocks a source address after repeated failed logins; the wrong-key tests would then see
  // refused connections instead of an auth failure. 9.2 (Debian 12) does not know the option and would not start.
  if (sshdVersion() >= 9.8) lines.push('PerSourcePenalties no');
  return `${lines.join('\n')}\n`;
}

function sshdVersion(): number {
  // `sshd -V` prints to stderr, and older versions exit non-zero after it ("unknown option").
  const out = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(`${out.stderr}${out.stdout}`);
  return m ? Number(`${m[1]}.${m[2]}`) : 0;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lifeboat-test', '-f', file], { stdio: 'pipe' });
}

/** Resolves once something on the port sends an SSH banner: a listening socket alone is not a working sshd. */
async function waitForBanner(port: number, child: ChildProcess, logs: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited (${child.exitCode ?? child.signalCode})\n${logs()}`);
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not greet on 127.0.0.1:${port} within ${timeoutMs} ms\n${logs()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('data', (d) => done(d.toString().startsWith('SSH-')));
  });
}



function which(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && fs.existsSync(path.join(d, cmd)));
}
