// Times in words relative to now ("3 min ago", "in 2 h"), computed in the UI so they move on while the page
// is open. Pure (now is passed in), so it is unit tested.

/**
 * `iso` relative to `now` (ms since the epoch): "just now" within 45 s, then minutes, hours, days. Future
 * times read "in 5 min". An unparsable time gives "unknown time".
 */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown time';
  const diff = now - t;
  const future = diff < 0;
  const s = Math.abs(diff) / 1000;
  if (s < 45) return future ? 'in a moment' : 'just now';
  let words: string;
  if (s < 90) words = '1 min';
  else if (s < 60 * 60) words = `${Math.round(s / 60)} min`;
  else if (s < 36 * 60 * 60) words = `${Math.round(s / 3600)} h`;
  else {
    const days = Math.round(s / 86_400);
    words = days === 1 ? '1 day' : `${days} days`;
  }
  return future ? `in ${words}` : `${words} ago`;
}

/** A local date-and-time for a title or a table ("22 Nov 2026, 04:10"). */
export function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A local time of day ("04:10:32"). */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
