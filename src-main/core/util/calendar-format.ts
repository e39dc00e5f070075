/**
 * A cached Intl formatter that gives a moment's calendar parts (year, month, day, hour, minute, second,
 * weekday) in a time zone, with a 24-hour clock and Latin digits whatever the machine's locale. Retention
 * buckets and health texts read local time through it. Throws for an unknown time zone.
 */
const cache = new Map<string, Intl.DateTimeFormat>();

export function calendarFormat(timeZone: string): Intl.DateTimeFormat {
  let f = cache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, calendar: 'gregory', numberingSystem: 'latn', hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short',
    });
    cache.set(timeZone, f);
  }
  return f;
}
