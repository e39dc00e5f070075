// Health rules about the data itself: is every source protected recently enough, what is running,
// is the schedule paused, what needs a person, and what the check after an unclean shutdown found.

import { HEALTH_LIMITS, type HealthFacts, type JobKind, type RunningJob, type SourceFacts } from './health-facts.ts';
import { humanDuration } from './human-time.ts';
import { finding, type Finding, type RuleContext } from './rule-context.ts';

const MINUTE = 60_000;

/**
 * Per source: its recovery point against its RPO, and a failed backup newer than its last good
 * snapshot. Returns the jobs it explained (a first backup in progress), so they are not listed twice.
 */
export function sourceFindings(facts: HealthFacts, ctx: RuleContext): { findings: Finding[]; usedJobs: Set<RunningJob> } {
  const sources = facts.sources ?? [];
  const usedJobs = new Set<RunningJob>();
  if (sources.length === 0) {
    return { findings: [finding('warning', 'no-sources', 'Nothing is protected yet: add a database or a folder')], usedJobs };
  }
  const findings: Finding[] = [];
  for (const source of sources) {
    const running = (facts.jobs ?? []).find((job) => (job.kind === 'backup' || job.kind === 'emergency-backup') && job.source === source.name);
    findings.push(...protection(source, running, usedJobs, ctx));
    const good = source.lastGoodSnapshot === undefined ? -Infinity : ctx.time(source.lastGoodSnapshot, `source ${source.name} lastGoodSnapshot`);
    if (source.lastBackupError) {
      const failedAt = ctx.time(source.lastBackupError.time, `source ${source.name} lastBackupError.time`);
      if (failedAt > good) {
        findings.push(finding('warning', 'backup-failed', `Backup of ${source.name} failed ${ctx.ago(failedAt)}: ${source.lastBackupError.message}`, source.name));
      }
    }
  }
  return { findings, usedJobs };
}

function protection(source: SourceFacts, running: RunningJob | undefined, usedJobs: Set<RunningJob>, ctx: RuleContext): Finding[] {
  const name = source.name;
  const rpoMinutes = source.rpoMinutes ?? HEALTH_LIMITS.rpoDefaultMinutes;
  if (typeof rpoMinutes !== 'number' || !Number.isFinite(rpoMinutes) || rpoMinutes <= 0) {
    throw new Error(`Invalid health facts: source ${name} rpoMinutes must be a positive number, got ${JSON.stringify(rpoMinutes)}`);
  }
  const rpo = rpoMinutes * MINUTE;
  const criticalAfter = Math.max(HEALTH_LIMITS.rpoCriticalFactor * rpo, HEALTH_LIMITS.rpoCriticalMinMinutes * MINUTE);

  if (source.lastGoodSnapshot === undefined) {
    if (running) {
      usedJobs.add(running);
      return [finding('working', 'first-backup-running', `First backup of ${name} running${progress(running)}`, name)];
    }
    if (source.addedAt === undefined) return [finding('warning', 'never-backed-up', `No backup of ${name} yet`, name)];
    const addedAt = ctx.time(source.addedAt, `source ${name} addedAt`);
    const level = ctx.now - addedAt > criticalAfter ? 'critical' : 'warning';
    return [finding(level, 'never-backed-up', `No backup of ${name} yet (added ${ctx.ago(addedAt)})`, name, ctx.now - addedAt)];
  }

  const snapshotAt = ctx.time(source.lastGoodSnapshot, `source ${name} lastGoodSnapshot`);
  const unchangedAt = source.lastUnchangedAt === undefined ? -Infinity : ctx.time(source.lastUnchangedAt, `source ${name} lastUnchangedAt`);
  const protectedAt = Math.max(snapshotAt, unchangedAt);
  const age = ctx.now - protectedAt;
  let text = `Last backup of ${name} ${ctx.ago(snapshotAt)}`;
  if (unchangedAt > snapshotAt) text += `, unchanged since (checked ${ctx.ago(unchangedAt)})`;
  if (age > HEALTH_LIMITS.rpoWarningFactor * rpo) {
    const level = age > criticalAfter ? 'critical' : 'warning';
    return [finding(level, 'rpo-missed', `${text} (expected every ${humanDuration(rpo)})`, name, age)];
  }
  return [finding('ok', 'last-backup', text, name, age)];
}

