// The framing of every stored object (src-main/core/repository/blob-codec.ts), as tables: round trips for
// plain and encrypted repositories and for compressible and incompressible content; every single flipped bit
// and every truncation detected; a wrong key (or the wrong kind of repository) detected; ids that hide content.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { makeCodec, type Codec } from '../../src-main/core/repository/blob-codec.ts';
import { createKeys, rewrapKeys, unwrapKeys } from '../../src-main/core/repository/keys.ts';
import { CorruptError, LifeboatError } from '../../src-main/core/errors.ts';

const keysA = createKeys('first passphrase').keys;
const keysB = createKeys('second passphrase').keys;
const codecs: Array<{ name: string; codec: Codec; encrypted: boolean }> = [
  { name: 'plain', codec: makeCodec(null), encrypted: false },
  { name: 'encrypted', codec: makeCodec(keysA), encrypted: true },
];

const text = (n: number) => Buffer.from('Invoice INV-0001234 paid by Harbour Bakery Ltd, thank you. '.repeat(Math.ceil(n / 60)).slice(0, n));
const contents: Array<{ name: string; data: Buffer; compressible: boolean }> = [
  { name: 'empty', data: Buffer.alloc(0), compressible: false },
  { name: 'one byte', data: Buffer.from([0x50]), compressible: false },
  { name: '64 bytes of zeros (too small to compress)', data: Buffer.alloc(64), compressible: false },
  { name: '65 bytes of zeros', data: Buffer.alloc(65), compressible: true },
  { name: 'a page of zeros', data: Buffer.alloc(4096), compressible: true },
  { name: 'office text, 64 KiB', data: text(65536), compressible: true },
  { name: 'random, 64 KiB (incompressible)', data: crypto.randomBytes(65536), compressible: false },
  { name: 'random, 100 bytes', data: crypto.randomBytes(100), compressible: false },
  { name: 'looks like a plain frame', data: Buffer.from([0x50, 0x00, 1, 2, 3, 4, 5, 6]), compressible: false },
  { name: 'looks like an encrypted frame', data: Buffer.concat([Buffer.from([0x45]), crypto.randomBytes(40)]), compressible: false },
];
// Framing overhead: 'P' + comp + crc32 = 6; 'E' + nonce + comp + tag = 30.
const overhead = (encrypted: boolean) => (encrypted ? 30 : 6);

function assertCorrupt(fn: () => unknown, what: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CorruptError, `${message}: expected a CorruptError, got ${String(err)}`);
    assert.equal(err.code, 'corrupt');
    assert.equal(err.what, what);
    assert.ok(err.message.startsWith(`${what} is damaged`), err.message);
    return true;
  }, message);
}

describe('blob codec: round trips', () => {
  for (const { name: cname, codec, encrypted } of codecs) {
    for (const { name, data, compressible } of contents) {
      it(`${cname}: ${name}`, () => {
        const stored = codec.encode(data);
        assert.deepEqual(codec.decode(stored, 'blob'), data);
        assert.equal(stored[0], encrypted ? 0x45 : 0x50, 'format byte');
        if (compressible) assert.ok(stored.length < data.length, `compressible content is stored smaller (${stored.length} >= ${data.length})`);
        else assert.equal(stored.length, data.length + overhead(encrypted), 'incompressible content is stored as is, plus framing');
        const uncompressed = codec.encode(data, false);
        assert.equal(uncompressed.length, data.length + overhead(encrypted), 'compress=false stores as is');
        assert.deepEqual(codec.decode(uncompressed, 'blob'), data);
        if (encrypted && data.length >= 16) {
          assert.ok(!uncompressed.includes(data.subarray(0, 16)), 'the plaintext does not appear in the encrypted form');
          assert.notDeepEqual(codec.encode(data), codec.encode(data), 'a fresh nonce each time');
        }
        if (!encrypted) assert.deepEqual(codec.encode(data), codec.encode(data), 'plain encoding is deterministic');
      });
    }
  }

  it('decoding does not depend on the buffer it is handed being whole (a slice of a pack)', () => {
    for (const { codec } of codecs) {
      const data = text(5000);
      const stored = codec.encode(data);
      const pack = Buffer.concat([crypto.randomBytes(100), stored, crypto.randomBytes(100)]);
      assert.deepEqual(codec.decode(pack.subarray(100, 100 + stored.length), 'blob'), data);
    }
  });
});

