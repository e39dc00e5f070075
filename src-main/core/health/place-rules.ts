// Health rules about where the copies live: the repository's disk, offsite targets, USB drives.

import { HEALTH_LIMITS, type DiskFacts, type OffsiteFacts, type UsbFacts } from './health-facts.ts';
import { formatBytes, humanDuration } from './human-time.ts';
import { checkNumber, finding, type Finding, type RuleContext } from './rule-context.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Above 98% used or under 1 GB free: critical; above 90%: warning; otherwise an ok line with the numbers. */
export function diskFindings(disk: DiskFacts | undefined): Finding[] {
  if (!disk) return [];
  const used = checkNumber(disk.usedPercent, 'repositoryDisk.usedPercent', 0, 100);
  const free = checkNumber(disk.freeBytes, 'repositoryDisk.freeBytes', 0);
  const text = `Backup disk ${Math.round(used)}% full (${formatBytes(free)} free)`;
  if (used > HEALTH_LIMITS.diskCriticalPercent || free < HEALTH_LIMITS.diskCriticalFreeBytes) return [finding('critical', 'disk-full', text)];
  if (used > HEALTH_LIMITS.diskWarningPercent) return [finding('warning', 'disk-nearly-full', text)];
  return [finding('ok', 'disk-ok', text)];
}

/**
 * Per target: a permanent error needs a person (warning); a backlog whose oldest entry waited more
 * than 24 h is a warning; a younger backlog with a transient error is retrying (ok: the outbox
 * resumes by itself). Both warnings can apply at once.
 */
export function offsiteFindings(targets: OffsiteFacts[] | undefined, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const target of targets ?? []) {
    const name = target.name;
    const backlog = checkNumber(target.backlogCount, `offsite ${name} backlogCount`, 0);
    let problem = false;
    if (target.permanentError) {
      ctx.time(target.permanentError.time, `offsite ${name} permanentError.time`);
      findings.push(finding('warning', 'offsite-needs-attention', `Offsite copy to ${name} needs attention: ${target.permanentError.message}`, name));
      problem = true;
    }
    const lastSuccess = target.lastSuccessAt === undefined ? undefined : ctx.time(target.lastSuccessAt, `offsite ${name} lastSuccessAt`);
    const lastError = target.lastError ? { at: ctx.time(target.lastError.time, `offsite ${name} lastError.time`), message: target.lastError.message } : undefined;
    const erring = lastError !== undefined && (lastSuccess === undefined || lastError.at > lastSuccess);
    const oldest = target.oldestPendingAt === undefined ? undefined : ctx.time(target.oldestPendingAt, `offsite ${name} oldestPendingAt`);
    const waiting = `${backlog} waiting`;
    if (backlog > 0 && oldest !== undefined && ctx.now - oldest > (target.warnAfterHours ?? HEALTH_LIMITS.offsiteBehindHours) * HOUR) {
      const cause = erring ? `; last error: ${lastError.message}` : '';
      findings.push(finding('warning', 'offsite-behind', `Offsite copy to ${name} is ${humanDuration(ctx.now - oldest)} behind (${waiting}${cause})`, name, ctx.now - oldest));
      problem = true;
    }
    if (problem) continue;
    if (backlog > 0 && erring) {
      findings.push(finding('ok', 'offsite-retrying', `Offsite copy to ${name}: ${waiting}, retrying (${lastError.message})`, name));
    } else {
      const last = lastSuccess === undefined ? 'no copy yet' : `last copy ${ctx.ago(lastSuccess)}`;
      findings.push(finding('ok', 'offsite-ok', backlog === 0 ? `Offsite copy to ${name} up to date (${last})` : `Offsite copy to ${name}: ${waiting} (${last})`, name));
    }
  }
  return findings;
}

/** With at least one adopted drive, a copy older than 7 days (or none yet) is a warning. */
export function usbFindings(usb: UsbFacts | undefined, ctx: RuleContext): Finding[] {
  if (!usb || checkNumber(usb.adoptedCount, 'usb.adoptedCount', 0) === 0) return [];
  if (usb.lastCopyAt === undefined) return [finding('warning', 'usb-copy-overdue', 'No copy on a USB drive yet: plug in a Lifeboat drive')];
  const at = ctx.time(usb.lastCopyAt, 'usb.lastCopyAt');
  if (ctx.now - at > HEALTH_LIMITS.usbOverdueDays * DAY) {
    return [finding('warning', 'usb-copy-overdue', `Last copy to a USB drive ${ctx.ago(at)}: plug in a Lifeboat drive`, undefined, ctx.now - at)];
  }
  return [finding('ok', 'usb-copy-ok', `Last copy to a USB drive ${ctx.ago(at)}`)];
}
