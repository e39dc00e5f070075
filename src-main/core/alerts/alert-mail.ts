// The words of Lifeboat's e-mails: an alert when the health verdict turns bad, "All well again" when it
// recovers, a daily or weekly summary, and the test mail. Pure: no clock, no I/O; the caller gives the time,
// the machine's name and the zone.
import type { HealthLevel, Reason, Verdict } from '../health/health-verdict.ts';
import type { HistoryRow } from '../catalog/catalog.ts';

export interface MailText {
  subject: string;
  text: string;
}

/** Where and when a mail is written from: shown in every body so an office with two machines knows which. */
export interface MailContext {
  machine: string;
  now: Date;
  /** IANA zone for the times in the text. */
  timeZone: string;
}

const SUBJECT_MAX = 140;
const LEVEL_WORD: Record<HealthLevel, string> = { ok: 'OK', working: 'WORKING', warning: 'WARNING', critical: 'CRITICAL' };

/**
 * The alert for a verdict at warning or critical: subject "Lifeboat: CRITICAL: On battery" (the first, most
 * severe reason; "(+N more)" when there are other problems), body listing every problem, then what is fine.
 * `changes` is how many times the level changed since the last mail that went out: more than one means some
 * changes were not mailed (the hourly limit, or a send that failed), and the body says so.
 */
export function alertMail(verdict: Verdict, ctx: MailContext, changes = 1): MailText {
  const problems = verdict.reasons.filter((r) => r.level !== 'ok');
  const first = problems[0]?.text ?? 'something needs attention';
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  const lines = [
    `${LEVEL_WORD[verdict.level]}: ${first}`,
    '',
    `What Lifeboat on ${ctx.machine} sees at ${clock(ctx)}:`,
    ...reasonLines(problems),
    ...okLines(verdict.reasons),
    ...changeLines(changes),
    ...footer(),
  ];
  return { subject: subject(`${LEVEL_WORD[verdict.level]}: ${first}${more}`), text: lines.join('\n') };
}

/** "All well again": the verdict is back to ok (or only working) after an alert. */
export function recoveryMail(verdict: Verdict, ctx: MailContext, wasLevel: HealthLevel, changes = 1): MailText {
  const lines = [
    `All well again on ${ctx.machine} at ${clock(ctx)} (it was ${LEVEL_WORD[wasLevel]}).`,
    ...okLines(verdict.reasons),
    ...reasonLines(verdict.reasons.filter((r) => r.level === 'working')),
    ...changeLines(changes),
    ...footer(),
  ];
  return { subject: subject('All well again'), text: lines.join('\n') };
}

/** The test mail of the settings form. */
export function testMail(ctx: MailContext): MailText {
  return {
    subject: subject('test e-mail'),
    text: [`This is a test e-mail from Lifeboat on ${ctx.machine}, sent at ${clock(ctx)}.`, 'Alerts will arrive like this one.', ...footer()].join('\n'),
  };
}

/** What a summary reports: the period, what was backed up, what failed, and the verdict now. */
export interface SummaryFacts {
  /** Start and end of the period covered. */
  from: Date;
  to: Date;
  verdict: Verdict;
  /** Per source: snapshots taken in the period, the newest one's time (ISO), bytes added to the repository. */
  backups: Array<{ source: string; snapshots: number; last?: string; bytesAdded?: number }>;
  /** Operations that failed or warned in the period, oldest first. */
  failures: Array<{ time: string; op: string; source: string | null; result: 'failed' | 'warning'; detail: string }>;
}

/**
 * SummaryFacts from the catalog's history rows (any order) for the period [from, to): successful and warned
 * backups counted per source (bytes added read from the row's detail, "N added"), every failed or warned
 * operation listed. Sources in `sources` with no backup appear with 0, so a silent source shows.
 */
