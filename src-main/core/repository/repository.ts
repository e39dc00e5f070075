import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { CorruptError, LifeboatError } from '../errors.ts';
import { makeCodec, type Codec } from './blob-codec.ts';
import { createKeys, rewrapKeys, unwrapKeys, type RepoKeys } from './keys.ts';
import { CONFIG_FILE, parseConfig, readConfig, writeNewConfig, type RepoConfig } from './repo-config.ts';
import { FileTarget } from '../targets/file-target.ts';
import { bufferBody, CONFIG_HANDLE, isNotFound, TargetError, type Target } from '../targets/target.ts';
import { validateManifest, isSnapshotId, type Manifest } from './manifest.ts';
import { decodeChunkList } from './chunk-list.ts';
import { PackWriter, type BlobLoc, type BlobType, type PackRecord } from './pack-writer.ts';

export type PassphraseSource = () => Promise<string>;

/**
 * A Lifeboat repository on a Target: a folder (local disk, USB drive, network mount) or a remote (SFTP,
 * WebDAV, S3, rclone). The same format is used everywhere, so a copy restores with nothing but Lifeboat and
 * the passphrase. See FORMAT.md. Reading is safe while another process writes; local writers coordinate
 * through repository locks (process-lock.ts). Backups write packs only into a local repository (`newPackWriter`);
 * remotes receive whole packs by copy (copy-snapshots.ts).
 */
export class Repository {
  /** The folder of a local repository; for a remote, its printable location (no local file operations apply). */
  readonly dir: string;
  /** Where the objects live. */
  readonly target: Target;
  readonly config: RepoConfig;
  readonly codec: Codec;
  /** The repository's keys (null when unencrypted), for encoder workers. */
  readonly keys: RepoKeys | null;
  private indexMap: Map<string, BlobLoc> | undefined;
  private indexFiles = new Set<string>();
  private constructor(target: Target, config: RepoConfig, keys: RepoKeys | null) {
    this.target = target;
    this.dir = target instanceof FileTarget ? target.root : target.location;
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
    return new Repository(new FileTarget(dir), config, made?.keys ?? null);
  }

  /** Opens an existing repository, asking for the passphrase only if it is encrypted. */
  static async open(dir: string, passphrase: PassphraseSource): Promise<Repository> {
    const config = await readConfig(dir);
    if (!config) throw new LifeboatError('not-found', `no Lifeboat repository at ${dir}`);
    const keys = config.encryption ? unwrapKeys(config.encryption, await passphrase()) : null;
    return new Repository(new FileTarget(dir), config, keys);
  }

  /** Opens a repository with keys already known (a twin of an open repository: USB drives, copies). */
  static async openWithKeys(dir: string, keys: RepoKeys): Promise<Repository> {
    const config = await readConfig(dir);
    if (!config) throw new LifeboatError('not-found', `no Lifeboat repository at ${dir}`);
    return new Repository(new FileTarget(dir), config, config.encryption ? keys : null);
  }

  /**
   * Opens the repository a target holds (a remote). `keys` are those of a twin already open (same key);
   * otherwise the passphrase is asked for when the repository is encrypted. 'not-found' when it holds none.
   */
  static async openTarget(target: Target, auth: { keys?: RepoKeys | null; passphrase?: PassphraseSource }): Promise<Repository> {
    const config = await Repository.targetConfig(target);
    if (!config) throw new LifeboatError('not-found', `no Lifeboat repository at ${target.location}`);
    let keys: RepoKeys | null = null;
    if (config.encryption) {
      if (auth.keys) keys = auth.keys;
      else if (auth.passphrase) keys = unwrapKeys(config.encryption, await auth.passphrase());
      else throw new LifeboatError('wrong-passphrase', `the repository at ${target.location} is encrypted: a passphrase is needed`);
    }
    return new Repository(target, config, keys);
  }

