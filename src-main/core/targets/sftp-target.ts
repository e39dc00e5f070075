import crypto from 'node:crypto';
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import { hostVerifier, pinnedKeys, preferPinnedTypes } from './host-keys.ts';
import { classifyNetworkError, isObjectName, kindDir, notFound, objectPath, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';

export interface SftpTargetOptions {
  host: string;
  port: number;
  user: string;
  /** The repository root: absolute, or relative to the login folder. Its parent must exist; the root is created. */
  path: string;
  privateKey?: Buffer | string;
  password?: string;
  /** Where host keys are pinned on first use (OpenSSH known_hosts format), e.g. DATA_DIR/known_hosts. */
  knownHostsFile: string;
  /** Give up connecting (TCP, handshake, login, SFTP start) after this long. Default 15 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive interval; after 3 unanswered ones the connection counts as lost. Default 10 s. */
  keepaliveMs?: number;
  /** A connection with requests outstanding and no answer for this long is dropped. Default 60 s. */
  inactivityTimeoutMs?: number;
}

// SFTP v3 status codes (draft-ietf-secsh-filexfer-02), as ssh2 puts them in `err.code`.
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const FAILURE = 4;
const NO_CONNECTION = 6;
const CONNECTION_LOST = 7;

// 64 KiB requests, 8 in flight: fast on a LAN, and little enough queued ahead of a keepalive that a slow
// uplink (1 Mbit/s: 4 s of queue) never looks like a dead link.
const CHUNK = 64 * 1024;
const IN_FLIGHT = 8;
const KEEPALIVE_COUNT = 3;
const MiB = 1024 * 1024;

interface CachedHandle { handle: Promise<Buffer>; users: number }

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  dead: boolean;
  /** Why the connection ended, for the messages of the requests it took down. */
  reason?: string;
  pending: number;
  lastAnswer: number;
  watchdog?: NodeJS.Timeout;
  /** Open read handles of packs (content-addressed, so never stale), for many range reads in a row. */
  handles: Map<string, CachedHandle>;
}

/**
 * A repository on an SSH server, through SFTP (OpenSSH's sftp-server or internal-sftp; a NAS; a rented box).
 * One connection, opened on first use and reused; after a drop the next call opens a new one, and close()
 * ends it (the target can be used again). Keepalives notice a silently dead link within about 40 s, and a
 * connection whose server stops answering requests is dropped after `inactivityTimeoutMs`, so no call hangs.
 *
 * Saves write `tmp/<name>.<random>.part`, check its size, fsync it when the server can, and rename it onto
 * the final name (posix-rename@openssh.com replaces atomically). Host keys are pinned on first use
 * (host-keys.ts); a changed key is a permanent 'host-key' error. A full server disk is a permanent
 * 'no-space' error: OpenSSH reports ENOSPC as a bare "Failure", so the free space is asked for (statvfs).
 */
export class SftpTarget implements Target {
  readonly location: string;
  readonly endpoint: { host: string; port: number };
  private readonly o: SftpTargetOptions;
  private readonly root: string;
  private live?: Session;
  private opening?: Promise<Session>;
  private madeDirs = new Set<string>();
  /** Bytes of packs not sent again because an earlier, cut save had already put them on the server. */
  resumedBytes = 0;

  constructor(opts: SftpTargetOptions) {
    this.o = opts;
    this.root = posix.normalize(opts.path || '.').replace(/(.)\/+$/, '$1');
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    // A path relative to the login folder is written `/~/path`, as in the sftp URI draft.
    const shown = this.root.startsWith('/') ? this.root : `/~/${this.root === '.' ? '' : this.root}`;
    this.location = `sftp://${encodeURIComponent(opts.user)}@${host}:${opts.port}${shown}`;
    this.endpoint = { host: opts.host, port: opts.port };
  }

