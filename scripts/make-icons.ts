// Draws every icon in assets/ from code: the tray icon of each health level (1x, 2x, macOS template,
// Windows ICO) and the app icon (PNG, ICO, ICNS). Run `node scripts/make-icons.ts` after changing a shape or
// a colour; tests/unit/icons.test.ts fails when the committed files differ from what this script draws.
//
// Shapes are point tests in a unit square; each pixel averages 8x8 (small sizes) or 4x4 samples, which is
// the anti-aliasing. No randomness and no clocks, so the same Node gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIco, encodeIcns, encodePng, ICNS_TYPES, type Rgba } from './png.ts';

export const LEVELS = ['ok', 'working', 'warning', 'critical', 'paused'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * The disc colour of each level. Each has a WCAG relative luminance between 0.15 and 0.26, so the disc alone
 * has at least 3:1 contrast against both a light (#f3f3f3) and a dark (#1f1f1f) panel, and its white glyph
 * at least 3.4:1 against the disc. The glyph differs per level too: colour is never the only signal.
 */
export const LEVEL_COLOURS: Record<Level, string> = {
  ok: '#1e8e3e', // green
  working: '#1a73e8', // blue
  warning: '#b97800', // amber
  critical: '#d93025', // red
  paused: '#757575', // grey
};

type Colour = [number, number, number, number];
/** A scene: the straight-alpha colour at (x, y), both in [-1, 1] with y pointing down. */
type Scene = (x: number, y: number) => Colour;

const CLEAR: Colour = [0, 0, 0, 0];
const WHITE: Colour = [255, 255, 255, 255];
const BLACK: Colour = [0, 0, 0, 255];

function hex(h: string): Colour {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255];
}

/** `c` with each channel scaled by `f` (a darker shade for f < 1). */
function shade(c: Colour, f: number): Colour {
  return [Math.round(c[0] * f), Math.round(c[1] * f), Math.round(c[2] * f), c[3]];
}

/** Renders `scene` into a size x size RGBA image, averaging ss x ss samples per pixel (premultiplied). */
function render(size: number, scene: Scene): Rgba {
  const ss = size <= 64 ? 8 : 4;
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = ((px + (sx + 0.5) / ss) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / ss) / size) * 2 - 1;
          const c = scene(x, y);
          const al = c[3] / 255;
          r += c[0] * al; g += c[1] * al; b += c[2] * al; a += al;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        data[o] = Math.round(r / a);
        data[o + 1] = Math.round(g / a);
        data[o + 2] = Math.round(b / a);
      }
      data[o + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return { width: size, height: size, data };
}

// ---- shapes (in the glyph's unit disc: radius 1, y down) ---------------------------------------------------

