// An S3-compatible server for tests, as /work/shared/peers.md ("S3-compatible") describes. There is no MinIO or
// real S3 on this machine: the two servers are test doubles of S3 from npm (dev dependencies), each run as a
// child process of process.execPath on 127.0.0.1 and a free port, with one bucket made at start:
// - s3rver checks the access key ID (an unknown one gets InvalidAccessKeyId) but not SigV4 signatures: its
//   middleware/authentication.js says "Signature version 4 calculation is unimplemented", so a wrong secret is
//   accepted. It keeps objects in a folder, has no AbortMultipartUpload (405) or ListMultipartUploads, and
//   gives plain MD5 ETags for multipart objects.
// - fauxqs checks no credentials at all, but has AbortMultipartUpload and real multipart ETags. It listens on
//   0.0.0.0 on its own, so a small launcher (below) moves its listen to 127.0.0.1; objects go to a folder.
// Neither verifies Content-MD5 or other checksums.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nut-server.ts';

export type S3ServerKind = 's3rver' | 'fauxqs';

export interface S3ServerOptions {
  kind?: S3ServerKind;
  /** Listen on this port (to start a server again where one was); a free one by default. */
  port?: number;
  /** Keep objects in this folder (to start again over the same data); a new temp folder by default. */
  dir?: string;
  /** The bucket made at start (default "backups"). */
  bucket?: string;
}

export interface S3Server {
  kind: S3ServerKind;
  host: string;
  port: number;
  /** http://127.0.0.1:PORT, for the client's `endpoint` (path-style). */
  endpoint: string;
  bucket: string;
  /** Credentials the server accepts (s3rver's built-in account; fauxqs takes any). */
  accessKeyId: string;
  secretAccessKey: string;
  /** True when an unknown access key ID is refused (s3rver). Neither double refuses a wrong secret. */
  checksAccessKey: boolean;
  /** The folder holding the objects. */
  dir: string;
  /** Stops the server process (SIGTERM, then SIGKILL after 3 s), keeping its data. Idempotent. */
  stop(): Promise<void>;
  /** Starts the server again on the same port over the same data; resolves when it answers. */
  restart(): Promise<void>;
  /** stop() and remove the data folder. Idempotent. */
  cleanup(): Promise<void>;
}

const require = createRequire(import.meta.url);

function resolveServer(kind: S3ServerKind): string | undefined {
  try {
    // fauxqs has only an "import" export, so it is found through import.meta.resolve.
    return kind === 's3rver' ? require.resolve('s3rver/bin/s3rver.js') : import.meta.resolve('fauxqs');
  } catch {
    return undefined;
  }
}

/**
 * Why the S3 tests cannot run here, or false when they can. Under CI (CI set) always false: a missing server
 * must then fail the tests (startS3Server throws naming the package), never skip them.
 */
export function s3SkipReason(kind: S3ServerKind = 's3rver'): string | false {
  if (process.env.CI) return false;
  return resolveServer(kind) ? false : `needs the dev dependency ${kind}: npm install`;
}

// Children alive when the test process exits (a failed test that skipped its after hook) are killed, so a stray
// server never holds a port into the next run.
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

// Moves fauxqs's listen from 0.0.0.0 to 127.0.0.1 (it has no option for it) and makes the bucket at start.
const FAUXQS_LAUNCHER = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] && typeof args[0] === 'object' && args[0].host === '0.0.0.0') args[0] = { ...args[0], host: '127.0.0.1' };
  return listen.apply(this, args);
};
const [url, port, dir, bucket] = process.argv.slice(1);
const { startFauxqs } = await import(url);
const server = await startFauxqs({ port: Number(port), logger: false, s3StorageDir: dir, init: { buckets: [bucket] } });
console.log('fauxqs listening on ' + server.address);
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
`;

function launch(kind: S3ServerKind, entry: string, port: number, dir: string, bucket: string): { child: ChildProcess; log: () => string } {
  const args = kind === 's3rver'
    ? [entry, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--no-vhost-buckets', '-s']
    : ['--input-type=module', '-e', FAUXQS_LAUNCHER, entry, String(port), dir, bucket];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => { log = (log + d.toString()).slice(-8000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (err) => { log += `\nspawn failed: ${err.message}`; });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { child, log: () => log };
}

/** Any HTTP answer at all means the server is up (s3rver says 200 to an anonymous GET /, fauxqs 403 or 200). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

/**
 * Starts an S3 double and resolves once it answers HTTP with the bucket made. Throws with the server's output
 * when it does not come up within 15 s, and naming the npm package when it is not installed.
 */
export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3Server> {
  const kind = opts.kind ?? 's3rver';
  const entry = resolveServer(kind);
  if (!entry) throw new Error(`the S3 test double ${kind} is not installed: npm install (it is a dev dependency; peers.md, "S3-compatible")`);
  const bucket = opts.bucket ?? 'backups';
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `lifeboat-${kind}-`));
  let proc: ReturnType<typeof launch> | undefined;

  const stop = async (): Promise<void> => {
    const c = proc?.child;
    proc = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const start = async (): Promise<void> => {
    if (proc) return;
    const p = (proc = launch(kind, entry, port, dir, bucket));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (p.child.exitCode !== null) throw new Error(`S3 peer: ${kind} exited with ${p.child.exitCode}\n${p.log()}`);
      // fauxqs makes the bucket just after it starts listening; its launcher prints once that is done.
      if ((kind === 's3rver' || p.log().includes('fauxqs listening')) && (await answers(port))) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`S3 peer: ${kind} did not answer on 127.0.0.1:${port} within 15 s\n${p.log()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaned ??= (async () => {
    await stop();
    if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  })());

  try {
    await start();
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    kind,
    host: '127.0.0.1',
    port,
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's built-in account; fauxqs accepts anything.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    checksAccessKey: kind === 's3rver',
    dir,
    stop,
    restart: start,
    cleanup,
  };
}

/**
 * A TCP proxy that flips one byte in the body of the first PUT it forwards, then passes everything through:
 * damage on the way that neither double would notice on its own (peers.md: neither validates checksums).
 * Made for one PUT per connection start, as a fresh client sends; flipped() counts the bytes flipped (0 or 1).
 */
export async function corruptingProxy(upstreamPort: number): Promise<{ port: number; flipped(): number; close(): Promise<void> }> {
  let flips = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => { client.destroy(); upstream.destroy(); });
      s.on('close', () => sockets.delete(s));
    }
    let head = Buffer.alloc(0);
    let flipNext = false;
    client.on('data', (chunk: Buffer) => {
      let d = chunk;
      if (flips === 0) {
        if (flipNext) {
          d = flip(d, 0);
        } else {
          head = Buffer.concat([head, d]);
          const end = head.indexOf('\r\n\r\n');
          if (end >= 0) {
            if (head.subarray(0, 4).toString() === 'PUT ') {
              const at = end + 4 - (head.length - d.length);
              if (at < d.length) d = flip(d, at);
              else flipNext = true;
            }
            head = Buffer.alloc(0);
          }
        }
      }
      upstream.write(d);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
  });
  const flip = (d: Buffer, at: number): Buffer => {
    const copy = Buffer.from(d);
    copy[at]! ^= 0xff;
    flips++;
    return copy;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    flipped: () => flips,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