/** A running job not already explained by another reason: the verdict is 'working' if nothing is worse. */
export function jobFindings(jobs: RunningJob[], usedJobs: Set<RunningJob>): Finding[] {
  return jobs.filter((job) => !usedJobs.has(job)).map((job) => finding('working', 'job-running', `${jobLabel(job)}${progress(job)}`, job.source));
}

const JOB_LABELS: Record<JobKind, (source?: string) => string> = {
  backup: (s) => `Backing up ${s ?? 'sources'}`,
  'emergency-backup': (s) => `Emergency backup of ${s ?? 'every source'}`,
  prune: () => 'Removing snapshots no longer kept',
  'quick-verify': (s) => `Quick check of ${s ?? 'the backups'}`,
  'deep-verify': (s) => `Deep check of ${s ?? 'the backups'}`,
  restore: (s) => `Restoring ${s ?? 'a snapshot'}`,
  'restore-drill': (s) => `Restore drill${s ? ` of ${s}` : ''}`,
  'usb-copy': (s) => `Copying to USB drive${s ? ` ${s}` : ''}`,
  'offsite-upload': (s) => `Uploading to ${s ?? 'offsite storage'}`,
  'source-check': (s) => `Checking ${s ?? 'sources'}`,
};

function jobLabel(job: RunningJob): string {
  const label = JOB_LABELS[job.kind];
  return label ? label(job.source) : `Running ${String(job.kind)}`;
}

/** ": copying pages (42%)", " (42%)", ": copying pages" or "". */
function progress(job: RunningJob): string {
  const phase = job.phase ? `: ${job.phase}` : '';
  const { done, total } = job;
  if (typeof done !== 'number' || typeof total !== 'number' || !(total > 0) || !(done >= 0)) return phase;
  return `${phase} (${Math.min(100, Math.floor((done / total) * 100))}%)`;
}

/**
 * Paused scheduled backups are a warning of their own, listed before the other warnings because they
 * explain them. Pausing changes nothing else: sources still age against their RPO (a pause does not
 * make data safer, and a forgotten pause must turn red in a day), and running jobs still show.
 * A pause whose `until` has passed is over and ignored.
 */
export function pausedFindings(paused: HealthFacts['paused'], ctx: RuleContext): Finding[] {
  if (!paused) return [];
  if (paused.until === undefined) return [finding('warning', 'paused', 'Backups paused until you resume them')];
  const until = ctx.time(paused.until, 'paused.until');
  if (until <= ctx.now) return [];
  return [finding('warning', 'paused', `Backups paused until ${ctx.at(until)}`)];
}

export function attentionFindings(errors: HealthFacts['needsAttention'], ctx: RuleContext): Finding[] {
  return (errors ?? []).map((error, i) => {
    const at = ctx.time(error.time, `needsAttention[${i}].time`);
    return finding('warning', 'needs-attention', `${error.message} (${ctx.ago(at)})`, undefined, ctx.now - at);
  });
}

/** Checking after an unclean shutdown is work; a source it found damaged is critical (the live data may be). */
export function uncleanShutdownFindings(facts: HealthFacts['uncleanShutdown'], ctx: RuleContext): Finding[] {
  if (!facts) return [];
  const at = ctx.at(ctx.time(facts.detectedAt, 'uncleanShutdown.detectedAt'));
  if (facts.state === 'checking') return [finding('working', 'unclean-shutdown-checking', `Checking every source after an unclean shutdown (found ${at})`)];
  const problems = facts.problems ?? [];
  if (problems.length === 0) return [finding('ok', 'unclean-shutdown-ok', `Every source checked after an unclean shutdown (found ${at}): all fine`)];
  return problems.map((p) => finding('critical', 'unclean-shutdown-damage', `${p.source} failed its check after an unclean shutdown: ${p.message}`, p.source));
}
