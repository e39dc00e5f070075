// Health rules about proof that the backups restore: the quick and deep verify, the restore drill.

import { HEALTH_LIMITS, type DrillFacts, type HealthFacts, type VerifyFacts } from './health-facts.ts';
import { finding, type Finding, type RuleContext } from './rule-context.ts';

const HOUR = 3_600_000;

/**
 * One reason per check, the most telling one: damaged snapshots (critical) over a check that could
 * not finish (warning) over an overdue check (warning) over a good result (ok). A check that never
 * ran is overdue only once `installedAt` is older than the check's limit; without `installedAt`,
 * nothing is said about it.
 */
export function verifyFindings(kind: 'quick' | 'deep', facts: VerifyFacts | undefined, installedAt: string | undefined, ctx: RuleContext): Finding[] {
  const name = kind === 'quick' ? 'quick check' : 'deep check';
  const Name = kind === 'quick' ? 'Quick check' : 'Deep check';
  const every = kind === 'quick' ? 'daily' : 'weekly';
  const limit = (kind === 'quick' ? HEALTH_LIMITS.quickVerifyOverdueHours : HEALTH_LIMITS.deepVerifyOverdueHours) * HOUR;
  const code = kind === 'quick' ? ('quick-verify' as const) : ('deep-verify' as const);
  if (!facts) {
    return neverRan(installedAt, limit, ctx) ? [finding('warning', `${code}-overdue`, `No ${name} has run yet (expected ${every})`)] : [];
  }
  const at = ctx.time(facts.time, `${kind}Verify.time`);
  const damaged = facts.damaged ?? [];
  if (damaged.length > 0) {
    const count = damaged.length === 1 ? '1 damaged snapshot' : `${damaged.length} damaged snapshots`;
    return [finding('critical', `${code}-damaged`, `${Name} ${ctx.ago(at)} found ${count}`)];
  }
  if (!facts.ok) {
    return [finding('warning', `${code}-failed`, `${Name} ${ctx.ago(at)} did not finish${facts.error ? `: ${facts.error}` : ''}`)];
  }
  if (ctx.now - at > limit) return [finding('warning', `${code}-overdue`, `Last ${name} ${ctx.ago(at)} (expected ${every})`)];
  return [finding('ok', `${code}-ok`, `Last ${name} ${ctx.ago(at)}: all good`)];
}

/** A failed drill is critical: it is the proof that a restore works, and it just said no. */
export function drillFindings(facts: DrillFacts | undefined, installedAt: string | undefined, ctx: RuleContext): Finding[] {
  const limit = HEALTH_LIMITS.drillOverdueHours * HOUR;
  if (!facts) return neverRan(installedAt, limit, ctx) ? [finding('warning', 'drill-overdue', 'No restore drill has run yet (expected weekly)')] : [];
  const at = ctx.time(facts.time, 'restoreDrill.time');
  if (!facts.ok) return [finding('critical', 'drill-failed', `Restore drill ${ctx.ago(at)} failed${facts.error ? `: ${facts.error}` : ''}`)];
  if (ctx.now - at > limit) return [finding('warning', 'drill-overdue', `Last restore drill ${ctx.ago(at)} (expected weekly)`)];
  return [finding('ok', 'drill-ok', `Last restore drill ${ctx.ago(at)}: restored and checked`)];
}

function neverRan(installedAt: HealthFacts['installedAt'], limit: number, ctx: RuleContext): boolean {
  return installedAt !== undefined && ctx.now - ctx.time(installedAt, 'installedAt') > limit;
}
