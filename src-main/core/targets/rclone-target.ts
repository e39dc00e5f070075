import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { isObjectName, kindDir, notFound, objectPath, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';

export interface RcloneOptions {
  /** `REMOTE:PATH` as rclone writes it (a remote from rclone's config, then the repository's folder). */
  remote: string;
  /** rclone's config file (RCLONE_CONFIG); rclone's own default when absent. */
  configFile?: string;
  /** The rclone program (default `rclone` on the PATH). */
  bin?: string;
  /** Seconds rclone waits for a connection, and for a stalled transfer, before giving up (defaults 15 and 60). */
  connectTimeoutS?: number;
  idleTimeoutS?: number;
}

export const RCLONE_INSTALL_HINT = 'rclone is not installed: install it (Debian/Ubuntu: apt install rclone; Windows and macOS: https://rclone.org/install/) or give its path in the target settings';

// rclone's exit codes (rclone docs, "Exit Code"): 3 directory not found, 4 file not found, 5 temporary
// error (retry), 7 fatal error (retrying will not help).
const EXIT_DIR_NOT_FOUND = 3;
const EXIT_FILE_NOT_FOUND = 4;
const EXIT_TEMPORARY = 5;
const EXIT_FATAL = 7;

/**
 * Any rclone remote (Google Drive, OneDrive, Dropbox, and everything else rclone speaks) through the rclone
 * program: each call runs one rclone command. rclone's own retries are turned off (retries are a wrapper
 * around every target); saves go to a temp name and are moved into place, since not every rclone backend
 * uploads atomically.
 */
export class RcloneTarget implements Target {
  readonly location: string;
  private readonly root: string;
  private readonly opts: RcloneOptions;

  constructor(opts: RcloneOptions) {
    if (!/^[^:/\\][^:]*:/.test(opts.remote)) throw new TargetError('permanent', 'bad-input', `not an rclone remote: ${JSON.stringify(opts.remote)} (expected REMOTE:PATH)`);
    this.opts = opts;
    this.root = opts.remote.replace(/\/+$/, '');
    this.location = `rclone:${this.root}`;
  }

  async save(h: Handle, body: Body): Promise<void> {
    const final = this.path(objectPath(h));
    const tmp = this.path(`tmp/${h.name.slice(0, 16)}.${crypto.randomBytes(4).toString('hex')}.part`);
    try {
      await this.run(['rcat', tmp], { input: body, what: `upload ${objectPath(h)}` });
      const [info] = await this.lsjson(tmp, true).catch(() => [] as ObjectInfo[]);
      if (info?.size !== body.size) throw new TargetError('retry', 'failed', `${this.location}: ${objectPath(h)} arrived with ${info?.size ?? 'no'} bytes of ${body.size}; will send it again`);
      await this.run(['moveto', tmp, final], { what: `move ${objectPath(h)} into place` });
    } catch (err) {
      await this.run(['deletefile', tmp], { what: 'remove a temp file' }).catch(() => {});
      throw err;
    }
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const args = ['cat', this.path(objectPath(h))];
    if (range) args.push('--offset', String(range.offset), '--count', String(range.length));
    const out = await this.run(args, { what: `read ${objectPath(h)}`, handle: h });
    // rclone cat of a missing file can exit 0 with nothing printed on some backends: ask.
    if (out.length === 0 && (range?.length ?? 1) > 0) await this.stat(h);
    if (range && out.length !== range.length) throw new TargetError('permanent', 'corrupt', `${objectPath(h)} on ${this.location} is shorter than expected`);
    return out;
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    const [info] = await this.lsjson(this.path(objectPath(h)), true, h);
    if (!info) throw notFound(this.location, h);
    return { name: h.name, size: info.size };
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const dir = kindDir(kind);
    const recursive = kind === 'pack';
    const args = ['lsjson', this.path(dir), '--files-only', ...(recursive ? ['-R'] : [])];
    let raw: Buffer;
    try {
      raw = await this.run(args, { what: `list ${dir || 'the root'}` });
    } catch (err) {
      if (err instanceof TargetError && err.kind === 'not-found') return [];
      throw err;
    }
    const out: ObjectInfo[] = [];
    for (const e of JSON.parse(raw.toString('utf8') || '[]') as Array<{ Path: string; Name: string; Size: number }>) {
      if (recursive && !new RegExp(`^[0-9a-f]{2}/${e.Name}$`).test(e.Path)) continue;
      if (isObjectName(kind, e.Name)) out.push({ name: e.Name, size: e.Size });
    }
    return out;
  }

  async remove(h: Handle): Promise<void> {
    try {
      await this.run(['deletefile', this.path(objectPath(h))], { what: `remove ${objectPath(h)}`, handle: h });
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === 'not-found')) throw err;
    }
  }

  async freeSpace(): Promise<number | undefined> {
    try {
      const about = JSON.parse((await this.run(['about', `${this.root.split(':')[0]}:`, '--json'], { what: 'ask for free space' })).toString('utf8')) as { free?: number };
      return typeof about.free === 'number' ? about.free : undefined;
    } catch {
      return undefined; // many backends cannot tell
    }
  }

  async close(): Promise<void> {}

  /** Removes `.part` files a cut save left in tmp/ (call with no save running: the outbox does, under the target's lock). */
  async removeDebris(): Promise<string[]> {
    const raw = await this.run(['lsjson', this.path('tmp'), '--files-only'], { what: 'list tmp' }).catch(() => Buffer.from('[]'));
    const parts = (JSON.parse(raw.toString('utf8') || '[]') as Array<{ Name: string }>).map((e) => e.Name).filter((n) => n.endsWith('.part'));
    for (const name of parts) await this.run(['deletefile', this.path(`tmp/${name}`)], { what: 'remove a temp file' }).catch(() => {});
    return parts;
  }

  private path(rel: string): string {
    return rel ? `${this.root}/${rel}` : this.root;
  }

  private async lsjson(p: string, stat: boolean, h?: Handle): Promise<ObjectInfo[]> {
    const raw = await this.run(['lsjson', p, ...(stat ? ['--stat'] : [])], { what: `look at ${p.slice(this.root.length + 1) || 'the root'}`, handle: h });
    const parsed = JSON.parse(raw.toString('utf8') || 'null') as { Name: string; Size: number } | Array<{ Name: string; Size: number }> | null;
    const items = parsed === null ? [] : Array.isArray(parsed) ? parsed : [parsed];
    return items.map((e) => ({ name: e.Name, size: e.Size }));
  }

  /** Runs one rclone command; resolves with stdout, rejects with a classified TargetError. */
  private run(args: string[], o: { input?: Body; what: string; handle?: Handle }): Promise<Buffer> {
    const full = [...args, '--retries', '1', '--low-level-retries', '1', '--contimeout', `${this.opts.connectTimeoutS ?? 15}s`, '--timeout', `${this.opts.idleTimeoutS ?? 60}s`, '--stats', '0', '--log-level', 'ERROR'];
    const env = { ...process.env, ...(this.opts.configFile ? { RCLONE_CONFIG: this.opts.configFile } : {}) };
    return new Promise((resolve, reject) => {
      const child = spawn(this.opts.bin ?? 'rclone', full, { env, stdio: [o.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      let inputError: unknown;
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      if (o.input && child.stdin) {
        pipeline(o.input.open(), child.stdin).catch((e: unknown) => {
          // The data stopped (or rclone died): make sure rclone does not store what it got as complete.
          inputError = e;
          child.kill('SIGKILL');
        });
      }
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' ? new TargetError('permanent', 'not-found', RCLONE_INSTALL_HINT, { cause: e }) : new TargetError('retry', 'failed', `${this.location}: cannot run rclone (${e.message})`, { cause: e }));
      });
      child.on('close', (code, signal) => {
        if (inputError) return reject(new TargetError('retry', 'failed', `${this.location}: cannot ${o.what}: the data stopped (${(inputError as Error).message})`, { cause: inputError }));
        if (code === 0) return resolve(Buffer.concat(out));
        reject(this.classify(code, signal, err, o.what, o.handle));
      });
    });
  }

  private classify(code: number | null, signal: NodeJS.Signals | null, rawStderr: string, what: string, h?: Handle): TargetError {
    // Object names are hex and paths are the admin's: neither may be read as an HTTP status or a word.
    const stderr = rawStderr.split(this.root).join('<root>').replace(/[0-9a-f]{12,}/gi, '<id>');
    const msg = stderr.trim().split('\n').filter(Boolean).pop()?.replace(/^.*?ERROR\s*:\s*/, '').slice(0, 240) ?? '';
    const text = `${this.location}: cannot ${what}: ${msg || (signal ? `rclone stopped by ${signal}` : `rclone exited with ${code}`)}`;
    if ((code === EXIT_FILE_NOT_FOUND || code === EXIT_DIR_NOT_FOUND || /not found|doesn't exist|no such file|object not found/i.test(msg)) && h) return notFound(this.location, h);
    if (code === EXIT_DIR_NOT_FOUND) return new TargetError('not-found', 'not-found', text);
    if (/didn't find section in config file|config file .* not found/i.test(stderr)) return new TargetError('permanent', 'bad-input', `${text} (check the rclone remote name and config)`);
    if (/unable to authenticate|permission denied \(publickey|\b401\b|unauthori[sz]ed|invalid_grant|authentication failed|token expired/i.test(stderr)) return new TargetError('permanent', 'auth', `${text} (the remote refused our credentials: run "rclone config reconnect")`);
    if (/no space left|\bquota\b|insufficient storage|\b507\b/i.test(stderr)) return new TargetError('permanent', 'no-space', text);
    if (/permission denied|\b403\b|forbidden/i.test(stderr)) return new TargetError('permanent', 'permission', text);
    if (code === EXIT_FATAL) return new TargetError('permanent', 'failed', text);
    if (code === EXIT_TEMPORARY || signal || /connection refused|connection reset|timeout|timed out|no route|network is unreachable|EOF|broken pipe|couldn't connect|dial tcp|i\/o timeout/i.test(stderr)) {
      return new TargetError('retry', 'unreachable', `${text}; will try again`);
    }
    return new TargetError('retry', 'failed', text);
  }
}
