import { CorruptError } from '../errors.ts';
import type { ChunkRef } from './manifest.ts';

/**
 * A chunk list blob: the binary list of a large file's chunk references, 36 bytes each (32-byte id, u32 LE
 * length). Storing lists as content-addressed blobs means an unchanged 500 MB database adds no list bytes.
 */
export const REFS_PER_LIST = 1024;
const ENTRY = 36;

export function encodeChunkList(refs: readonly ChunkRef[]): Buffer {
  const buf = Buffer.alloc(refs.length * ENTRY);
  refs.forEach(([id, len], i) => {
    buf.write(id, i * ENTRY, 32, 'hex');
    buf.writeUInt32LE(len, i * ENTRY + 32);
  });
  return buf;
}

export function decodeChunkList(buf: Buffer, what: string): ChunkRef[] {
  if (buf.length % ENTRY !== 0) throw new CorruptError(what, 'chunk list has a partial entry');
  const refs: ChunkRef[] = [];
  for (let o = 0; o < buf.length; o += ENTRY) refs.push([buf.toString('hex', o, o + 32), buf.readUInt32LE(o + 32)]);
  return refs;
}