/** Distance from (x, y) to the segment a-b. */
function segDist(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** Whether (x, y) is on a round-capped polyline of half-width w. */
function stroke(x: number, y: number, pts: number[][], w: number): boolean {
  for (let i = 1; i < pts.length; i++) if (segDist(x, y, pts[i - 1]![0]!, pts[i - 1]![1]!, pts[i]![0]!, pts[i]![1]!) <= w) return true;
  return false;
}

function inTriangle(x: number, y: number, t: number[][]): boolean {
  const s = (a: number[], b: number[]): number => (b[0]! - a[0]!) * (y - a[1]!) - (b[1]! - a[1]!) * (x - a[0]!);
  const d1 = s(t[0]!, t[1]!), d2 = s(t[1]!, t[2]!), d3 = s(t[2]!, t[0]!);
  return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
}

const DEG = Math.PI / 180;

/** Two arcs chasing each other clockwise, each ending in an arrowhead: "working". */
function circularArrows(x: number, y: number): boolean {
  const R = 0.5, W = 0.11, SPAN = 110;
  const r = Math.hypot(x, y);
  let a = Math.atan2(y, x) / DEG; // clockwise on screen, since y points down
  if (a < 0) a += 360;
  for (const start of [200, 20]) {
    const end = start + SPAN;
    if (Math.abs(r - R) <= W && a >= start && a <= end) return true;
    // The arrowhead: a triangle whose base crosses the arc at `end` and whose tip lies further along it.
    const e = end * DEG, tip = (end + 38) * DEG;
    const base = [[Math.cos(e) * (R - 0.25), Math.sin(e) * (R - 0.25)], [Math.cos(e) * (R + 0.25), Math.sin(e) * (R + 0.25)]];
    if (inTriangle(x, y, [base[0]!, base[1]!, [Math.cos(tip) * R, Math.sin(tip) * R]])) return true;
  }
  return false;
}

const GLYPHS: Record<Level, (x: number, y: number) => boolean> = {
  ok: (x, y) => stroke(x, y, [[-0.44, 0.02], [-0.13, 0.33], [0.45, -0.3]], 0.12),
  working: circularArrows,
  warning: (x, y) => stroke(x, y, [[0, -0.5], [0, 0.1]], 0.13) || Math.hypot(x, y - 0.42) <= 0.14,
  critical: (x, y) => stroke(x, y, [[-0.36, -0.36], [0.36, 0.36]], 0.13) || stroke(x, y, [[0.36, -0.36], [-0.36, 0.36]], 0.13),
  paused: (x, y) => Math.abs(y) <= 0.42 && Math.abs(Math.abs(x) - 0.22) <= 0.11,
};

// ---- the scenes -------------------------------------------------------------------------------------------

const DISC = 0.94; // the disc's radius, of the canvas half-width: 7.5 px at 16 px

/**
 * The tray icon of `level` drawn at `size` px: a disc of the level's colour with a dark rim one logical pixel
 * wide (size/16 px) and a white glyph; or, for a macOS template, a black disc with the glyph cut out.
 */
export function trayIcon(level: Level, size: number, template = false): Rgba {
  const fill = hex(LEVEL_COLOURS[level]);
  const rim = shade(fill, 0.45);
  const rimWidth = (2 * (size / 16)) / size;
  const glyph = GLYPHS[level];
  return render(size, (x, y) => {
    const d = Math.hypot(x, y);
    if (d > DISC) return CLEAR;
    if (glyph(x / DISC, y / DISC)) return template ? CLEAR : WHITE;
    if (template) return BLACK;
    return d > DISC - rimWidth ? rim : fill;
  });
}

const NAVY = hex('#173f78');
const SKY = hex('#2a6bc0');
const RING_RED = hex('#e5432d');
const OUTLINE = hex('#0b2545');

/** The app icon: a red and white life ring on a blue rounded square. */
export function appIcon(size: number): Rgba {
  const line = Math.max(0.02, 2 / size);
  return render(size, (x, y) => {
    // Rounded square: half-side 0.9, corner radius 0.22.
    const qx = Math.max(Math.abs(x) - 0.68, 0), qy = Math.max(Math.abs(y) - 0.68, 0);
    if (Math.abs(x) > 0.9 || Math.abs(y) > 0.9 || Math.hypot(qx, qy) > 0.22) return CLEAR;
    const r = Math.hypot(x, y);
    if (r >= 0.3 - line && r <= 0.68 + line) {
      if (r < 0.3 || r > 0.68) return OUTLINE;
      let a = Math.atan2(y, x) / DEG + 360;
      a %= 90;
      // Four red bands of 40 degrees centred on the diagonals, white between them.
      return a >= 25 && a <= 65 ? RING_RED : WHITE;
    }
    // A vertical gradient, quantised to whole channel values by render().
    const t = (y + 0.9) / 1.8;
    return [SKY[0] + (NAVY[0] - SKY[0]) * t, SKY[1] + (NAVY[1] - SKY[1]) * t, SKY[2] + (NAVY[2] - SKY[2]) * t, 255];
  });
}

export const TRAY_ICO_SIZES = [16, 24, 32, 48];
export const APP_ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

/** Every generated file, by path relative to assets/ (forward slashes), with its bytes. Writes nothing. */
export function allIcons(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const level of LEVELS) {
    out.set(`tray/${level}.png`, encodePng(trayIcon(level, 16)));
    out.set(`tray/${level}@2x.png`, encodePng(trayIcon(level, 32)));
    out.set(`tray/${level}Template.png`, encodePng(trayIcon(level, 16, true)));
    out.set(`tray/${level}Template@2x.png`, encodePng(trayIcon(level, 32, true)));
    out.set(`tray/${level}.ico`, encodeIco(TRAY_ICO_SIZES.map((s) => trayIcon(level, s))));
  }
  const app = new Map<number, Rgba>();
  for (const s of new Set([...APP_ICO_SIZES, ...ICNS_TYPES.map((t) => t.px), 512])) app.set(s, appIcon(s));
  out.set('icon.png', encodePng(app.get(512)!));
  out.set('icon.ico', encodeIco(APP_ICO_SIZES.map((s) => app.get(s)!)));
  out.set('icon.icns', encodeIcns(app));
  return out;
}

export const ASSETS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets');

if (import.meta.main) {
  for (const [rel, bytes] of allIcons()) {
    const file = path.join(ASSETS, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    console.log(`${path.relative(process.cwd(), file)} (${bytes.length} bytes)`);
  }
}
