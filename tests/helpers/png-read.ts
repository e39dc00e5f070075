// A tiny PNG and ICO reader for the icon tests: 8-bit RGBA (colour type 6) and RGB (type 2), non-interlaced,
// all five row filters; chunk CRCs checked. Enough to read back what scripts/png.ts writes, and strict about it.
import zlib from 'node:zlib';

export interface Image { width: number; height: number; data: Uint8Array }

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG into RGBA. Throws on a bad signature, a CRC mismatch or an unsupported format. */
export function decodePng(buf: Buffer): Image {
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG');
  let pos = 8;
  let width = 0, height = 0, type = -1;
  const idat: Buffer[] = [];
  for (;;) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if ((zlib.crc32(buf.subarray(pos + 4, pos + 8 + len)) >>> 0) !== buf.readUInt32BE(pos + 8 + len)) throw new Error(`bad CRC in ${kind}`);
    pos += 12 + len;
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      type = body[9]!;
      if (body[8] !== 8 || (type !== 6 && type !== 2) || body[12] !== 0) throw new Error('unsupported PNG format');
    } else if (kind === 'IDAT') idat.push(body);
    else if (kind === 'IEND') break;
  }
  const bpp = type === 6 ? 4 : 3;
  const stride = width * bpp;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  if (raw.length !== (stride + 1) * height) throw new Error('PNG data has the wrong length');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? px[y * stride + i - bpp]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp]! : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(pred)) throw new Error(`bad filter ${f}`);
      px[y * stride + i] = (x + pred) & 0xff;
    }
  }
  if (bpp === 4) return { width, height, data: px };
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([px[i * 3]!, px[i * 3 + 1]!, px[i * 3 + 2]!, 255], i * 4);
  return { width, height, data };
}

export interface IcoEntry { width: number; height: number; bitCount: number; png: Buffer }

/** The entries of an ICO file (256 px read back from its 0), each with its PNG bytes. */
export function readIco(buf: Buffer): IcoEntry[] {
  if (buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) throw new Error('not an ICO');
  const n = buf.readUInt16LE(4);
  return Array.from({ length: n }, (_, i) => {
    const e = 6 + 16 * i;
    const size = buf.readUInt32LE(e + 8), offset = buf.readUInt32LE(e + 12);
    return { width: buf[e] || 256, height: buf[e + 1] || 256, bitCount: buf.readUInt16LE(e + 6), png: buf.subarray(offset, offset + size) };
  });
}

/** The entries of an ICNS file: type and data. */
export function readIcns(buf: Buffer): Array<{ type: string; data: Buffer }> {
  if (buf.toString('latin1', 0, 4) !== 'icns' || buf.readUInt32BE(4) !== buf.length) throw new Error('not an ICNS');
  const out: Array<{ type: string; data: Buffer }> = [];
  for (let pos = 8; pos < buf.length;) {
    const len = buf.readUInt32BE(pos + 4);
    out.push({ type: buf.toString('latin1', pos, pos + 4), data: buf.subarray(pos + 8, pos + len) });
    pos += len;
  }
  return out;
}
