import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import { explainFsError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { PackWriter } from '../repository/pack-writer.ts';
import type { EncodePool } from './encode-pool.ts';
import { REFS_PER_LIST, encodeChunkList } from '../repository/chunk-list.ts';
import type { ChunkRef, FileEntry } from '../repository/manifest.ts';

/** Counters for one backup run. */
export interface RunStats { chunks: number; newChunks: number; bytesRead: number; storedBytes: number }

/**
 * Stores blobs for one backup run: skips those the repository (or this run) already has, so a snapshot
 * costs only what changed. With an EncodePool, new chunks are compressed on worker threads in batches;
 * call drain() before relying on the pack writer's contents.
 */
export class BlobSink {
  readonly stats: RunStats = { chunks: 0, newChunks: 0, bytesRead: 0, storedBytes: 0 };
  private readonly added = new Set<string>();
  readonly repo: Repository;
  readonly writer: PackWriter;
  private readonly pool: EncodePool | undefined;
  private batch: Array<{ id: string; type: 'data' | 'list'; plain: Uint8Array }> = [];
  private batchBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(repo: Repository, writer: PackWriter, pool?: EncodePool) {
    this.repo = repo;
    this.writer = writer;
    this.pool = pool;
  }

  /** Stores `plain` unless present; returns its id. `plain` may be reused by the caller afterwards. */
  async put(plain: Uint8Array, type: 'data' | 'list'): Promise<string> {
    if (this.error) throw this.error;
    const id = this.repo.codec.id(plain).toString('hex');
    if (type === 'data') this.stats.chunks++;
    if (this.repo.index.has(id) || this.added.has(id)) return id;
    this.added.add(id);
    if (type === 'data') this.stats.newChunks++;
    if (!this.pool) {
      await this.store(id, type, this.repo.codec.encode(plain), plain.length);
      return id;
    }
    this.batch.push({ id, type, plain: new Uint8Array(plain) }); // a copy the worker may own
    this.batchBytes += plain.length;
    if (this.batchBytes >= 2 << 20) await this.dispatch();
    return id;
  }

  private async store(id: string, type: 'data' | 'list', stored: Buffer, plainLength: number): Promise<void> {
    this.stats.storedBytes += stored.length;
    await this.writer.add(id, type, stored, plainLength);
  }

  private async dispatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (batch.length === 0) return;
    const lengths = batch.map((b) => b.plain.length);
    const job: Promise<void> = this.pool!.encode(batch.map((b) => b.plain)).then((out) => {
      // Pack writes happen one at a time, in the order results arrive.
      this.chain = this.chain.then(async () => {
        for (let i = 0; i < batch.length; i++) {
          const o = out[i]!;
          await this.store(batch[i]!.id, batch[i]!.type, Buffer.from(o.buffer, o.byteOffset, o.byteLength), lengths[i]!);
        }
      });
      return this.chain;
    }).catch((err: unknown) => { this.error ??= err; }).finally(() => this.inflight.delete(job));
    this.inflight.add(job);
    // Bounded: a few batches per worker in flight keeps every core busy without holding the file in memory.
    while (this.inflight.size >= 3 * this.pool!.size) await Promise.race(this.inflight);
  }

  /** Waits until every new chunk is in the pack writer; throws the first error of any batch. */
  async drain(): Promise<void> {
    if (this.pool) {
      await this.dispatch();
      while (this.inflight.size) await Promise.race(this.inflight);
      await this.chain.catch((err: unknown) => { this.error ??= err; });
    }
    if (this.error) throw this.error;
  }
}

/**
 * Reads `file` in fixed chunks of `chunkSize` bytes (for SQLite a multiple of the page size, so a changed
 * page changes exactly one chunk), stores new chunks and returns the manifest entry's content part.
 * `onBytes` reports progress.
 */
export async function chunkFile(sink: BlobSink, file: string, chunkSize: number, onBytes?: (n: number) => void): Promise<Pick<FileEntry, 'size' | 'sha256' | 'chunks' | 'lists'>> {
  const whole = crypto.createHash('sha256');
  const refs: ChunkRef[] = [];
  let size = 0;
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, 'r');
  } catch (err) {
    throw explainFsError(err, file, 'reading');
  }
  try {
    // Read several chunks per system call; hashing and compressing dominate, not the reads.
    const span = chunkSize * Math.max(1, Math.floor((4 << 20) / chunkSize));
    const buf = Buffer.allocUnsafe(span);
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, span, size);
      if (bytesRead === 0) break;
      for (let o = 0; o < bytesRead; o += chunkSize) {
        const piece = buf.subarray(o, Math.min(o + chunkSize, bytesRead));
        whole.update(piece);
        refs.push([await sink.put(piece, 'data'), piece.length]);
      }
      size += bytesRead;
      sink.stats.bytesRead += bytesRead;
      onBytes?.(bytesRead);
    }
  } finally {
    await h.close();
  }
  return { size, sha256: whole.digest('hex'), ...(await storeRefs(sink, refs)) };
}

/** Small files keep their chunk list in the manifest; large ones in content-addressed list blobs. */
export async function storeRefs(sink: BlobSink, refs: ChunkRef[]): Promise<Pick<FileEntry, 'chunks' | 'lists'>> {
  if (refs.length <= 32) return { chunks: refs };
  const lists: string[] = [];
  for (let i = 0; i < refs.length; i += REFS_PER_LIST) lists.push(await sink.put(encodeChunkList(refs.slice(i, i + REFS_PER_LIST)), 'list'));
  return { lists };
}
