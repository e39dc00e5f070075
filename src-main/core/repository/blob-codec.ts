import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { CorruptError } from '../errors.ts';
import type { RepoKeys } from './keys.ts';

/**
 * How every stored object (chunk, chunk list, pack trailer, index, manifest) is framed on disk.
 *
 *   plain:     'P' | comp | payload | crc32(comp | payload) (u32 LE)
 *   encrypted: 'E' | nonce(12) | AES-256-GCM(comp | payload) | tag(16)
 *
 * comp is 0 (stored) or 1 (zstd). Content chunks are further checked against their id after decoding.
 */
const PLAIN = 0x50;
const ENCRYPTED = 0x45;
const STORED = 0;
const ZSTD = 1;

export interface Codec {
  /** Content id of a chunk: SHA-256, or HMAC-SHA256 under the repository's id key when encrypted. */
  id(plain: Uint8Array): Buffer;
  encode(plain: Uint8Array, compress?: boolean): Buffer;
  /** Decodes; throws CorruptError naming `what` when the checksum, tag or framing is wrong. */
  decode(stored: Uint8Array, what: string): Buffer;
}

export function makeCodec(keys: RepoKeys | null, zstdLevel = 3): Codec {
  const zopts = { params: { [zlib.constants.ZSTD_c_compressionLevel]: zstdLevel } };

  function frame(plain: Uint8Array, compress: boolean): Buffer[] {
    if (compress && plain.byteLength > 64) {
      const z = zlib.zstdCompressSync(plain, zopts);
      // Keep the compressed form only when it saves something: random or encrypted input stays as is.
      if (z.byteLength < plain.byteLength - 16) return [Buffer.of(ZSTD), z];
    }
    return [Buffer.of(STORED), Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)];
  }

  function unframe(body: Buffer, what: string): Buffer {
    const comp = body[0];
    const payload = body.subarray(1);
    if (comp === STORED) return payload;
    if (comp === ZSTD) {
      try {
        return zlib.zstdDecompressSync(payload);
      } catch (err) {
        throw new CorruptError(what, `cannot decompress (${(err as Error).message})`);
      }
    }
    throw new CorruptError(what, `unknown compression ${comp}`);
  }

  if (!keys) {
    return {
      id: (plain) => crypto.createHash('sha256').update(plain).digest(),
      encode(plain, compress = true) {
        const [c, p] = frame(plain, compress) as [Buffer, Buffer];
        const crc = Buffer.alloc(4);
        crc.writeUInt32LE(zlib.crc32(p, zlib.crc32(c)) >>> 0);
        return Buffer.concat([Buffer.of(PLAIN), c, p, crc]);
      },
      decode(stored, what) {
        const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
        if (buf.length < 6) throw new CorruptError(what, `too short (${buf.length} bytes)`);
        if (buf[0] === ENCRYPTED) throw new CorruptError(what, 'is encrypted but the repository is not');
        if (buf[0] !== PLAIN) throw new CorruptError(what, 'unknown format byte');
        const body = buf.subarray(1, buf.length - 4);
        if ((zlib.crc32(body) >>> 0) !== buf.readUInt32LE(buf.length - 4)) throw new CorruptError(what, 'checksum mismatch');
        return unframe(body, what);
      },
    };
  }

  return {
    id: (plain) => crypto.createHmac('sha256', keys.idKey).update(plain).digest(),
    encode(plain, compress = true) {
      const nonce = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', keys.encKey, nonce);
      const parts = frame(plain, compress).map((p) => c.update(p));
      return Buffer.concat([Buffer.of(ENCRYPTED), nonce, ...parts, c.final(), c.getAuthTag()]);
    },
    decode(stored, what) {
      const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      if (buf.length < 1 + 12 + 1 + 16) throw new CorruptError(what, `too short (${buf.length} bytes)`);
      if (buf[0] !== ENCRYPTED) throw new CorruptError(what, 'is not encrypted but the repository is');
      const d = crypto.createDecipheriv('aes-256-gcm', keys.encKey, buf.subarray(1, 13));
      d.setAuthTag(buf.subarray(buf.length - 16));
      let body: Buffer;
      try {
        body = Buffer.concat([d.update(buf.subarray(13, buf.length - 16)), d.final()]);
      } catch {
        throw new CorruptError(what, 'authentication failed (modified or damaged)');
      }
      return unframe(body, what);
    },
  };
}
