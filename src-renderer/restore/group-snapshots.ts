// Snapshots for the Restore page: per source, then per local day, newest first. Pure (now is passed in).
import type { Snapshot } from '../../src-shared/contract.ts';

export interface DayGroup { key: string; label: string; snapshots: Snapshot[] }
export interface SourceGroup { source: string; days: DayGroup[] }

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Yesterday" or the local date ("Friday 20 November 2026") of a day key. */
export function dayLabel(key: string, now: number): string {
  const today = new Date(now);
  if (key === dayKey(today)) return 'Today';
  const y = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (key === dayKey(y)) return 'Yesterday';
  const [yy, mm, dd] = key.split('-').map(Number);
  return new Date(yy!, mm! - 1, dd!).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/**
 * Groups snapshots by source (sources in name order) and by local day (newest day first, newest snapshot
 * first within a day). Snapshots with an unparsable time go last, under "Unknown date".
 */
export function groupSnapshots(snapshots: readonly Snapshot[], now: number): SourceGroup[] {
  const bySource = new Map<string, Snapshot[]>();
  for (const s of snapshots) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s]);
  return [...bySource.keys()].sort().map((source) => {
    const sorted = [...bySource.get(source)!].sort((a, b) => (Date.parse(b.time) || 0) - (Date.parse(a.time) || 0));
    const days: DayGroup[] = [];
    for (const s of sorted) {
      const t = new Date(s.time);
      const key = Number.isNaN(t.getTime()) ? 'unknown' : dayKey(t);
      let g = days.find((d) => d.key === key);
      if (!g) {
        g = { key, label: key === 'unknown' ? 'Unknown date' : dayLabel(key, now), snapshots: [] };
        days.push(g);
      }
      g.snapshots.push(s);
    }
    return { source, days };
  });
}
