// A small image codec for the icon generator: RGBA PNG (zlib deflate + CRC32), ICO with PNG entries, and
// ICNS with PNG entries. Written here so that the icons come from a script with no image tools at run time.
// Output is deterministic for a given Node (its zlib): the same pixels give the same bytes.
import zlib from 'node:zlib';

/** An RGBA image, 8 bits per channel, straight (not premultiplied) alpha, rows top to bottom. */
export interface Rgba { width: number; height: number; data: Uint8Array }

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  // The CRC covers the chunk type and its data, not the length.
  crc.writeUInt32BE(zlib.crc32(body, zlib.crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * Encodes `img` as a PNG (colour type 6, RGBA 8-bit, no interlace, filter 0 "None" on every row).
 * Throws when the data length does not match width x height x 4.
 */
export function encodePng(img: Rgba): Buffer {
  const { width, height, data } = img;
  if (data.length !== width * height * 4) throw new Error(`encodePng: ${data.length} bytes for ${width}x${height} RGBA`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  // compression 0, filter method 0, interlace 0: already zero.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter "Up" (2) compresses flat icon areas well and is simple to decode; the first row has no row above.
    const out = y * (stride + 1);
    raw[out] = y === 0 ? 0 : 2;
    for (let i = 0; i < stride; i++) {
      const cur = data[y * stride + i]!;
      raw[out + 1 + i] = y === 0 ? cur : (cur - data[(y - 1) * stride + i]!) & 0xff;
    }
  }
  const idat = zlib.deflateSync(raw, { level: 9, memLevel: 9, strategy: zlib.constants.Z_DEFAULT_STRATEGY });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A Windows ICO holding one PNG entry per image (supported since Windows Vista), in the order given.
 * Every image must be square and at most 256 px (256 is written as 0 in the directory, as the format says).
 */
export function encodeIco(images: Rgba[]): Buffer {
  const pngs = images.map((img) => {
    if (img.width !== img.height || img.width > 256) throw new Error(`encodeIco: ${img.width}x${img.height} is not a square of at most 256 px`);
    return encodePng(img);
  });
  const head = Buffer.alloc(6 + 16 * images.length);
  head.writeUInt16LE(0, 0); // reserved
  head.writeUInt16LE(1, 2); // 1 = icon
  head.writeUInt16LE(images.length, 4);
  let offset = head.length;
  images.forEach((img, i) => {
    const e = 6 + 16 * i;
    head[e] = img.width === 256 ? 0 : img.width;
    head[e + 1] = img.height === 256 ? 0 : img.height;
    head[e + 2] = 0; // no palette
    head[e + 3] = 0; // reserved
    head.writeUInt16LE(1, e + 4); // colour planes
    head.writeUInt16LE(32, e + 6); // bits per pixel
    head.writeUInt32LE(pngs[i]!.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += pngs[i]!.length;
  });
  return Buffer.concat([head, ...pngs]);
}

/** ICNS entry types that hold a PNG, by pixel size (the @2x types share pixel sizes with 1x ones). */
export const ICNS_TYPES: Array<{ type: string; px: number }> = [
  { type: 'icp4', px: 16 }, { type: 'icp5', px: 32 }, { type: 'ic11', px: 32 }, { type: 'ic12', px: 64 },
  { type: 'ic07', px: 128 }, { type: 'ic08', px: 256 }, { type: 'ic13', px: 256 }, { type: 'ic09', px: 512 },
  { type: 'ic14', px: 512 }, { type: 'ic10', px: 1024 },
];

/**
 * A macOS ICNS file: for each entry of ICNS_TYPES, the PNG of the image of that size from `bySize`.
 * Throws when a size is missing, so a short list cannot produce an icon the Finder shows blurred.
 */
export function encodeIcns(bySize: Map<number, Rgba>): Buffer {
  const parts: Buffer[] = [];
  for (const { type, px } of ICNS_TYPES) {
    const img = bySize.get(px);
    if (!img) throw new Error(`encodeIcns: no ${px} px image for ${type}`);
    const png = encodePng(img);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    parts.push(head, png);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}
