// Content-defined chunking: boundaries that depend only on the bytes (not on how they arrive), stay within
// the size limits, and survive an insertion so that a changed dump shares almost all its chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CdcChunker, CDC_DEFAULTS, cdcChunkLengths, type CdcOptions } from '../../src-main/core/engine/cdc.ts';

/** `n` pseudo-random bytes, the same for the same seed on every machine (an AES-CTR keystream). */
function seededBytes(n: number, seed: number): Buffer {
  const key = crypto.createHash('sha256').update(`lifeboat test data ${seed}`).digest().subarray(0, 16);
  return crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

/** Absolute chunk end offsets when `data` is fed in the given piece sizes. */
function cutsWhenSplit(data: Buffer, pieces: Iterable<number>, opts?: CdcOptions): number[] {
  const c = new CdcChunker(opts);
  const ends: number[] = [];
  let at = 0;
  for (const len of pieces) {
    for (const cut of c.push(data.subarray(at, at + len))) ends.push(at + cut);
    at += len;
  }
  assert.equal(at, data.length, 'the pieces cover the input');
  const last = c.finish();
  if (last) ends.push(at);
  return ends;
}

function randomPieces(total: number, seed: number, maxPiece: number): number[] {
  let x = seed * 2654435761 >>> 0 || 1; // xorshift32: cheap and reproducible
  const out: number[] = [];
  for (let left = total; left > 0;) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const len = Math.min(left, x % (maxPiece + 1)); // zero-length pieces included on purpose
    out.push(len);
    left -= len;
  }
  return out;
}

const ends = (lengths: number[]): number[] => { let s = 0; return lengths.map((l) => (s += l)); };
const SMALL: CdcOptions = { minSize: 256, avgSize: 1024, maxSize: 4096 };

test('boundaries are the same however the input is split into buffers', () => {
  const data = seededBytes(3 << 20, 1);
  const whole = ends(cdcChunkLengths(data));
  assert.ok(whole.length > 20);
  for (const seed of [1, 2, 3]) assert.deepEqual(cutsWhenSplit(data, randomPieces(data.length, seed, 200_000)), whole, `random split ${seed}`);
  assert.deepEqual(cutsWhenSplit(data, randomPieces(data.length, 4, 100)), whole, 'tiny pieces');
  // Splits that land exactly on min, avg and max offsets, where the scanner changes phase.
  const { minSize, avgSize, maxSize } = CDC_DEFAULTS;
  const aligned = [minSize, avgSize - minSize, maxSize - avgSize, 1, minSize - 1];
  assert.deepEqual(cutsWhenSplit(data, [...aligned, data.length - aligned.reduce((a, b) => a + b, 0)]), whole, 'phase-aligned split');

  const small = data.subarray(0, 1 << 20);
  const smallWhole = ends(cdcChunkLengths(small, SMALL));
  assert.deepEqual(cutsWhenSplit(small, new Array<number>(small.length).fill(1), SMALL), smallWhole, '1-byte feeds, small chunks');
  const defaultsWhole = ends(cdcChunkLengths(small));
  assert.deepEqual(cutsWhenSplit(small, new Array<number>(small.length).fill(1)), defaultsWhole, '1-byte feeds, default chunks');
});

test('every chunk but the last is within min and max; the last is within max', () => {
  const inputs: Array<[string, Buffer]> = [
    ['random', seededBytes(8 << 20, 2)],
    ['zeros', Buffer.alloc(3 << 20)],
    ['a repeated line', Buffer.from('INSERT INTO t VALUES (1);\n'.repeat(50_000))],
    ['shorter than min', seededBytes(1000, 3)],
  ];
  for (const opts of [undefined, SMALL]) {
    const { minSize, maxSize } = new CdcChunker(opts);
    for (const [name, data] of inputs) {
      const lengths = cdcChunkLengths(data, opts);
      assert.equal(lengths.reduce((a, b) => a + b, 0), data.length, name);
      lengths.forEach((l, i) => {
        assert.ok(l <= maxSize, `${name}: chunk ${i} has ${l} bytes`);
        if (i < lengths.length - 1) assert.ok(l >= minSize, `${name}: chunk ${i} has ${l} bytes`);
        else assert.ok(l > 0, `${name}: the last chunk is not empty`);
      });
    }
  }
  assert.deepEqual(cdcChunkLengths(Buffer.alloc(0)), [], 'an empty stream has no chunks');
});

