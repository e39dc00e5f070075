// The health verdict: one pure function from facts to {level, reasons}. The tray, the window,
// notifications, e-mail and `lifeboat status` all show this one verdict.

import { attentionFindings, jobFindings, pausedFindings, sourceFindings, uncleanShutdownFindings } from './backup-rules.ts';
import { drillFindings, verifyFindings } from './check-rules.ts';
import { HEALTH_LEVELS, type HealthFacts, type HealthLevel, type ReasonCode, type Verdict } from './health-facts.ts';
import { diskFindings, offsiteFindings, usbFindings } from './place-rules.ts';
import { powerFindings } from './power-rules.ts';
import { RuleContext, type Finding } from './rule-context.ts';

export type { HealthFacts, HealthLevel, Reason, ReasonCode, Verdict } from './health-facts.ts';

// Within one level, reasons appear in this order: the acute before the chronic, and a reason that
// explains others (power, a pause) before them. Ties: larger weight (older) first, then the order of
// the facts (settings order for sources, queue order for jobs).
const CODE_ORDER: readonly ReasonCode[] = [
  'low-battery', 'on-battery', 'emergency-backup-failed', 'emergency-backup-running', 'emergency-backup-done',
  'unclean-shutdown-damage', 'unclean-shutdown-checking', 'ups-not-answering', 'paused', 'no-sources',
  'never-backed-up', 'rpo-missed', 'backup-failed', 'first-backup-running', 'needs-attention',
  'quick-verify-damaged', 'deep-verify-damaged', 'drill-failed', 'disk-full', 'disk-nearly-full',
  'quick-verify-failed', 'deep-verify-failed', 'offsite-needs-attention', 'offsite-behind', 'usb-copy-overdue',
  'quick-verify-overdue', 'deep-verify-overdue', 'drill-overdue', 'job-running', 'last-backup',
  'unclean-shutdown-ok', 'quick-verify-ok', 'deep-verify-ok', 'drill-ok', 'disk-ok', 'offsite-retrying',
  'offsite-ok', 'usb-copy-ok', 'power-ok',
];

/**
 * Computes the verdict from `facts` at `now`.
 * Contract:
 * - Pure: same facts, `now` and zone give the same verdict. Texts use `opts.timeZone` (IANA; default
 *   the process's zone) for clock times ("14:02") and relative ages ("3 min ago") from `now`.
 * - `level` is the worst level among the reasons (ok < working < warning < critical); with no reason
 *   it is 'ok'. 'working' means something is running and nothing is wrong.
 * - Reasons are ordered most severe first, then by the order of CODE_ORDER, then oldest first, then
 *   in the order of the facts (sources as in settings, jobs as queued). One exception: a detail follows the reason it explains, whatever its own level
 *   (on battery, then the emergency backup's state). ok reasons are included, last: they are what
 *   the window lists and what the tooltip says when all is well ("Last backup of office 3 min ago").
 * - The rules and thresholds are HEALTH_LIMITS and the doc comments of each rule (backup-rules.ts,
 *   check-rules.ts, place-rules.ts, power-rules.ts); README.md in this folder lists them.
 * - Throws an Error starting "Invalid health facts:" on a time that is not ISO 8601 with a zone, on
 *   a number out of range, or on an unknown state; the facts come from Lifeboat's own code, so that is
 *   a bug to surface, and the caller shows "status unknown". Never mutates `facts`.
 */
export function healthVerdict(facts: HealthFacts, now: Date, opts: { timeZone?: string } = {}): Verdict {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new Error('Invalid health facts: now must be a valid Date');
  const ctx = new RuleContext(now.getTime(), opts.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone);
  const { findings: sourceResults, usedJobs } = sourceFindings(facts, ctx);
  const findings: Finding[] = [
    ...powerFindings(facts.power, ctx),
    ...uncleanShutdownFindings(facts.uncleanShutdown, ctx),
    ...pausedFindings(facts.paused, ctx),
    ...sourceResults,
    ...attentionFindings(facts.needsAttention, ctx),
    ...verifyFindings('quick', facts.quickVerify, facts.installedAt, ctx),
    ...verifyFindings('deep', facts.deepVerify, facts.installedAt, ctx),
    ...drillFindings(facts.restoreDrill, facts.installedAt, ctx),
    ...diskFindings(facts.repositoryDisk),
    ...offsiteFindings(facts.offsite, ctx),
    ...usbFindings(facts.usb, ctx),
    ...jobFindings(facts.jobs ?? [], usedJobs),
  ];
  const ordered = findings
    .map((f, index) => ({ f, index }))
    .sort((a, b) => compareFindings(a.f, b.f) || a.index - b.index)
    .flatMap(({ f }) => [f.reason, ...(f.details ?? [])]);
  return { level: worst(ordered.map((r) => r.level)), reasons: ordered };
}

/**
 * True when a status line (or notification) is worth emitting: the first verdict (`previous`
 * undefined), a change of level, or a change in the set of non-ok reasons as (level, code, source).
 * Texts are not compared (ages tick every minute, progress moves), nor ok reasons, nor order.
 */
export function verdictChanged(previous: Verdict | undefined, next: Verdict): boolean {
  if (!previous) return true;
  if (previous.level !== next.level) return true;
  const key = (v: Verdict): string =>
    JSON.stringify(v.reasons.filter((r) => r.level !== 'ok').map((r) => [r.level, r.code, r.source ?? null]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
  return key(previous) !== key(next);
}

/** The worse of the levels (ok when empty). */
export function worst(levels: readonly HealthLevel[]): HealthLevel {
  return levels.reduce<HealthLevel>((a, b) => (rank(b) > rank(a) ? b : a), 'ok');
}

function rank(level: HealthLevel): number {
  return HEALTH_LEVELS.indexOf(level);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    rank(b.reason.level) - rank(a.reason.level) ||
    CODE_ORDER.indexOf(a.reason.code) - CODE_ORDER.indexOf(b.reason.code) ||
    (b.weight ?? 0) - (a.weight ?? 0)
  );
}
