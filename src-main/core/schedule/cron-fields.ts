// The cron grammar Lifeboat accepts, parsed into the set of values of each field.
// It is deliberately the portable subset on which node-cron (which runs the jobs in the agent),
// cron-parser (which computes next runs) and cronstrue (which describes them) agree: five fields,
// numbers, names, `*`, ranges, steps and lists. Everything else is refused with a message that names
// the field and the part that is wrong, so a person can fix it.

/** Values of each field after parsing; Sunday is always 0 (7 is accepted and folded into 0). */
export interface CronFields {
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
}

export type CronParse =
  | {
      ok: true;
      /** The expression as it should be given to node-cron: spaces collapsed, a nickname expanded. */
      expression: string;
      fields: CronFields;
      /** A field is restricted when it does not cover its whole range (a `*` or `0-6` does). */
      restricted: { dayOfMonth: boolean; dayOfWeek: boolean };
    }
  | { ok: false; error: string };

interface FieldSpec {
  key: keyof CronFields;
  label: string;
  min: number;
  max: number;
  /** Three-letter names, index 0 meaning `min`. */
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MONTH_WORDS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const FIELDS: readonly FieldSpec[] = [
  { key: 'minute', label: 'minute', min: 0, max: 59 },
  { key: 'hour', label: 'hour', min: 0, max: 23 },
  { key: 'dayOfMonth', label: 'day-of-month', min: 1, max: 31 },
  { key: 'month', label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday too, as in every cron; it is folded into 0 after parsing.
  { key: 'dayOfWeek', label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
];

const FIELD_LIST = 'minute hour day-of-month month day-of-week';

/** The nicknames node-cron resolves itself; expanded here so every library sees the same five fields. */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = Object.freeze({
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
});

const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses a cron expression in Lifeboat's grammar.
 * Contract:
 * - Exactly five fields separated by spaces (minute hour day-of-month month day-of-week), or one of
 *   CRON_NICKNAMES. Six fields (seconds) are refused: Lifeboat schedules to the minute.
 * - Each field is a comma list of `*`, `*\/STEP`, `N`, `A-B` or `A-B/STEP`; N, A and B are decimal
 *   numbers in the field's range, or three-letter names for month (jan..dec) and day-of-week
 *   (sun..sat), any case. Ranges must not run backwards; STEP is 1..(max-min).
 *   Quartz/extension syntax (`?`, `L`, `W`, `#`, `H`) is refused.
 * - A day-of-month and a day-of-week that are both restricted are refused: classic cron runs on
 *   either (cron-parser does), node-cron runs only on both, so the meaning would depend on the library.
 * - A combination that can never happen (`0 0 31 2 *`) is refused.
 * - Never throws; returns `{ ok: false, error }` with one message, e.g.
 *   "minute field: 61 is out of range 0-59".
 */
export function parseCron(input: unknown): CronParse {
  if (typeof input !== 'string') return fail(`expected a cron expression as text, got ${input === null ? 'null' : typeof input}`);
  const nickname = CRON_NICKNAMES[input.trim().toLowerCase()];
  // Only spaces are trimmed: node-cron refuses tabs and line breaks anywhere.
  const expression = (nickname ?? input).replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
  if (expression === '') return fail(`the expression is empty: expected 5 fields: ${FIELD_LIST}`);
  const odd = /[^ -~]/.exec(expression);
  if (odd) {
    return fail(/\s/.test(odd[0]) ? 'separate the fields with spaces only (no tabs or line breaks)' : `unexpected character ${JSON.stringify(odd[0])}`);
  }
  if (expression.startsWith('@')) return fail(`unknown nickname ${JSON.stringify(expression)} (known: ${Object.keys(CRON_NICKNAMES).join(', ')})`);
  const parts = expression.split(' ');
  if (parts.length === 6) return fail(`got 6 fields, but seconds are not supported (Lifeboat schedules to the minute): use 5 fields: ${FIELD_LIST}`);
  if (parts.length !== 5) return fail(`expected 5 fields (${FIELD_LIST}), got ${parts.length}`);

  const fields = {} as CronFields;
  for (const [index, spec] of FIELDS.entries()) {
    const values = parseField(parts[index]!, spec);
    if (typeof values === 'string') return fail(`${spec.label} field: ${values}`);
    fields[spec.key] = values;
  }
  fields.dayOfWeek = [...new Set(fields.dayOfWeek.map((d) => d % 7))].sort((a, b) => a - b);

  const restricted = { dayOfMonth: fields.dayOfMonth.length < 31, dayOfWeek: fields.dayOfWeek.length < 7 };
  if (restricted.dayOfMonth && restricted.dayOfWeek) {
    return fail('day-of-month and day-of-week are both set: cron would run on either, some schedulers only on both; set one of them to *');
  }
  if (!fields.month.some((m) => fields.dayOfMonth.some((d) => d <= MAX_DAYS[m - 1]!))) {
    const days = fields.dayOfMonth.length === 1 ? `day ${fields.dayOfMonth[0]} never occurs` : `days ${parts[2]} never occur`;
    const months = fields.month.map((m) => MONTH_WORDS[m - 1]!);
    const monthText = months.length === 1 ? months[0] : `${months.slice(0, -1).join(', ')} or ${months.at(-1)}`;
    return fail(`the job would never run: ${days} in ${monthText}`);
  }
  return { ok: true, expression, fields, restricted };
}

function fail(error: string): CronParse {
  return { ok: false, error };
}

/** The sorted distinct values of one field, or a message saying what is wrong with it. */
function parseField(text: string, spec: FieldSpec): number[] | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `empty item in the list ${JSON.stringify(text)}`;
    const itemValues = parseItem(item, spec);
    if (typeof itemValues === 'string') return itemValues;
    for (const v of itemValues) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

const ITEM = /^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/([a-z0-9]+))?$/i;

// Quartz and extension tokens some cron dialects know (last day, weekday, nth weekday, hashed).
const EXTENSION = /^(?:\?|L|L-\d+|\d+L|LW|\d+W|\d+#\d+|H(?:\(.*\))?(?:\/\d+)?)$/i;
const SYNTAX_HINT = 'use numbers, ranges (1-5), steps (*/15) and lists (1,15)';

function parseItem(item: string, spec: FieldSpec): number[] | string {
  if (EXTENSION.test(item)) return `${JSON.stringify(item)} is not supported: ${SYNTAX_HINT}`;
  const m = ITEM.exec(item);
  if (!m) return `${JSON.stringify(item)} is not understood: ${SYNTAX_HINT}`;
  const [, star, first, last, stepText] = m;
  let from = spec.min;
  let to = spec.key === 'dayOfWeek' ? 6 : spec.max;
  if (!star) {
    const a = parseValue(first!, spec);
    if (typeof a === 'string') return a;
    from = a;
    if (last !== undefined) {
      const b = parseValue(last, spec);
      if (typeof b === 'string') return b;
      if (b < from) return `range ${first}-${last} runs backwards: write ${wrapAround(first!, last, spec)}`;
      to = b;
    } else if (stepText !== undefined) {
      return `${JSON.stringify(item)} needs a range before the step, e.g. ${first}-${spec.max}/${stepText}`;
    } else {
      to = from;
    }
  }
  let step = 1;
  if (stepText !== undefined) {
    const span = spec.max - spec.min;
    step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
    if (!Number.isSafeInteger(step) || step < 1 || step > span) return `step ${stepText} is out of range 1-${span}`;
  }
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** The two ranges a backwards range like 22-2 means, in the words the person used. */
function wrapAround(first: string, last: string, spec: FieldSpec): string {
  const top = spec.key === 'dayOfWeek' ? 6 : spec.max;
  const byName = spec.names !== undefined && !/^\d+$/.test(first);
  const word = (n: number): string => (byName ? spec.names![n - spec.min]! : String(n));
  const range = (a: string, b: string): string => (a === b ? a : `${a}-${b}`);
  return `${range(first, word(top))},${range(word(spec.min), last)}`;
}

function parseValue(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) return `${text} is out of range ${spec.min}-${spec.max}`;
    return n;
  }
  if (spec.names) {
    const index = spec.names.indexOf(text.toLowerCase());
    if (index >= 0) return spec.min + index;
    const prefix = spec.names.find((name) => text.toLowerCase().startsWith(name));
    if (prefix) return `${JSON.stringify(text)}: use three-letter names such as ${JSON.stringify(prefix)}`;
    return `${JSON.stringify(text)} is neither a number in ${spec.min}-${spec.max} nor a name (${spec.names.join(', ')})`;
  }
  return `${JSON.stringify(text)} is not a number in ${spec.min}-${spec.max}`;
}