  /**
   * Re-wraps the master key under a new passphrase and rewrites the config (atomically: the old or the new
   * one, never half). No data is re-encrypted, so it takes a moment. `current` must open the repository
   * ('wrong-passphrase' otherwise); an unencrypted repository cannot be given a passphrase afterwards
   * ('bad-input': its chunk ids are plain hashes). Copies elsewhere keep the passphrase they were made with.
   */
  async changePassphrase(current: string | undefined, next: string): Promise<void> {
    if (!this.config.encryption || !this.keys) throw new LifeboatError('bad-input', 'this repository was created without encryption: a passphrase cannot be added to it afterwards (start a new, encrypted repository to encrypt backups)');
    if (next.length < 8) throw new LifeboatError('bad-input', 'the new passphrase must have at least 8 characters');
    unwrapKeys(this.config.encryption, current ?? '');
    const config: RepoConfig = { ...this.config, encryption: rewrapKeys(this.keys, next) };
    await this.target.save(CONFIG_HANDLE, bufferBody(Buffer.from(JSON.stringify(config, null, 2) + '\n')));
    (this as { config: RepoConfig }).config = config;
  }

  /** The config a target holds, or undefined when it holds no repository. */
  static async targetConfig(target: Target): Promise<RepoConfig | undefined> {
    try {
      return parseConfig(await target.load(CONFIG_HANDLE), `${target.location}/${CONFIG_FILE}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
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
    const raw = await this.target.load({ kind: 'index', name });
    const what = `index file ${name}`;
    if (crypto.createHash('sha256').update(raw).digest('hex') !== name) throw new CorruptError(what, 'checksum mismatch');
    return JSON.parse(this.codec.decode(raw, what).toString('utf8')) as PackRecord[];
  }

  async listIndexFiles(): Promise<string[]> {
    return (await this.target.list('index')).map((o) => o.name);
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
    await this.target.save({ kind: 'index', name }, bufferBody(raw));
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
    if (!(this.target instanceof FileTarget)) throw new Error('backups write packs only into a local repository');
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
    // (A whole-pack read cache was tried and measured slower: the chunks of a later snapshot alternate between
    // packs, and a small cache re-reads 16 MiB packs again and again. The folder target keeps files open.)
    try {
      return await this.target.load({ kind: 'pack', name: loc.pack }, { offset: loc.offset, length: loc.length });
    } catch (err) {
      if (isNotFound(err)) throw new CorruptError(`chunk ${id.slice(0, 12)}`, `its pack ${loc.pack.slice(0, 12)} is missing`);
      if (err instanceof TargetError && err.code === 'corrupt') throw new CorruptError(`chunk ${id.slice(0, 12)}`, `its pack ${loc.pack.slice(0, 12)} is truncated`);
      throw err;
    }
  }

  /** Closes open files and connections (the repository may be used again afterwards). */
  async closeFiles(): Promise<void> {
    await this.target.close();
  }

  // ---- snapshots -----------------------------------------------------------------------------------------

  /** Writes a manifest durably. Call only after its packs and index are durable: this is what makes the snapshot exist. */
  async saveManifest(m: Manifest): Promise<number> {
    // Returns the stored size, which callers add to the snapshot's bytesAdded.
    const raw = this.codec.encode(Buffer.from(JSON.stringify(m)));
    await this.target.save({ kind: 'snapshot', name: m.id }, bufferBody(raw));
    return raw.length;
  }

  async listSnapshotIds(): Promise<string[]> {
    return (await this.target.list('snapshot')).map((o) => o.name).filter(isSnapshotId).sort();
  }

  /** The stored bytes of a manifest (copies move them as they are, never re-encrypting). */
  async loadManifestRaw(id: string): Promise<Buffer> {
    try {
      return await this.target.load({ kind: 'snapshot', name: id });
    } catch (err) {
      if (isNotFound(err)) throw new LifeboatError('not-found', `no snapshot ${id} in ${this.dir}`);
      throw err;
    }
  }

  async loadManifest(id: string): Promise<Manifest> {
    const raw = await this.loadManifestRaw(id);
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
    return (await this.target.stat({ kind: 'snapshot', name: id })).size;
  }

  async deleteManifest(id: string): Promise<void> {
    await this.target.remove({ kind: 'snapshot', name: id });
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
