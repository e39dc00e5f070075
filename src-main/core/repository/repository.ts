import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { CorruptError, LifeboatError, isErrno } from '../errors.ts';
import { writeFileDurable } from '../util/durable-file.ts';
import { makeCodec, type Codec } from './blob-codec.ts';
import { createKeys, unwrapKeys, type RepoKeys } from './keys.ts';
import { CONFIG_FILE, readConfig, writeNewConfig, type RepoConfig } from './repo-config.ts';
import { validateManifest, isSnapshotId, type Manifest } from './manifest.ts';
import { decodeChunkList } from './chunk-list.ts';
import { PackWriter, packPath, type BlobLoc, type BlobType, type PackRecord } from './pack-writer.ts';

export type PassphraseSource = () => Promise<string>;

/**
 * A Lifeboat repository in a folder (local disk, USB drive, network mount). The same format is used everywhere,
 * so a copy of the folder restores with nothing but Lifeboat and the passphrase. See FORMAT.md.
 * Reading is safe while another process writes; writers coordinate through repository locks (repo-lock.ts).
 */
export class Repository {
  readonly dir: string;
  readonly config: RepoConfig;
  readonly codec: Codec;
  /** The repository's keys (null when unencrypted), for encoder workers. */
  readonly keys: RepoKeys | null;
  private indexMap: Map<string, BlobLoc> | undefined;
  private indexFiles = new Set<string>();
  // (A whole-pack read cache was tried and measured slower: the chunks of a later snapshot alternate between
  // packs, and a small cache re-reads 16 MiB packs again and again.)
  private fds = new Map<string, fs.FileHandle>();

  private constructor(dir: string, config: RepoConfig, keys: RepoKeys | null) {
    this.dir = dir;
    this.config = config;
    this.codec = makeCodec(keys);
    this.keys = keys;
  }

  /** True when `dir` holds a repository config (whatever its version: opening it then says what is wrong). */
  static async exists(dir: string): Promise<boolean> {
    return fs.stat(path.join(dir, CONFIG_FILE)).then(() => true, () => false);
  }

  /** Creates a repository; encrypted when a passphrase is given. */
  static async init(dir: string, opts: { passphrase?: string | null; chunkSize?: number; packSize?: number; createParents?: boolean } = {}): Promise<Repository> {
    const made = opts.passphrase ? createKeys(opts.passphrase) : null;
    const config = await writeNewConfig(dir, { chunkSize: opts.chunkSize, packSize: opts.packSize, encryption: made?.wrapped ?? null, createParents: opts.createParents });
    return new Repository(dir, config, made?.keys ?? null);
  }

  /** Opens an existing repository, asking for the passphrase only if it is encrypted. */
  static async open(dir: string, passphrase: PassphraseSource): Promise<Repository> {
    const config = await readConfig(dir);
    if (!config) throw new LifeboatError('not-found', `no Lifeboat repository at ${dir}`);
    const keys = config.encryption ? unwrapKeys(config.encryption, await passphrase()) : null;
    return new Repository(dir, config, keys);
  }

  /** Opens a repository with keys already known (a twin of an open repository: USB drives, copies). */
  static async openWithKeys(dir: string, keys: RepoKeys): Promise<Repository> {
    const config = await readConfig(dir);
    if (!config) throw new LifeboatError('not-found', `no Lifeboat repository at ${dir}`);
    return new Repository(dir, config, config.encryption ? keys : null);
  }

  get encrypted(): boolean {
    return this.config.encryption !== null;
  }

  // ---- index ---------------------------------------------------------------------------------------------

  /**
   * Loads (or refreshes) the blob index from every file in index/. Unreadable index files are reported, not
   * fatal. Call it with a repository lock held before deciding which chunks the repository already has.
   */
  async loadIndex(): Promise<{ damaged: string[] }> {
    const names = await this.listIndexFiles();
    // If another process replaced index files (prune), blobs may have gone: start again rather than trust
    // a map that could name deleted packs. Otherwise only read the new files.
    const present = new Set(names);
    if ([...this.indexFiles].some((n) => !present.has(n))) {
      this.indexMap = undefined;
      this.indexFiles.clear();
    }
    const map = this.indexMap ?? new Map<string, BlobLoc>();
    const damaged: string[] = [];
    for (const name of names) {
      if (this.indexFiles.has(name)) continue;
      try {
        const packs = await this.readIndexFile(name);
        for (const p of packs) for (const [id, type, offset, length, plainLength] of p.blobs) {
          if (!map.has(id)) map.set(id, { pack: p.id, offset, length, type, plainLength });
        }
        this.indexFiles.add(name);
      } catch (err) {
        if (err instanceof CorruptError) damaged.push(name);
        else throw err;
      }
    }
    this.indexMap = map;
    return { damaged };
  }

  async readIndexFile(name: string): Promise<PackRecord[]> {
    const raw = await fs.readFile(path.join(this.dir, 'index', name));
    const what = `index file ${name}`;
    if (crypto.createHash('sha256').update(raw).digest('hex') !== name) throw new CorruptError(what, 'checksum mismatch');
    return JSON.parse(this.codec.decode(raw, what).toString('utf8')) as PackRecord[];
  }

  async listIndexFiles(): Promise<string[]> {
    return (await fs.readdir(path.join(this.dir, 'index'))).filter((n) => !n.startsWith('.'));
  }