export function summaryFromHistory(rows: readonly HistoryRow[], period: { from: Date; to: Date }, verdict: Verdict, sources: readonly string[] = []): SummaryFacts {
  const inPeriod = rows
    .filter((r) => { const t = Date.parse(r.time); return t >= period.from.getTime() && t < period.to.getTime(); })
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id - b.id);
  const backups = new Map<string, { source: string; snapshots: number; last?: string; bytesAdded?: number }>(sources.map((s) => [s, { source: s, snapshots: 0 }]));
  for (const r of inPeriod) {
    if (r.op !== 'backup' || r.result === 'failed' || !r.source) continue;
    const b = backups.get(r.source) ?? { source: r.source, snapshots: 0 };
    b.snapshots++;
    b.last = r.time;
    const added = /(\d+) added/.exec(r.detail)?.[1];
    if (added !== undefined) b.bytesAdded = (b.bytesAdded ?? 0) + Number(added);
    backups.set(r.source, b);
  }
  const failures = inPeriod
    .filter((r): r is HistoryRow & { result: 'failed' | 'warning' } => r.result !== 'ok')
    .map((r) => ({ time: r.time, op: r.op, source: r.source, result: r.result, detail: r.detail }));
  return { from: period.from, to: period.to, verdict, backups: [...backups.values()], failures };
}

/** The daily or weekly summary: subject with the verdict's level, body with backups, failures and the verdict's reasons. */
export function summaryMail(facts: SummaryFacts, kind: 'daily' | 'weekly', ctx: MailContext): MailText {
  const period = `${dateTime(facts.from, ctx.timeZone)} to ${dateTime(facts.to, ctx.timeZone)}`;
  const total = facts.backups.reduce((n, b) => n + b.snapshots, 0);
  const lines = [
    `${kind === 'daily' ? 'Daily' : 'Weekly'} summary of Lifeboat on ${ctx.machine}, ${period}.`,
    '',
    `Now: ${LEVEL_WORD[facts.verdict.level]}${facts.verdict.reasons[0] ? `: ${facts.verdict.reasons[0].text}` : ''}`,
    ...reasonLines(facts.verdict.reasons.filter((r) => r.level !== 'ok')),
    '',
    `Backed up (${total} snapshot${total === 1 ? '' : 's'}):`,
    ...(facts.backups.length ? facts.backups.map((b) => `  ${b.source}: ${b.snapshots} snapshot${b.snapshots === 1 ? '' : 's'}${b.last ? `, last ${dateTime(new Date(b.last), ctx.timeZone)}` : ''}${b.bytesAdded !== undefined ? `, ${bytes(b.bytesAdded)} added` : ''}`) : ['  no sources']),
    '',
    facts.failures.length ? `Problems (${facts.failures.length}):` : 'Problems: none.',
    ...facts.failures.map((f) => `  ${dateTime(new Date(f.time), ctx.timeZone)}  ${f.result === 'failed' ? 'FAILED ' : 'WARNING'}  ${f.op}${f.source ? ` ${f.source}` : ''}: ${f.detail}`),
    ...footer(),
  ];
  const label = kind === 'daily' ? 'daily summary' : 'weekly summary';
  return { subject: subject(`${label}: ${LEVEL_WORD[facts.verdict.level]}, ${total} snapshot${total === 1 ? '' : 's'}, ${facts.failures.filter((f) => f.result === 'failed').length} failed`), text: lines.join('\n') };
}

function subject(s: string): string {
  const full = `Lifeboat: ${s}`;
  return full.length > SUBJECT_MAX ? `${full.slice(0, SUBJECT_MAX - 1)}…` : full;
}

function reasonLines(reasons: readonly Reason[]): string[] {
  return reasons.map((r) => `  ${LEVEL_WORD[r.level].padEnd(8)}  ${r.text}`);
}

function okLines(reasons: readonly Reason[]): string[] {
  const ok = reasons.filter((r) => r.level === 'ok');
  return ok.length ? ['', 'Fine:', ...ok.map((r) => `  ${r.text}`)] : [];
}

function changeLines(changes: number): string[] {
  return changes > 1 ? ['', `The level changed ${changes} times since the last e-mail; not every change was mailed (e-mails are limited per hour, or sending failed). This is the state now.`] : [];
}

function footer(): string[] {
  return ['', '-- ', 'Lifeboat backups. Change or turn off these e-mails in Settings > Notifications.'];
}

function clock(ctx: MailContext): string {
  return `${dateTime(ctx.now, ctx.timeZone)} (${ctx.timeZone})`;
}

function dateTime(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

function bytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}