test('chunks average near the target on random data', () => {
  // The first minSize bytes of a chunk can never end it, so the mean lands about minSize/2 above avgSize
  // (FastCDC's normalization point is avgSize itself): 64 KiB + 8 KiB with the defaults.
  const data = seededBytes(32 << 20, 5);
  const mean = data.length / cdcChunkLengths(data).length;
  assert.ok(mean > 60 << 10 && mean < 80 << 10, `mean chunk ${(mean / 1024).toFixed(1)} KiB`);
  const small = data.length / cdcChunkLengths(data, SMALL).length;
  assert.ok(small > 960 && small < 1280, `mean small chunk ${small.toFixed(0)} B`);
  // Normalization keeps sizes near the mean: few chunks end at the hard limit.
  const lengths = cdcChunkLengths(data);
  assert.ok(lengths.filter((l) => l === CDC_DEFAULTS.maxSize).length <= lengths.length * 0.01);
});

test('a few bytes inserted near the start of 20 MB change only the chunks around them', () => {
  const data = seededBytes(20 << 20, 6);
  const chunkIds = (buf: Buffer): string[] => {
    let at = 0;
    return cdcChunkLengths(buf).map((l) => crypto.createHash('sha256').update(buf.subarray(at, (at += l))).digest('hex'));
  };
  const before = new Set(chunkIds(data));
  for (const [at, insert] of [[1000, 'hello'], [300_000, 'x'], [5_000_000, 'a new row;\n']] as const) {
    const edited = Buffer.concat([data.subarray(0, at), Buffer.from(insert), data.subarray(at)]);
    const after = chunkIds(edited);
    const shared = after.filter((id) => before.has(id)).length;
    assert.ok(shared / after.length >= 0.95, `insert at ${at}: ${shared} of ${after.length} chunks shared`);
    assert.ok(after.length - shared <= 2, `insert at ${at}: ${after.length - shared} new chunks`);
  }
  // A deletion resynchronises the same way.
  const cut = Buffer.concat([data.subarray(0, 2000), data.subarray(2010)]);
  const after = chunkIds(cut);
  assert.ok(after.length - after.filter((id) => before.has(id)).length <= 2);
});

test('boundaries are stable across runs and machines (golden list)', () => {
  // If this fails, the gear table, masks or defaults changed: every later backup would then share nothing
  // with the snapshots before it. Change it only on purpose.
  assert.deepEqual(ends(cdcChunkLengths(seededBytes(2 << 20, 1))).slice(0, 12),
    [70363, 156679, 268800, 344431, 429176, 508301, 582982, 643925, 710873, 790284, 893523, 988899]);
});

test('bad sizes are refused, and a finished chunker is not reused', () => {
  assert.throws(() => new CdcChunker({ avgSize: 60_000 }), RangeError);
  assert.throws(() => new CdcChunker({ minSize: 64 << 10 }), RangeError);
  assert.throws(() => new CdcChunker({ maxSize: 32 << 10 }), RangeError);
  assert.throws(() => new CdcChunker({ minSize: 0 }), RangeError);
  assert.throws(() => new CdcChunker({ minSize: 1.5 }), RangeError);
  const c = new CdcChunker();
  c.push(Buffer.alloc(10));
  assert.equal(c.finish(), 10);
  assert.throws(() => c.push(Buffer.alloc(1)));
});