describe('blob codec: damage is detected', () => {
  for (const { name: cname, codec } of codecs) {
    for (const { name, data } of contents.filter((c) => c.data.length <= 4096)) {
      it(`${cname}, ${name}: every single flipped bit`, () => {
        const stored = codec.encode(data);
        for (let bit = 0; bit < stored.length * 8; bit++) {
          const bad = Buffer.from(stored);
          bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
          assertCorrupt(() => codec.decode(bad, 'chunk x'), 'chunk x', `bit ${bit} of ${stored.length * 8} flipped`);
        }
      });
      it(`${cname}, ${name}: every truncation, and an appended byte`, () => {
        const stored = codec.encode(data);
        for (let len = 0; len < stored.length; len++) assertCorrupt(() => codec.decode(stored.subarray(0, len), 'chunk y'), 'chunk y', `cut to ${len} of ${stored.length} bytes`);
        assertCorrupt(() => codec.decode(Buffer.concat([stored, Buffer.from([0])]), 'chunk y'), 'chunk y', 'one byte appended');
      });
    }
  }

  it('a flipped bit deep inside a large compressed blob', () => {
    for (const { codec } of codecs) {
      const stored = codec.encode(text(1 << 20));
      for (const at of [1, 13, Math.floor(stored.length / 2), stored.length - 17, stored.length - 1]) {
        const bad = Buffer.from(stored);
        bad[at] = bad[at]! ^ 0x10;
        assertCorrupt(() => codec.decode(bad, 'big'), 'big', `byte ${at} of ${stored.length}`);
      }
    }
  });
});

describe('blob codec: wrong key or wrong kind of repository', () => {
  const table: Array<{ name: string; writer: Codec; reader: Codec; why: RegExp }> = [
    { name: 'encrypted with key A, read with key B', writer: makeCodec(keysA), reader: makeCodec(keysB), why: /authentication failed/ },
    { name: 'encrypted, read as a plain repository', writer: makeCodec(keysA), reader: makeCodec(null), why: /is encrypted but the repository is not/ },
    { name: 'plain, read as an encrypted repository', writer: makeCodec(null), reader: makeCodec(keysA), why: /is not encrypted but the repository is|too short/ },
    { name: 'key A with its id key swapped for B’s', writer: makeCodec(keysA), reader: makeCodec({ encKey: keysB.encKey, idKey: keysA.idKey }), why: /authentication failed/ },
  ];
  for (const { name, writer, reader, why } of table) {
    it(name, () => {
      for (const { data } of contents) {
        const stored = writer.encode(data);
        assert.throws(() => reader.decode(stored, 'manifest of snapshot abc'), (err: unknown) => err instanceof CorruptError && why.test(err.message) && err.message.includes('manifest of snapshot abc'));
      }
    });
  }

  it('the passphrase: a wrong one is refused as such, the right one (also after rewrapping) opens the same keys', () => {
    const { keys, wrapped } = createKeys('correct horse');
    assert.throws(() => unwrapKeys(wrapped, 'Correct horse'), (err: unknown) => err instanceof LifeboatError && err.code === 'wrong-passphrase');
    assert.throws(() => unwrapKeys(wrapped, ''), (err: unknown) => err instanceof LifeboatError && err.code === 'wrong-passphrase');
    const opened = unwrapKeys(wrapped, 'correct horse');
    assert.deepEqual([opened.encKey, opened.idKey], [keys.encKey, keys.idKey]);
    const stored = makeCodec(keys).encode(text(1000));
    const rewrapped = rewrapKeys(keys, 'new passphrase');
    assert.deepEqual(makeCodec(unwrapKeys(rewrapped, 'new passphrase')).decode(stored, 'blob'), text(1000));
    assert.throws(() => unwrapKeys(rewrapped, 'correct horse'), (err: unknown) => err instanceof LifeboatError && err.code === 'wrong-passphrase');
    assert.throws(() => createKeys(''), (err: unknown) => err instanceof LifeboatError && err.code === 'bad-input');
    const damaged = { ...wrapped, wrapped: Buffer.from(wrapped.wrapped, 'base64').subarray(0, 50).toString('base64') };
    assert.throws(() => unwrapKeys(damaged, 'correct horse'), (err: unknown) => err instanceof LifeboatError && err.code === 'corrupt');
  });
});

describe('blob codec: ids', () => {
  const data = text(3000);
  it('plain ids are the SHA-256 of the content', () => {
    assert.equal(makeCodec(null).id(data).toString('hex'), crypto.createHash('sha256').update(data).digest('hex'));
  });
  it('encrypted ids do not reveal the content hash, are stable per repository and differ between repositories', () => {
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const a = makeCodec(keysA).id(data).toString('hex');
    assert.notEqual(a, sha);
    assert.equal(makeCodec(keysA).id(Buffer.from(data)).toString('hex'), a, 'same content, same repository: same id (dedup works)');
    assert.notEqual(makeCodec(keysB).id(data).toString('hex'), a);
    assert.equal(a.length, 64);
  });
});
