import crypto from 'node:crypto';

/**
 * Content-defined chunking (FastCDC-style gear hash with normalized chunking), for streams such as database
 * dumps where one row inserted early shifts every later byte: boundaries follow the content, so after an
 * insertion the chunker falls back into step with the old boundaries within a chunk or two.
 *
 * The boundaries are part of what makes two snapshots share chunks: the gear table, the masks and the
 * default sizes must never change, or every stream backed up afterwards dedupes against nothing it had.
 * (Restores are unaffected: they follow the chunk references, whatever cut them.)
 */

export interface CdcOptions {
  /** No chunk is shorter than this, except the last of a stream. Default 16 KiB. */
  minSize?: number;
  /** The target size; a power of two. Default 64 KiB. */
  avgSize?: number;
  /** No chunk is longer than this. Default 256 KiB. */
  maxSize?: number;
}

export const CDC_DEFAULTS = { minSize: 16 << 10, avgSize: 64 << 10, maxSize: 256 << 10 } as const;

// 256 random 32-bit values from SHA-256 in counter mode over a fixed seed: the same on every machine and run
// (a PRNG written in JS would be too, but this leaves nothing to get subtly wrong).
const GEAR_SEED = 'lifeboat cdc gear v1';
const GEAR: Int32Array = (() => {
  const gear = new Int32Array(256);
  for (let block = 0; block < 32; block++) {
    const digest = crypto.createHash('sha256').update(`${GEAR_SEED} ${block}`).digest();
    for (let k = 0; k < 8; k++) gear[block * 8 + k] = digest.readInt32BE(k * 4);
  }
  return gear;
})();

/** A mask of the `bits` highest bits of a 32-bit hash. */
function highBits(bits: number): number {
  // The gear hash shifts left, so a high bit depends on up to 32 recent bytes and a low bit only on the
  // last few: testing high bits gives every boundary decision a window of 15 to 32 bytes.
  return bits >= 32 ? -1 : (-1 << (32 - bits)) | 0;
}

/**
 * Finds chunk boundaries in a stream fed in buffers of any size; the boundaries depend only on the bytes,
 * never on how they were split. Not thread-safe and not reusable after finish() (make a new one).
 *
 * Normalized chunking (FastCDC level 2): before `avgSize` bytes a boundary needs 2 more hash bits to be zero
 * than the average implies, after it 2 fewer, which pulls chunk sizes towards the average. The first
 * `minSize` bytes of each chunk are not even hashed (they cannot end a chunk), which is most of the speed.
 */
export class CdcChunker {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
  private readonly maskS: number;
  private readonly maskL: number;
  /** Bytes of the current (unfinished) chunk seen so far. */
  private pos = 0;
  private hash = 0;
  private finished = false;

  /** Throws a RangeError for sizes that are not integers with 1 <= min < avg < max <= 2^31, avg a power of two. */
  constructor(opts: CdcOptions = {}) {
    const { minSize, avgSize, maxSize } = { ...CDC_DEFAULTS, ...opts };
    for (const [name, v] of [['minSize', minSize], ['avgSize', avgSize], ['maxSize', maxSize]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`CDC ${name} must be a positive integer, got ${v}`);
    }
    if (!(minSize < avgSize && avgSize < maxSize)) throw new RangeError(`CDC sizes must satisfy min < avg < max, got ${minSize}/${avgSize}/${maxSize}`);
    if (maxSize > 2 ** 31) throw new RangeError('CDC maxSize must be at most 2 GiB');
    const bits = Math.log2(avgSize);
    if (!Number.isInteger(bits) || bits < 4 || bits > 28) throw new RangeError(`CDC avgSize must be a power of two between 16 B and 256 MiB, got ${avgSize}`);
    this.minSize = minSize;
    this.avgSize = avgSize;
    this.maxSize = maxSize;
    this.maskS = highBits(bits + 2);
    this.maskL = highBits(bits - 2);
  }

  /**
   * Scans `buf` and returns the offsets in `buf` (ascending, exclusive ends) where chunks end. Bytes after
   * the last offset belong to a chunk that continues into the next buffer. `buf` is not kept.
   */
  push(buf: Uint8Array): number[] {
    if (this.finished) throw new Error('CdcChunker.push after finish');
    const cuts: number[] = [];
    const gear = GEAR;
    const { minSize, avgSize, maxSize, maskS, maskL } = this;
    const len = buf.length;
    let pos = this.pos;
    let h = this.hash;
    let i = 0;
    while (i < len) {
      if (pos < minSize) {
        const step = Math.min(minSize - pos, len - i);
        pos += step;
        i += step;
        continue;
      }
      const small = pos < avgSize;
      const mask = small ? maskS : maskL;
      const stop = i + Math.min((small ? avgSize : maxSize) - pos, len - i);
      let j = i;
      // The hot loop: one table lookup, a shift, an add and a test per byte, all in 32-bit integers.
      for (; j < stop; j++) {
        h = ((h << 1) + gear[buf[j]!]!) | 0;
        if ((h & mask) === 0) break;
      }
      const cut = j < stop;
      if (cut) j++; // the byte that matched ends the chunk
      pos += j - i;
      i = j;
      if (cut || pos === maxSize) {
        cuts.push(i);
        pos = 0;
        h = 0;
      }
    }
    this.pos = pos;
    this.hash = h;
    return cuts;
  }

  /** Ends the stream: returns the length of the last chunk (0 when the stream ended on a boundary or was empty). */
  finish(): number {
    this.finished = true;
    return this.pos;
  }
}

/** The chunk lengths of a whole buffer (a convenience over CdcChunker for data already in memory). */
export function cdcChunkLengths(data: Uint8Array, opts?: CdcOptions): number[] {
  const c = new CdcChunker(opts);
  const lengths: number[] = [];
  let start = 0;
  for (const cut of c.push(data)) {
    lengths.push(cut - start);
    start = cut;
  }
  const last = c.finish();
  if (last) lengths.push(last);
  return lengths;
}
