// The geometry of the History page's small charts, kept pure so it is unit tested: values to points in an
// SVG box, with a "nice" top of scale.

export interface ChartBox { width: number; height: number; left: number; right: number; top: number; bottom: number }
export interface ChartPoint { x: number; y: number; value: number; time: number }

/** The smallest of 1, 2, 2.5, 5 × 10^n that is ≥ `max` (0 and negatives give 1), so the axis reads well. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * Places (time, value) pairs in `box`: x by time between the first and the last (one point sits in the
 * middle), y from 0 at the bottom to `top` at the top. Input order does not matter; output is by time.
 */
export function chartPoints(data: ReadonlyArray<{ time: number; value: number }>, box: ChartBox, top: number): ChartPoint[] {
  const sorted = [...data].filter((d) => Number.isFinite(d.time) && Number.isFinite(d.value)).sort((a, b) => a.time - b.time);
  if (sorted.length === 0) return [];
  const t0 = sorted[0]!.time;
  const t1 = sorted[sorted.length - 1]!.time;
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  return sorted.map((d) => ({
    x: box.left + (t1 === t0 ? w / 2 : ((d.time - t0) / (t1 - t0)) * w),
    y: box.top + h - (Math.max(0, d.value) / top) * h,
    value: d.value,
    time: d.time,
  }));
}

/** niceMax for byte counts: nice in the unit they are shown in (100 MB, not 191 MB for 2 × 10^8 bytes). */
export function niceMaxBytes(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  let unit = 1;
  while (max / unit >= 1000 && unit < 1024 ** 4) unit *= 1024;
  return niceMax(max / unit) * unit;
}
