import fs from 'node:fs/promises';
import path from 'node:path';
import { explainFsError, LifeboatError } from '../errors.ts';
import { fsyncDir } from '../util/durable-file.ts';
import { removeDeadScratch, scratchName } from '../util/scratch-files.ts';
import { isObjectName, kindDir, notFound, objectPath, TargetError, type Body, type Handle, type ObjectInfo, type ObjectKind, type Target } from './target.ts';

/**
 * A repository in a folder: the local repository, a USB drive, a network folder (a NAS, SMB or NFS mount).
 * Writes go to `tmp/` first, are fsynced, renamed into place, and the folder is fsynced (restic's local
 * backend does the same). Pack reads keep a few files open, since a restore reads many chunks from each.
 *
 * `createRoot` false (a network folder or drive): the root's parent must exist, so a share that is not
 * mounted never quietly becomes a repository on the system disk.
 */
export class FileTarget implements Target {
  readonly root: string;
  readonly location: string;
  private readonly createRoot: boolean;
  private readonly rootMustExist: boolean;
  // Promises, so two reads of one pack at once share one open file instead of leaking the second.
  private readonly open = new Map<string, Promise<fs.FileHandle>>();
  private madeDirs = new Set<string>();

  /** `rootMustExist` (network folders): the repository folder itself must be there; nothing above it is ever made. */
  constructor(root: string, opts: { createRoot?: boolean; rootMustExist?: boolean } = {}) {
    this.root = path.resolve(root);
    this.location = this.root;
    this.createRoot = opts.createRoot ?? true;
    this.rootMustExist = opts.rootMustExist ?? false;
  }

  async save(h: Handle, body: Body): Promise<void> {
    const final = path.join(this.root, objectPath(h));
    await this.ensureDir(path.dirname(final));
    await this.ensureDir(path.join(this.root, 'tmp'));
    const tmp = path.join(this.root, 'tmp', scratchName(h.name.slice(0, 16)));
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(tmp, 'wx', 0o644);
      let written = 0;
      for await (const chunk of body.open()) {
        const buf = chunk as Buffer;
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await handle.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
        written += buf.length;
      }
      if (written !== body.size) throw new TargetError('retry', 'failed', `${this.location}: wrote ${written} of ${body.size} bytes of ${objectPath(h)}`);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.rename(tmp, final);
      await fsyncDir(path.dirname(final));
    } catch (err) {
      await handle?.close().catch(() => {});
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw this.explain(err, 'writing', h);
    }
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    const file = path.join(this.root, objectPath(h));
    try {
      if (!range) return await fs.readFile(file);
      const fh = await this.handle(h, file);
      const buf = Buffer.alloc(range.length);
      let got = 0;
      while (got < range.length) {
        const { bytesRead } = await fh.read(buf, got, range.length - got, range.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== range.length) throw new TargetError('permanent', 'corrupt', `${objectPath(h)} on ${this.location} is shorter than expected (${range.offset + got} bytes)`);
      return buf;
    } catch (err) {
      throw this.explain(err, 'reading', h);
    }
  }

  async stat(h: Handle): Promise<ObjectInfo> {
    try {
      const s = await fs.stat(path.join(this.root, objectPath(h)));
      return { name: h.name, size: s.size };
    } catch (err) {
      throw this.explain(err, 'reading', h);
    }
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const dir = path.join(this.root, kindDir(kind));
    const out: ObjectInfo[] = [];
    const statAll = async (folder: string, names: string[]) => {
      for (const name of names) {
        if (!isObjectName(kind, name)) continue;
        const s = await fs.stat(path.join(folder, name)).catch(() => undefined);
        if (s?.isFile()) out.push({ name, size: s.size });
      }
    };
    try {
      if (kind === 'pack') {
        for (const sub of await this.readdir(dir)) if (/^[0-9a-f]{2}$/.test(sub)) await statAll(path.join(dir, sub), await this.readdir(path.join(dir, sub)));
      } else {
        await statAll(dir, await this.readdir(dir));
      }
    } catch (err) {
      throw this.explain(err, 'reading');
    }
    return out;
  }

  async remove(h: Handle): Promise<void> {
    const file = path.join(this.root, objectPath(h));
    const fh = this.open.get(h.name);
    if (fh) {
      this.open.delete(h.name);
      await fh.then((x) => x.close()).catch(() => {});
    }
    try {
      await fs.rm(file, { force: true });
      // A removal must be durable before the caller goes on (prune removes index files before packs).
      await fsyncDir(path.dirname(file)).catch(() => {});
    } catch (err) {
      throw this.explain(err, 'writing', h);
    }
  }

  async freeSpace(): Promise<number | undefined> {
    try {
      const s = await fs.statfs(this.root);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((fh) => fh.then((x) => x.close()).catch(() => {})));
  }

  /** Removes temp files of saves whose process died (call with no save of this process running). */
  async removeDebris(): Promise<void> {
    await removeDeadScratch(path.join(this.root, 'tmp'));
  }

  private async handle(h: Handle, file: string): Promise<fs.FileHandle> {
    const known = this.open.get(h.name);
    if (known) return known;
    if (this.open.size >= 16) await this.close();
    const opening = fs.open(file, 'r');
    this.open.set(h.name, opening);
    opening.catch(() => this.open.delete(h.name));
    return opening;
  }

  private async readdir(dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // An empty kind folder is normal; a missing root is not (an unmounted share must not read as empty).
      await fs.stat(this.root);
      return [];
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    try {
      if (this.rootMustExist) await fs.stat(this.root);
      else if (!this.createRoot) await fs.stat(path.dirname(this.root));
      await fs.mkdir(dir, { recursive: true });
    } catch (err) {
      throw this.explain(err, 'writing');
    }
    this.madeDirs.add(dir);
  }

  private explain(err: unknown, doing: 'reading' | 'writing', h?: Handle): unknown {
    if (err instanceof TargetError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' && h) return notFound(this.location, h);
    if (code === 'ENOENT') return new TargetError('permanent', 'not-found', `${this.location} is not there (a share or drive not mounted?)`, { cause: err });
    // A network share that went away: wait it out.
    if (code === 'EIO' || code === 'ESTALE' || code === 'ENOTCONN' || code === 'EHOSTDOWN' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
      return new TargetError('retry', 'unreachable', `${this.location} is not answering (${code}); will try again`, { cause: err });
    }
    const explained = explainFsError(err, this.location, doing);
    if (explained instanceof LifeboatError) return new TargetError('permanent', explained.code, explained.message, { cause: err });
    return new TargetError('retry', 'failed', `${this.location}: ${doing} failed: ${(err as Error).message}`, { cause: err });
  }
}
