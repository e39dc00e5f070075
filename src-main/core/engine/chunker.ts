import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import { explainFsError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { PackWriter } from '../repository/pack-writer.ts';
import { REFS_PER_LIST, encodeChunkList } from '../repository/chunk-list.ts';
import type { ChunkRef, FileEntry } from '../repository/manifest.ts';

/** Counters for one backup run. */
export interface RunStats { chunks: number; newChunks: number; bytesRead: number; storedBytes: number }

/**
 * Stores blobs for one backup run: skips those the repository (or this run) already has, so a snapshot
 * costs only what changed.
 */
export class BlobSink {
  readonly stats: RunStats = { chunks: 0, newChunks: 0, bytesRead: 0, storedBytes: 0 };
  private readonly added = new Set<string>();
  readonly repo: Repository;
  readonly writer: PackWriter;

  constructor(repo: Repository, writer: PackWriter) {
    this.repo = repo;
    this.writer = writer;
  }

  /** Stores `plain` unless present; returns its id. */
  async put(plain: Buffer, type: 'data' | 'list'): Promise<string> {
    const id = this.repo.codec.id(plain).toString('hex');
    if (type === 'data') this.stats.chunks++;
    if (this.repo.index.has(id) || this.added.has(id)) return id;
    const stored = this.repo.codec.encode(plain);
    this.added.add(id);
    if (type === 'data') this.stats.newChunks++;
    this.stats.storedBytes += stored.length;
    await this.writer.add(id, type, stored, plain.length);
    return id;
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
    throw explainFsError(err, file);
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