  get index(): Map<string, BlobLoc> {
    if (!this.indexMap) throw new Error('index not loaded');
    return this.indexMap;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Writes an index file naming `packs`, durably; afterwards their blobs are visible to every reader. */
  async writeIndex(packs: PackRecord[]): Promise<{ name: string; bytes: number } | undefined> {
    if (packs.length === 0) return undefined;
    const raw = this.codec.encode(Buffer.from(JSON.stringify(packs)));
    const name = crypto.createHash('sha256').update(raw).digest('hex');
    await writeFileDurable(path.join(this.dir, 'index', name), raw, path.join(this.dir, 'tmp'));
    const map = this.index;
    for (const p of packs) for (const [id, type, offset, length, plainLength] of p.blobs) {
      if (!map.has(id)) map.set(id, { pack: p.id, offset, length, type, plainLength });
    }
    this.indexFiles.add(name);
    return { name, bytes: raw.length };
  }

  /** Makes blobs of packs no index file names readable in this process (prune and repair, under the exclusive lock). */
  addToIndex(packs: PackRecord[]): void {
    const map = this.index;
    for (const p of packs) for (const [id, type, offset, length, plainLength] of p.blobs) {
      if (!map.has(id)) map.set(id, { pack: p.id, offset, length, type, plainLength });
    }
  }

  newPackWriter(): PackWriter {
    return new PackWriter(this.dir, this.codec, this.config.packSize);
  }

  // ---- blobs ---------------------------------------------------------------------------------------------

  /** Reads, decodes and checks one blob against its id. Throws CorruptError or a 'not-found' LifeboatError. */
  async readBlob(id: string, loc = this.index.get(id)): Promise<Buffer> {
    if (!loc) throw new CorruptError(`chunk ${id.slice(0, 12)}`, 'missing from the index');
    const stored = await this.readStored(loc, id);
    return this.checkBlob(id, stored);
  }

  /** Decodes stored bytes of blob `id` and checks the content against the id. */
  checkBlob(id: string, stored: Buffer): Buffer {
    const what = `chunk ${id.slice(0, 12)}`;
    const plain = this.codec.decode(stored, what);
    if (this.codec.id(plain).toString('hex') !== id) throw new CorruptError(what, 'content does not match its id');
    return plain;
  }

  private async readStored(loc: BlobLoc, id: string): Promise<Buffer> {
    let h = this.fds.get(loc.pack);
    if (!h) {
      try {
        h = await fs.open(packPath(this.dir, loc.pack), 'r');
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw new CorruptError(`chunk ${id.slice(0, 12)}`, `its pack ${loc.pack.slice(0, 12)} is missing`);
        throw err;
      }
      if (this.fds.size >= 16) await this.closeFiles();
      this.fds.set(loc.pack, h);
    }
    const buf = Buffer.alloc(loc.length);
    const { bytesRead } = await h.read(buf, 0, loc.length, loc.offset);
    if (bytesRead !== loc.length) throw new CorruptError(`chunk ${id.slice(0, 12)}`, `its pack ${loc.pack.slice(0, 12)} is truncated`);
    return buf;
  }

  async closeFiles(): Promise<void> {
    const all = [...this.fds.values()];
    this.fds.clear();
    await Promise.all(all.map((h) => h.close().catch(() => {})));
  }

  // ---- snapshots -----------------------------------------------------------------------------------------

  snapshotPath(id: string): string {
    return path.join(this.dir, 'snapshots', id);
  }

  /** Writes a manifest durably. Call only after its packs and index are durable: this is what makes the snapshot exist. */
  async saveManifest(m: Manifest): Promise<number> {
    // Returns the stored size, which callers add to the snapshot's bytesAdded.
    const raw = this.codec.encode(Buffer.from(JSON.stringify(m)));
    await writeFileDurable(this.snapshotPath(m.id), raw, path.join(this.dir, 'tmp'));
    return raw.length;
  }

  async listSnapshotIds(): Promise<string[]> {
    return (await fs.readdir(path.join(this.dir, 'snapshots'))).filter(isSnapshotId).sort();
  }

  async loadManifest(id: string): Promise<Manifest> {
    let raw: Buffer;
    try {
      raw = await fs.readFile(this.snapshotPath(id));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new LifeboatError('not-found', `no snapshot ${id} in ${this.dir}`);
      throw err;
    }
    const what = `manifest of snapshot ${id}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.codec.decode(raw, what).toString('utf8'));
    } catch (err) {
      if (err instanceof CorruptError) throw err;
      throw new CorruptError(what, 'not valid JSON');
    }
    const m = validateManifest(parsed, what);
    if (m.id !== id) throw new CorruptError(what, `names itself ${m.id}`);
    return m;
  }

  /** The stored size of a manifest (what it added to the repository). */
  async manifestSize(id: string): Promise<number> {
    return (await fs.stat(this.snapshotPath(id))).size;
  }

  async deleteManifest(id: string): Promise<void> {
    await fs.rm(this.snapshotPath(id), { force: true });
  }

  /** Every chunk id a snapshot needs, including its chunk lists, in file order. Throws if a list is unreadable. */
  async *fileChunks(file: Manifest['files'][number]): AsyncGenerator<[string, number]> {
    if (file.chunks) yield* file.chunks;
    for (const listId of file.lists ?? []) {
      yield* decodeChunkList(await this.readBlob(listId), `chunk list ${listId.slice(0, 12)}`);
    }
  }
}

export type { BlobType };
