// What the agent says worth a notification, as pure functions of what happened: the desktop app shows these
// (merged and rate-limited by electron/notifier.ts), the window lists them. Types are the contract's.
import type { Notice } from '../../src-shared/contract.ts';
import type { JobOutcome } from '../core/jobs/job-queue.ts';
import type { PowerLevel, PowerState } from '../core/power/power-state.ts';
import type { Verdict } from '../core/health/health-verdict.ts';

/** A notice before it is stamped with its time. */
export type NoticeDraft = Omit<Notice, 'time'>;

const onBattery = (l: PowerLevel) => l === 'on-battery' || l === 'low-battery';

/** Power lost (the first step onto battery) or restored (back on line from battery); nothing otherwise. */
export function powerNotice(previous: PowerLevel, now: PowerState & { source?: string }): NoticeDraft | undefined {
  if (onBattery(now.level) && !onBattery(previous)) {
    const left = now.runtimeSeconds ? ` (about ${Math.round(now.runtimeSeconds / 60)} min left)` : '';
    return { kind: 'power-lost', level: 'critical', key: 'power', title: 'Power lost', body: `${now.source ?? 'The UPS'} is on battery${left}: taking an emergency backup now.` };
  }
  if (now.level === 'online' && onBattery(previous)) return { kind: 'power-restored', level: 'ok', key: 'power', title: 'Power restored', body: 'Back on mains power: checking every database.' };
  return undefined;
}

/** The emergency backup's outcome: done (with how many snapshots) or failed (with why). */
export function emergencyNotice(r: { snapshots: unknown[]; skipped: unknown[] } | undefined, error: string | undefined): NoticeDraft {
  if (error !== undefined) return { kind: 'emergency-backup-failed', level: 'critical', key: 'emergency', title: 'Emergency backup failed', body: error || 'see the history' };
  return { kind: 'emergency-backup-done', level: 'warning', key: 'emergency', title: 'Emergency backup done', body: `${r?.snapshots.length ?? 0} snapshot(s) taken on battery power${r?.skipped.length ? `; ${r.skipped.length} unchanged` : ''}.` };
}

/** Failed backups and checks (a check that finished but found damage too); nothing for the rest. */
export function outcomeNotice(o: JobOutcome): NoticeDraft | undefined {
  const r = o.result as { errors?: Array<{ source: string; error: string }>; ok?: boolean; damaged?: string[] } | undefined;
  if ((o.kind === 'backup' || o.kind === 'emergency-backup') && (!o.ok || r?.errors?.length)) {
    const what = o.ok ? r!.errors!.map((e) => `${e.source}: ${e.error}`).join('; ') : (o.error ?? 'failed');
    return { kind: 'backup-failed', level: 'warning', key: `backup:${o.source ?? 'all'}`, title: 'Backup failed', body: what };
  }
  if ((o.kind === 'quick-verify' || o.kind === 'deep-verify' || o.kind === 'restore-drill') && (!o.ok || r?.ok === false)) {
    const what = r?.damaged?.length ? `damaged: ${r.damaged.join(', ')}` : (o.error ?? 'the check did not pass');
    return { kind: 'verify-failed', level: 'warning', key: o.kind, title: o.kind === 'restore-drill' ? 'Restore drill failed' : 'Verification found a problem', body: what };
  }
  return undefined;
}

/** A change of level into or out of warning/critical (not the first verdict, not ok <-> working). */
export function healthNotice(previous: Verdict | undefined, next: Verdict): NoticeDraft | undefined {
  if (!previous || previous.level === next.level) return undefined;
  const bad = (l: Verdict['level']) => l === 'warning' || l === 'critical';
  if (!bad(next.level) && !bad(previous.level)) return undefined;
  return { kind: 'health-changed', level: next.level, key: 'health', title: bad(next.level) ? `Lifeboat: ${next.level}` : 'All well again', body: next.reasons[0]?.text ?? '' };
}
