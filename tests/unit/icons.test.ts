// The committed icons in assets/: read back with our own decoder (tests/helpers/png-read.ts), checked for
// size, colour, monochrome templates, ICO/ICNS directories, visibility on light and dark panels, and that
// scripts/make-icons.ts still draws exactly these bytes (so the assets never drift from the script).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allIcons, APP_ICO_SIZES, ASSETS, LEVEL_COLOURS, LEVELS, TRAY_ICO_SIZES, type Level } from '../../scripts/make-icons.ts';
import { ICNS_TYPES } from '../../scripts/png.ts';
import { decodePng, readIcns, readIco, type Image } from '../helpers/png-read.ts';

const read = (rel: string): Image => decodePng(fs.readFileSync(path.join(ASSETS, rel)));
type Rgb = [number, number, number];

/** WCAG 2 relative luminance of an sRGB colour. */
function luminance([r, g, b]: Rgb): number {
  const lin = (v: number): number => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function contrast(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}
const hexRgb = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
const alphaAt = (img: Image, x: number, y: number): number => img.data[(y * img.width + x) * 4 + 3]!;

/** `img` composited over an opaque panel colour, pixel by pixel. */
function over(img: Image, panel: Rgb): Rgb[] {
  const out: Rgb[] = [];
  for (let i = 0; i < img.width * img.height; i++) {
    const a = img.data[i * 4 + 3]! / 255;
    out.push([0, 1, 2].map((c) => Math.round(img.data[i * 4 + c]! * a + panel[c]! * (1 - a))) as Rgb);
  }
  return out;
}

/** The most frequent colour among the fully opaque pixels: the disc's fill. */
function fillColour(img: Image): Rgb {
  const counts = new Map<string, number>();
  for (let i = 0; i < img.width * img.height; i++) {
    if (img.data[i * 4 + 3] !== 255) continue;
    const k = `${img.data[i * 4]},${img.data[i * 4 + 1]},${img.data[i * 4 + 2]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return best[0].split(',').map(Number) as Rgb;
}

test('every tray icon has its size: 16 px, 32 px @2x, and the same for the macOS templates', () => {
  for (const level of LEVELS) {
    for (const [suffix, size] of [['', 16], ['@2x', 32], ['Template', 16], ['Template@2x', 32]] as const) {
      const img = read(`tray/${level}${suffix}.png`);
      assert.deepEqual([img.width, img.height], [size, size], `${level}${suffix}.png`);
    }
  }
});

test('each level has its own disc colour, far apart from every other level', () => {
  const fills = new Map<Level, Rgb>(LEVELS.map((l) => [l, fillColour(read(`tray/${l}@2x.png`))]));
  for (const l of LEVELS) assert.deepEqual(fills.get(l), hexRgb(LEVEL_COLOURS[l]), `${l}: the drawn fill is its palette colour`);
  for (const a of LEVELS) {
    for (const b of LEVELS) {
      if (a >= b) continue;
      const [p, q] = [fills.get(a)!, fills.get(b)!];
      const dist = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
      assert.ok(dist >= 60, `${a} and ${b} look alike (RGB distance ${dist.toFixed(0)})`);
    }
  }
});

test('the glyph differs per level, so colour is not the only signal (template masks compared at 32 px)', () => {
  const masks = new Map(LEVELS.map((l) => [l, read(`tray/${l}Template@2x.png`)]));
  for (const a of LEVELS) {
    for (const b of LEVELS) {
      if (a >= b) continue;
      let differ = 0;
      for (let i = 0; i < 32 * 32; i++) if (Math.abs(masks.get(a)!.data[i * 4 + 3]! - masks.get(b)!.data[i * 4 + 3]!) > 128) differ++;
      assert.ok(differ >= 20, `${a} and ${b} glyphs differ in only ${differ} pixels`);
    }
  }
});

test('the white glyph stands out on its disc (>= 3:1) at 16 px', () => {
  for (const level of LEVELS) {
    const img = read(`tray/${level}.png`);
    const fill = fillColour(img);
    let glyph = 0;
    for (let i = 0; i < 256; i++) {
      const px: Rgb = [img.data[i * 4]!, img.data[i * 4 + 1]!, img.data[i * 4 + 2]!];
      if (img.data[i * 4 + 3] === 255 && contrast(px, fill) >= 3) glyph++;
    }
    assert.ok(glyph >= 8, `${level}: only ${glyph} glyph pixels contrast 3:1 with the disc`);
  }
});

test('macOS template images are black plus alpha only, with the glyph cut out', () => {
  for (const level of LEVELS) {
    for (const suffix of ['Template', 'Template@2x']) {
      const img = read(`tray/${level}${suffix}.png`);
      let opaque = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const a = img.data[i * 4 + 3]!;
        if (a > 0) assert.deepEqual([img.data[i * 4], img.data[i * 4 + 1], img.data[i * 4 + 2]], [0, 0, 0], `${level}${suffix}: pixel ${i} is not black`);
        if (a === 255) opaque++;
      }
      const c = img.width / 2;
      assert.ok(opaque > img.width * img.width * 0.3, `${level}${suffix}: the disc is there`);
      // The centre of every glyph but the pause bars and the arrows' ring is ink, so it is transparent there.
      if (level !== 'paused' && level !== 'working') assert.ok(alphaAt(img, c, c) < 128 || alphaAt(img, c - 1, c - 1) < 128, `${level}${suffix}: glyph cut out`);
    }
  }
});

test('at 16 px the disc is visible on a light (#f3f3f3) and a dark (#1f1f1f) panel: rim or fill >= 3:1', () => {
  for (const level of LEVELS) {
    const img = read(`tray/${level}.png`);
    for (const panel of [[0xf3, 0xf3, 0xf3], [0x1f, 0x1f, 0x1f]] as Rgb[]) {
      const shown = over(img, panel);
      // The rim: the outermost opaque pixels (an opaque pixel with a see-through 4-neighbour).
      const ring: number[] = [];
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          if (alphaAt(img, x, y) < 250) continue;
          const edge = [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) => {
            const nx = x + dx!, ny = y + dy!;
            return nx < 0 || ny < 0 || nx > 15 || ny > 15 || alphaAt(img, nx, ny) < 250;
          });
          if (edge) ring.push(contrast(shown[y * 16 + x]!, panel));
        }
      }
      assert.ok(ring.length >= 16, `${level}: a rim of opaque pixels exists`);
      ring.sort((a, b) => a - b);
      const rim = ring[Math.floor(ring.length / 2)]!;
      const fill = contrast(fillColour(img), panel);
      assert.ok(Math.max(rim, fill) >= 3, `${level} on ${panel}: rim ${rim.toFixed(2)}:1, fill ${fill.toFixed(2)}:1`);
    }
  }
});

test('ICO files list the right sizes, as 32-bit PNG entries that decode to those sizes', () => {
  const check = (rel: string, sizes: number[]): void => {
    const entries = readIco(fs.readFileSync(path.join(ASSETS, rel)));
    assert.deepEqual(entries.map((e) => e.width), sizes, rel);
    for (const e of entries) {
      assert.equal(e.height, e.width);
      assert.equal(e.bitCount, 32);
      const img = decodePng(e.png);
      assert.deepEqual([img.width, img.height], [e.width, e.height], `${rel} entry ${e.width}`);
    }
  };
  for (const level of LEVELS) check(`tray/${level}.ico`, TRAY_ICO_SIZES);
  check('icon.ico', APP_ICO_SIZES);
  assert.deepEqual(APP_ICO_SIZES.at(0), 16);
  assert.deepEqual(APP_ICO_SIZES.at(-1), 256);
});

test('the app icon is 512x512 with an opaque centre, and the ICNS holds every size macOS asks for', () => {
  const img = read('icon.png');
  assert.deepEqual([img.width, img.height], [512, 512]);
  assert.equal(alphaAt(img, 256, 256), 255);
  assert.equal(alphaAt(img, 0, 0), 0, 'rounded corners are transparent');
  const icns = readIcns(fs.readFileSync(path.join(ASSETS, 'icon.icns')));
  assert.deepEqual(icns.map((e) => e.type), ICNS_TYPES.map((t) => t.type));
  icns.forEach((e, i) => assert.equal(decodePng(e.data).width, ICNS_TYPES[i]!.px, e.type));
});

test('re-running scripts/make-icons.ts reproduces the committed bytes, and nothing is left over', () => {
  const drawn = allIcons();
  for (const [rel, bytes] of drawn) {
    const file = path.join(ASSETS, rel);
    assert.ok(fs.existsSync(file), `${rel} is missing: run node scripts/make-icons.ts`);
    assert.ok(fs.readFileSync(file).equals(bytes), `${rel} differs from what scripts/make-icons.ts draws: run it and commit the result`);
  }
  const onDisk = fs.readdirSync(path.join(ASSETS, 'tray')).map((f) => `tray/${f}`);
  assert.deepEqual(onDisk.filter((f) => !drawn.has(f)), [], 'assets/tray holds only generated files');
});
