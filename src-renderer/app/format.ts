// Sizes and durations in words a non-technical reader can scan.

/** Bytes in binary units with one decimal from KB up ("4.2 MB"); negative or NaN input gives "0 B". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A duration in ms as "850 ms", "12.3 s", "4 min 5 s" or "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Seconds of battery runtime as "about 30 min". */
export function formatRuntime(seconds: number): string {
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 120 ? `about ${m} min` : `about ${Math.round(m / 60)} h`;
}
