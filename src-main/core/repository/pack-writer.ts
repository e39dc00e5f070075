import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { explainFsError } from '../errors.ts';
import { fsyncDir, writeAll } from '../util/durable-file.ts';
import { scratchName } from '../util/scratch-files.ts';
import type { Codec } from './blob-codec.ts';

export type BlobType = 'data' | 'list';

/** Where a blob lives: in pack `pack`, `length` stored bytes from `offset`; `plainLength` once decoded. */
export interface BlobLoc {
  pack: string;
  offset: number;
  length: number;
  type: BlobType;
  plainLength: number;
}

export type IndexEntry = [id: string, type: BlobType, offset: number, length: number, plainLength: number];
export interface PackRecord { id: string; blobs: IndexEntry[] }

export const PACK_MAGIC = Buffer.from('LBPK');

export function packPath(repoDir: string, packId: string): string {
  return path.join(repoDir, 'packs', packId.slice(0, 2), packId);
}

/**
 * Collects encoded blobs into pack files of about `packSize` bytes. A pack is
 *   blob | blob | ... | trailer (an encoded JSON list of IndexEntry) | trailer length (u32 LE) | 'LBPK'
 * named by the SHA-256 of its bytes, and appears only by rename after fsync. Packs written by a run that
 * fails are removed by `abort()`; until an index names them they are invisible to every reader.
 */
export class PackWriter {
  readonly written: PackRecord[] = [];
  bytesWritten = 0;
  private parts: Buffer[] = [];
  private entries: IndexEntry[] = [];
  private size = 0;
  private readonly preexisting = new Set<string>();
  private readonly repoDir: string;
  private readonly codec: Codec;
  private readonly packSize: number;

  constructor(repoDir: string, codec: Codec, packSize: number) {
    this.repoDir = repoDir;
    this.codec = codec;
    this.packSize = packSize;
  }

  /** Adds an already encoded blob; writes a pack when the current one is full. */
  async add(id: string, type: BlobType, stored: Buffer, plainLength: number): Promise<void> {
    this.entries.push([id, type, this.size, stored.length, plainLength]);
    this.parts.push(stored);
    this.size += stored.length;
    if (this.size >= this.packSize) await this.flush();
  }

  /** Writes the pending blobs (if any) as a pack. */
  async flush(): Promise<void> {
    if (this.entries.length === 0) return;
    const trailer = this.codec.encode(Buffer.from(JSON.stringify(this.entries)));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(trailer.length);
    const parts = [...this.parts, trailer, len, PACK_MAGIC];
    const hash = crypto.createHash('sha256');
    for (const p of parts) hash.update(p);
    const id = hash.digest('hex');
    const file = packPath(this.repoDir, id);
    const tmp = path.join(this.repoDir, 'tmp', scratchName(`pack-${id.slice(0, 16)}`));
    const total = parts.reduce((n, p) => n + p.length, 0);
    let h: fs.FileHandle | undefined;
    try {
      if (!(await fs.stat(path.dirname(file)).then(() => true, () => false))) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fsyncDir(path.dirname(path.dirname(file))); // the new packs/xx folder itself must survive a power cut
      }
      h = await fs.open(tmp, 'w', 0o644);
      await writeAll(h, parts);
      if ((await h.stat()).size !== total) throw new Error(`short write of pack ${id}`);
      await h.sync();
      await h.close();
      h = undefined;
      if (await fs.stat(file).then(() => true, () => false)) {
        // Byte-identical pack already there (same content, same name): keep it, and never delete it on abort.
        await fs.rm(tmp, { force: true });
        this.preexisting.add(id);
      } else {
        await fs.rename(tmp, file);
        await fsyncDir(path.dirname(file));
      }
    } catch (err) {
      await h?.close().catch(() => {});
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw explainFsError(err, this.repoDir);
    }
    this.written.push({ id, blobs: this.entries });
    this.bytesWritten += total;
    this.parts = [];
    this.entries = [];
    this.size = 0;
  }

  /** Removes every pack this writer wrote: used when the run fails before an index names them. */
  async abort(): Promise<void> {
    this.parts = [];
    this.entries = [];
    for (const p of this.written) if (!this.preexisting.has(p.id)) await fs.rm(packPath(this.repoDir, p.id), { force: true }).catch(() => {});
    this.written.length = 0;
  }
}
