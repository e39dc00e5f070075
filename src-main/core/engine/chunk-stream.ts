import crypto from 'node:crypto';
import type { ChunkRef, FileEntry } from '../repository/manifest.ts';
import { CdcChunker } from './cdc.ts';
import { type BlobSink, storeRefs } from './chunker.ts';

export interface ChunkStreamOptions {
  /** The entry's path in the snapshot (relative, '/'-separated), e.g. 'shop.sql'. */
  path: string;
  /** Mode the file is restored with; default 0o600, since a dump holds the whole database. */
  mode?: number;
  /** Default: now (a dump has no file to take an mtime from). */
  mtime?: string;
  /** Called with the size of each buffer once its complete chunks are stored (progress). */
  onBytes?: (n: number) => void;
}

/**
 * Stores a stream (a database dump from a child process, with no temp file) in content-defined chunks and
 * returns its manifest entry, shaped like chunkFile's so rebuild, restore and verify need nothing new.
 * Chunks go into `sink` as 'data' blobs; big streams get chunk lists like chunkFile. Buffers from `input`
 * are not kept (the producer may reuse them once the next one is asked for). If `input` throws, so does
 * this, after storing some chunks: the caller aborts the pack writer as for any failed backup. Call
 * sink.drain() before relying on the pack writer's contents.
 */
export async function chunkStream(sink: BlobSink, input: AsyncIterable<Buffer>, opts: ChunkStreamOptions): Promise<FileEntry> {
  const mtime = opts.mtime ?? new Date().toISOString();
  const whole = crypto.createHash('sha256');
  const refs: ChunkRef[] = [];
  const chunker = new CdcChunker();
  // A chunk that spans buffers is gathered here: one copy of at most maxSize, whatever the buffer sizes.
  const pending = Buffer.allocUnsafe(chunker.maxSize);
  let pendingLength = 0;
  let size = 0;
  const put = async (piece: Buffer): Promise<void> => {
    refs.push([await sink.put(piece, 'data'), piece.length]);
  };
  for await (const buf of input) {
    whole.update(buf);
    let start = 0;
    for (const cut of chunker.push(buf)) {
      if (pendingLength === 0) {
        await put(buf.subarray(start, cut)); // the common case: the chunk lies in one buffer, no copy
      } else {
        buf.copy(pending, pendingLength, start, cut);
        await put(pending.subarray(0, pendingLength + cut - start)); // put() lets us reuse `pending`
        pendingLength = 0;
      }
      start = cut;
    }
    if (start < buf.length) pendingLength += buf.copy(pending, pendingLength, start);
    size += buf.length;
    sink.stats.bytesRead += buf.length;
    opts.onBytes?.(buf.length);
  }
  if (chunker.finish() > 0) await put(pending.subarray(0, pendingLength));
  return { path: opts.path, type: 'file', size, mode: opts.mode ?? 0o600, mtime, sha256: whole.digest('hex'), ...(await storeRefs(sink, refs)) };
}