  async save(h: Handle, body: Body): Promise<void> {
    const final = this.abs(objectPath(h));
    // Packs (16 MiB, content-addressed: any earlier try wrote a prefix of these very bytes) resume where a cut
    // connection left them, so a slow line that drops now and then still gets every pack through. One
    // sender per target (the outbox's lock), so no two saves share a temp name.
    const resumable = h.kind === 'pack';
    const tmp = this.abs(resumable ? `tmp/${h.name}.part` : `tmp/${h.name}.${crypto.randomBytes(6).toString('hex')}.part`);
    const s = await this.session();
    let handle: Buffer | undefined;
    try {
      await this.ensureDir(s, posix.dirname(final));
      await this.ensureDir(s, posix.dirname(tmp));
      let start = 0;
      if (resumable) {
        const had = await this.req<{ size: number }>(s, (sftp, cb) => sftp.stat(tmp, cb)).catch(() => undefined);
        // Rewrite the last writes that were in flight: a server need not have applied them in order.
        if (had && had.size <= body.size) start = Math.max(0, Math.floor(had.size / CHUNK) - IN_FLIGHT) * CHUNK;
        handle = await this.req<Buffer>(s, (sftp, cb) => sftp.open(tmp, had && had.size <= body.size ? 'r+' : 'w', { mode: 0o644 }, cb));
      } else {
        handle = await this.req<Buffer>(s, (sftp, cb) => sftp.open(tmp, 'wx', { mode: 0o644 }, cb));
      }
      this.resumedBytes += start;
      const written = await this.writeBody(s, handle, body, start);
      if (written !== body.size) throw new TargetError('retry', 'failed', `${this.location}: the data for ${objectPath(h)} gave ${written} bytes, expected ${body.size}`);
      const stored = (await this.req<{ size: number }>(s, (sftp, cb) => sftp.fstat(handle!, cb))).size;
      if (stored !== body.size) throw new TargetError('retry', 'failed', `${this.location}: the server holds ${stored} of ${body.size} bytes of ${objectPath(h)}`);
      await this.fsync(s, handle);
      const closing = handle;
      handle = undefined;
      await this.req(s, (sftp, cb) => sftp.close(closing, cb));
      await this.rename(s, tmp, final);
      this.forget(s, final);
    } catch (err) {
      // Asked before the temp file goes: removing it frees the very space whose lack made the save fail.
      const explained = await this.explainWrite(s, err, h, body.size);
      if (handle) await this.req(s, (sftp, cb) => sftp.close(handle!, cb)).catch(() => {});
      // A pack cut off by the network stays for the next try to resume; anything else goes.
      const keep = resumable && explained instanceof TargetError && explained.code === 'unreachable';
      if (!keep) await this.req(s, (sftp, cb) => sftp.unlink(tmp, cb)).catch(() => {});
      throw explained;
    }
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const file = this.abs(objectPath(h));
    const s = await this.session();
    try {
      if (range) return await this.withHandle(s, file, h.kind === 'pack', (fh) => this.readExactly(s, fh, range.offset, range.length, h));
      return await this.withHandle(s, file, false, async (fh) => {
        const { size } = await this.req<{ size: number }>(s, (sftp, cb) => sftp.fstat(fh, cb));
        return this.readExactly(s, fh, 0, size, h);
      });
    } catch (err) {
      throw this.explain(s, err, `reading ${objectPath(h)}`, h);
    }
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    const file = this.abs(objectPath(h));
    const s = await this.session();
    try {
      const st = await this.req<{ size: number }>(s, (sftp, cb) => sftp.stat(file, cb));
      return { name: h.name, size: st.size };
    } catch (err) {
      throw this.explain(s, err, `reading ${objectPath(h)}`, h);
    }
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const dir = this.abs(kindDir(kind));
    const s = await this.session();
    try {
      const out: ObjectInfo[] = [];
      const files = (entries: Entry[]): void => {
        for (const e of entries) if (isObjectName(kind, e.filename) && isFile(e.attrs.mode)) out.push({ name: e.filename, size: e.attrs.size });
      };
      const top = await this.readdir(s, dir);
      if (kind !== 'pack') {
        files(top);
        return out;
      }
      const subs = top.filter((e) => /^[0-9a-f]{2}$/.test(e.filename) && isDir(e.attrs.mode)).map((e) => posix.join(dir, e.filename));
      await inParallel(subs.length, IN_FLIGHT, async (i) => files(await this.readdir(s, subs[i]!)));
      return out;
    } catch (err) {
      throw this.explain(s, err, `listing ${kindDir(kind) || 'the repository'}`);
    }
  }

  async remove(h: Handle): Promise<void> {
    const file = this.abs(objectPath(h));
    const s = await this.session();
    this.forget(s, file);
    try {
      await this.req(s, (sftp, cb) => sftp.unlink(file, cb));
    } catch (err) {
      if (statusOf(err) !== NO_SUCH_FILE) throw this.explain(s, err, `removing ${objectPath(h)}`, h);
    }
  }

