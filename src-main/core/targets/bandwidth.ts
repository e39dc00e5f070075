import { LifeboatError } from '../errors.ts';

/** An upload limit, optionally only within a daily time window (e.g. office hours). */
export interface Bandwidth {
  bytesPerSecond: number;
  /** Minutes after local midnight; the window may wrap past midnight (22:00-06:00). Absent: always. */
  window?: { from: number; to: number };
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, K: 1024, KIB: 1024, MB: 1024 ** 2, M: 1024 ** 2, MIB: 1024 ** 2, GB: 1024 ** 3, G: 1024 ** 3, GIB: 1024 ** 3 };

/**
 * Parses `2MB/s` or `500KB/s@08:00-18:00` (KB and MB are 1024-based, as rclone and restic count). Throws a
 * 'bad-input' LifeboatError with an example for anything else.
 */
export function parseBandwidth(text: string): Bandwidth {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*\/\s*s\s*(?:@\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2}))?\s*$/i.exec(text);
  const unit = UNITS[(m?.[2] || 'B').toUpperCase()];
  if (!m || unit === undefined) throw new LifeboatError('bad-input', `bandwidth ${JSON.stringify(text)} not understood: write e.g. 2MB/s, 500KB/s or 2MB/s@08:00-18:00`);
  const bytesPerSecond = Math.round(Number(m[1]) * unit);
  if (bytesPerSecond < 1024) throw new LifeboatError('bad-input', `bandwidth ${text} is below 1KB/s`);
  if (m[3] === undefined) return { bytesPerSecond };
  const from = Number(m[3]) * 60 + Number(m[4]);
  const to = Number(m[5]) * 60 + Number(m[6]);
  if (from >= 24 * 60 || to > 24 * 60 || Number(m[4]) > 59 || Number(m[6]) > 59 || from === to) throw new LifeboatError('bad-input', `bandwidth window in ${text} is not a time range like 08:00-18:00`);
  return { bytesPerSecond, window: { from, to } };
}

/** Formats a Bandwidth back to the text parseBandwidth reads. */
export function formatBandwidth(b: Bandwidth): string {
  const rate = b.bytesPerSecond % 1024 ** 2 === 0 ? `${b.bytesPerSecond / 1024 ** 2}MB/s` : `${Math.round(b.bytesPerSecond / 1024)}KB/s`;
  if (!b.window) return rate;
  const hm = (n: number) => `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
  return `${rate}@${hm(b.window.from)}-${hm(b.window.to)}`;
}

/** The limit in force at `now` (bytes per second), or undefined when uploads are unlimited then. Pure. */
export function currentLimit(b: Bandwidth, now: Date, timeZone?: string): number | undefined {
  if (!b.window) return b.bytesPerSecond;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const minutes = Number(parts.find((p) => p.type === 'hour')?.value) * 60 + Number(parts.find((p) => p.type === 'minute')?.value);
  const { from, to } = b.window;
  const inside = from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
  return inside ? b.bytesPerSecond : undefined;
}