  /**
   * Free bytes on the server's disk holding the repository (statvfs@openssh.com), or undefined when the
   * server does not say. Not reaching the server is an error ('retry'), not "cannot tell".
   */
  async freeSpace(): Promise<number | undefined> {
    const s = await this.session();
    const vfs = await this.statvfs(s);
    return vfs ? vfs.free : undefined;
  }

  async close(): Promise<void> {
    const s = this.live ?? (await this.opening?.catch(() => undefined));
    this.live = undefined;
    this.madeDirs.clear();
    if (s) this.drop(s, 'closed');
  }

  /** Removes `.part` files left in tmp/ by saves that died with their connection, once older than `olderThanMs`. */
  async removeDebris(olderThanMs = 24 * 3600_000): Promise<string[]> {
    const s = await this.session();
    const dir = this.abs('tmp');
    const old = (await this.readdir(s, dir).catch(() => [])).filter((e) => e.filename.endsWith('.part') && e.attrs.mtime * 1000 < Date.now() - olderThanMs);
    for (const e of old) await this.req(s, (sftp, cb) => sftp.unlink(posix.join(dir, e.filename), cb)).catch(() => {});
    return old.map((e) => e.filename);
  }

  // --- connection --------------------------------------------------------------------------------------

  private async session(): Promise<Session> {
    if (this.live && !this.live.dead) return this.live;
    this.opening ??= this.connect().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async connect(): Promise<Session> {
    const { host, port, knownHostsFile } = this.o;
    const timeoutMs = this.o.connectTimeoutMs ?? 15_000;
    let pinned;
    try {
      pinned = await pinnedKeys(knownHostsFile, host, port);
    } catch (err) {
      throw new TargetError('permanent', 'failed', `cannot read the pinned host keys in ${knownHostsFile}: ${(err as Error).message}`, { cause: err });
    }
    return new Promise<Session>((resolve, reject) => {
      const client = new ssh2.Client();
      let refused: TargetError | undefined;
      let done = false;
      const timer = setTimeout(() => fail(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
      const fail = (err: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.destroy();
        reject(refused ?? this.connectError(err));
      };
      client.on('error', (err) => {
        if (!done) return fail(err);
        if (this.live?.client === client) this.live.reason ??= err.message;
      });
      client.on('close', () => fail(new Error('connection closed by the server')));
      client.once('ready', () => {
        // Without it every small request waits on Nagle's algorithm against delayed ACKs (about 40 ms each).
        client.setNoDelay(true);
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          if (done) return client.destroy();
          done = true;
          clearTimeout(timer);
          const s: Session = { client, sftp, dead: false, pending: 0, lastAnswer: Date.now(), handles: new Map() };
          client.on('close', () => {
            s.dead = true;
            s.reason ??= 'connection closed';
            if (s.watchdog) clearInterval(s.watchdog);
            if (this.live === s) this.live = undefined;
          });
          this.live = s;
          resolve(s);
        });
      });
      const algorithms = preferPinnedTypes(pinned);
      const config: ConnectConfig = {
        host,
        port,
        username: this.o.user,
        readyTimeout: timeoutMs,
        keepaliveInterval: this.o.keepaliveMs ?? 10_000,
        keepaliveCountMax: KEEPALIVE_COUNT,
        hostVerifier: hostVerifier(knownHostsFile, host, port, (e) => { refused = e; }),
        ...(algorithms ? { algorithms: { serverHostKey: algorithms } } : {}),
        ...(this.o.privateKey !== undefined ? { privateKey: this.o.privateKey } : {}),
        ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      };
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 parses the private key synchronously; its message names no secret.
        fail(new TargetError('permanent', 'bad-input', `${this.location}: the private key cannot be used: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  private connectError(err: unknown): TargetError {
    if (err instanceof TargetError) return err;
    const level = (err as { level?: string }).level;
    if (level === 'client-authentication') {
      const hint = this.o.privateKey !== undefined
        ? `check the user name, and that Lifeboat's public key is in that account's authorized_keys on the server${this.o.password !== undefined ? ', or the password' : ''}`
        : this.o.password !== undefined ? 'check the user name and the password' : 'no private key or password is set';
      return new TargetError('permanent', 'auth', `${this.o.host}:${this.o.port} refused the login of user "${this.o.user}": ${hint}`, { cause: err });
    }
    return classifyNetworkError(err, this.location, 'connect');
  }

  /** Ends a connection: requests still waiting fail (ssh2 answers them "No response from server"). */
  private drop(s: Session, reason: string): void {
    s.reason ??= reason;
    s.dead = true;
    if (s.watchdog) clearInterval(s.watchdog);
    if (this.live === s) this.live = undefined;
    s.client.destroy();
  }

  /**
   * One SFTP request as a promise. While any request is outstanding a watchdog runs, and a connection that
   * has answered nothing for `inactivityTimeoutMs` is dropped (a stuck server that still answers keepalives).
   */
  private req<T = void>(s: Session, fn: (sftp: SFTPWrapper, cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    if (s.dead) return Promise.reject(new TargetError('retry', 'unreachable', `${this.location}: the connection was lost (${s.reason}); will try again`));
    const limit = this.o.inactivityTimeoutMs ?? 60_000;
    if (s.pending++ === 0) s.lastAnswer = Date.now();
    s.watchdog ??= setInterval(() => {
      if (Date.now() - s.lastAnswer > limit) this.drop(s, `no answer for ${Math.round(limit / 1000)} s`);
    }, Math.min(1000, limit / 4)).unref();
    return new Promise<T>((resolve, reject) => {
      const cb = (err: Error | null | undefined, value?: T): void => {
        s.lastAnswer = Date.now();
        if (--s.pending === 0 && s.watchdog) {
          clearInterval(s.watchdog);
          s.watchdog = undefined;
        }
        if (err) reject(err);
        else resolve(value as T);
      };
      try {
        fn(s.sftp, cb);
      } catch (err) {
        cb(err as Error);
      }
    });
  }

  // --- requests ----------------------------------------------------------------------------------------

  private abs(rel: string): string {
    return posix.join(this.root, rel);
  }

  /** Creates `dir` and missing parents up to the root; "exists" is fine (OpenSSH says only "Failure"). */
  private async ensureDir(s: Session, dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    const mkdir = async (): Promise<void> => {
      try {
        await this.req(s, (sftp, cb) => sftp.mkdir(dir, cb));
      } catch (err) {
        if (statusOf(err) === NO_SUCH_FILE || !(await this.isDir(s, dir))) throw err;
      }
    };
    try {
      await mkdir();
    } catch (err) {
      if (statusOf(err) !== NO_SUCH_FILE) throw err;
      if (dir === this.root || !dir.startsWith(this.root === '.' ? '' : `${this.root}/`)) {
        throw new TargetError('permanent', 'not-found', `${this.location}: the folder ${posix.dirname(this.root)} does not exist on ${this.o.host}: create it there, or correct the repository path`, { cause: err });
      }
      await this.ensureDir(s, posix.dirname(dir));
      await mkdir();
    }
    this.madeDirs.add(dir);
  }

  private async isDir(s: Session, p: string): Promise<boolean> {
    return this.req<{ mode: number }>(s, (sftp, cb) => sftp.stat(p, cb)).then((st) => isDir(st.mode), () => false);
  }

  /** Writes the body from offset 0 with up to IN_FLIGHT requests outstanding; returns the byte count. */
  /** Writes the body from byte `start` on (the bytes before it are on the server already); returns the body's length. */
  private async writeBody(s: Session, handle: Buffer, body: Body, start = 0): Promise<number> {
    let pos = 0;
    let failed: { err: unknown } | undefined;
    const inflight = new Set<Promise<void>>();
    try {
      for await (const chunk of body.open()) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        for (let off = 0; off < buf.length; off += CHUNK) {
          const len = Math.min(CHUNK, buf.length - off);
          const at = pos;
          pos += len;
          if (at + len <= start) continue;
          const p: Promise<void> = this.req(s, (sftp, cb) => sftp.write(handle, buf, off, len, at, cb))
            .catch((err: unknown) => { failed ??= { err }; })
            .finally(() => inflight.delete(p));
          inflight.add(p);
          if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
          if (failed) throw failed.err;
        }
      }
    } catch (err) {
      if (err === failed?.err) throw err;
      // The data source failed, not the server: worth another attempt, like a dropped connection.
      throw new TargetError('retry', 'failed', `${this.location}: the data to save could not be read: ${(err as Error).message}`, { cause: err });
    } finally {
      // Even when the body failed: no write may still be on its way when the caller removes the temp file.
      await Promise.all(inflight);
    }
    if (failed) throw failed.err;
    return pos;
  }

  /** Exactly `length` bytes at `offset`, read in parallel pieces; fewer bytes on the server is an error. */
  private async readExactly(s: Session, fh: Buffer, offset: number, length: number, h: Handle): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let short = false;
    await inParallel(Math.ceil(length / CHUNK), IN_FLIGHT, async (i) => {
      const start = i * CHUNK;
      const end = Math.min(length, start + CHUNK);
      for (let at = start; at < end && !short;) {
        // A server may answer with fewer bytes than asked; 0 means end of file.
        const n = await this.req<number>(s, (sftp, cb) => sftp.read(fh, buf, at, end - at, offset + at, cb));
        if (!n) short = true;
        at += n ?? 0;
      }
    });
    if (short) throw new TargetError('permanent', 'corrupt', `${objectPath(h)} on ${this.location} is shorter than expected (wanted bytes ${offset}..${offset + length})`);
    return buf;
  }

  /**
   * Runs `fn` with an open read handle. Packs (`keep`) stay open for the next range read, up to 16 per
   * connection; other objects are closed afterwards since they can be replaced under the same name.
   */
  private async withHandle<T>(s: Session, file: string, keep: boolean, fn: (fh: Buffer) => Promise<T>): Promise<T> {
    let entry = keep ? s.handles.get(file) : undefined;
    if (!entry) {
      const fresh = { handle: this.req<Buffer>(s, (sftp, cb) => sftp.open(file, 'r', cb)), users: 0 };
      if (keep) this.cacheHandle(s, file, fresh);
      entry = fresh;
    }
    entry.users++;
    try {
      return await fn(await entry.handle);
    } finally {
      entry.users--;
      if (s.handles.get(file) !== entry) void this.closeHandle(s, entry);
    }
  }

  private cacheHandle(s: Session, file: string, entry: CachedHandle): void {
    if (s.handles.size >= 16) {
      const idle = [...s.handles].find(([, e]) => e.users === 0);
      if (!idle) return;
      this.forget(s, idle[0]);
    }
    s.handles.set(file, entry);
    entry.handle.catch(() => { if (s.handles.get(file) === entry) s.handles.delete(file); });
  }

  /** Drops the cached read handle of `file` (after a remove or a replace). */
  private forget(s: Session, file: string): void {
    const entry = s.handles.get(file);
    if (!entry) return;
    s.handles.delete(file);
    void this.closeHandle(s, entry);
  }

  private async closeHandle(s: Session, entry: CachedHandle): Promise<void> {
    if (entry.users > 0) return;
    const fh = await entry.handle.catch(() => undefined);
    if (fh && !s.dead) await this.req(s, (sftp, cb) => sftp.close(fh, cb)).catch(() => {});
  }

  private async readdir(s: Session, dir: string): Promise<Entry[]> {
    try {
      return await this.req<Entry[]>(s, (sftp, cb) => sftp.readdir(dir, cb));
    } catch (err) {
      if (statusOf(err) !== NO_SUCH_FILE) throw err;
      // An empty kind folder is normal; a missing root is not (a wrong path must not read as an empty repository).
      if (!(await this.isDir(s, this.root))) throw new TargetError('permanent', 'not-found', `${this.location}: the repository folder is not on the server (wrong path?)`, { cause: err });
      return [];
    }
  }

  private async fsync(s: Session, handle: Buffer): Promise<void> {
    try {
      await this.req(s, (sftp, cb) => sftp.ext_openssh_fsync(handle, cb));
    } catch (err) {
      // Servers without fsync@openssh.com: the data is as safe as that server makes it.
      if (!/does not support/i.test((err as Error).message)) throw err;
    }
  }

  /** posix-rename replaces an existing object atomically; plain SFTP rename refuses, so remove it first there. */
  private async rename(s: Session, from: string, to: string): Promise<void> {
    try {
      await this.req(s, (sftp, cb) => sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch (err) {
      if (!/does not support/i.test((err as Error).message)) throw err;
    }
    await this.req(s, (sftp, cb) => sftp.unlink(to, cb)).catch(() => {});
    await this.req(s, (sftp, cb) => sftp.rename(from, to, cb));
  }

  /** Free bytes and inodes and read-only flag of the disk holding the root (or its nearest existing parent). */
  private async statvfs(s: Session): Promise<{ free: number; inodes: number; readOnly: boolean } | undefined> {
    for (let p = this.root; ; p = posix.dirname(p)) {
      try {
        const v = await this.req<Record<string, number | bigint>>(s, (sftp, cb) => sftp.ext_openssh_statvfs(p, cb));
        // ST_RDONLY is bit 0 of f_flag in the OpenSSH extension.
        return { free: Number(v.f_bavail) * Number(v.f_frsize), inodes: Number(v.f_favail), readOnly: (Number(v.f_flag) & 1) === 1 };
      } catch (err) {
        if (statusOf(err) !== NO_SUCH_FILE || p === posix.dirname(p)) return undefined;
      }
    }
  }

  // --- errors ------------------------------------------------------------------------------------------

  /**
   * Like explain(), for a failed save. OpenSSH reports ENOSPC and EROFS as a bare "Failure", so for that
   * the server's disk is asked (statvfs) whether it is full or read-only.
   */
  private async explainWrite(s: Session, err: unknown, h: Handle, need: number): Promise<TargetError> {
    const status = statusOf(err);
    if (!s.dead && status === FAILURE) {
      const vfs = await this.statvfs(s).catch(() => undefined);
      if (vfs?.readOnly) return new TargetError('permanent', 'permission', `${this.location} is on a read-only disk on ${this.o.host}: cannot write ${objectPath(h)}`, { cause: err });
      if (vfs && (vfs.free < Math.max(need, MiB) || vfs.inodes === 0)) {
        return new TargetError('permanent', 'no-space',
          `no space left on ${this.o.host} for ${this.location}: ${fmtBytes(vfs.free)} free${vfs.inodes === 0 ? ' and no free inodes' : ''}, and ${objectPath(h)} needs ${fmtBytes(need)}. ` +
          'Free some space on the server (or prune old snapshots) and try again; nothing partial was kept.', { cause: err });
      }
    }
    if (status === NO_SUCH_FILE) {
      // A folder made earlier was removed on the server: make the folders again on the next attempt.
      this.madeDirs.clear();
      return new TargetError('retry', 'failed', `${this.location}: a folder vanished on the server while writing ${objectPath(h)}`, { cause: err });
    }
    return this.explain(s, err, `writing ${objectPath(h)}`);
  }

  private explain(s: Session, err: unknown, doing: string, h?: Handle): TargetError {
    if (err instanceof TargetError) return err;
    const status = statusOf(err);
    const msg = (err as Error | undefined)?.message ?? String(err);
    if (status === NO_SUCH_FILE && h) return notFound(this.location, h);
    if (status === NO_SUCH_FILE) return new TargetError('permanent', 'not-found', `${this.location}: not found on the server ${doing}`, { cause: err });
    if (status === PERMISSION_DENIED) {
      return new TargetError('permanent', 'permission', `${this.location}: permission denied ${doing}: the server account "${this.o.user}" may not do that there`, { cause: err });
    }
    if (status === FAILURE) return new TargetError('retry', 'failed', `${this.location}: the server reported a failure ${doing} (${msg})`, { cause: err });
    if (status === NO_CONNECTION || status === CONNECTION_LOST || s.dead) {
      return new TargetError('retry', 'unreachable', `${this.location}: the connection was lost ${doing} (${s.reason ?? msg}); will try again`, { cause: err });
    }
    if (status !== undefined) return new TargetError('permanent', 'failed', `${this.location}: the server refused ${doing}: ${msg}`, { cause: err });
    return classifyNetworkError(err, this.location, doing);
  }
}

interface Entry { filename: string; attrs: { mode: number; size: number; mtime: number } }

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

const isFile = (mode: number): boolean => (mode & 0o170000) === 0o100000;
const isDir = (mode: number): boolean => (mode & 0o170000) === 0o040000;

function fmtBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** Runs fn(0..count-1) with at most `width` running; the first error wins once all started ones settle. */
async function inParallel(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < count && !failed) {
      const i = next++;
      await fn(i).catch((err: unknown) => { failed ??= { err }; });
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  if (failed) throw failed.err;
}
