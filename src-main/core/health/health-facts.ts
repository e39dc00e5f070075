// The facts the health verdict is computed from, and the verdict's shape. Plain data only (JSON-safe:
// times are ISO 8601 strings with a zone), so the same facts can come from the running agent, the
// catalog, or a test table.

/** ok < working < warning < critical. */
export type HealthLevel = 'ok' | 'working' | 'warning' | 'critical';

export const HEALTH_LEVELS: readonly HealthLevel[] = ['ok', 'working', 'warning', 'critical'];

export type ReasonCode =
  | 'no-sources'
  | 'never-backed-up'
  | 'first-backup-running'
  | 'rpo-missed'
  | 'last-backup'
  | 'backup-failed'
  | 'job-running'
  | 'paused'
  | 'needs-attention'
  | 'unclean-shutdown-checking'
  | 'unclean-shutdown-damage'
  | 'unclean-shutdown-ok'
  | 'quick-verify-damaged'
  | 'quick-verify-failed'
  | 'quick-verify-overdue'
  | 'quick-verify-ok'
  | 'deep-verify-damaged'
  | 'deep-verify-failed'
  | 'deep-verify-overdue'
  | 'deep-verify-ok'
  | 'drill-failed'
  | 'drill-overdue'
  | 'drill-ok'
  | 'disk-full'
  | 'disk-nearly-full'
  | 'disk-ok'
  | 'offsite-needs-attention'
  | 'offsite-behind'
  | 'offsite-retrying'
  | 'offsite-ok'
  | 'usb-copy-overdue'
  | 'usb-copy-ok'
  | 'on-battery'
  | 'low-battery'
  | 'ups-not-answering'
  | 'emergency-backup-running'
  | 'emergency-backup-done'
  | 'emergency-backup-failed'
  | 'power-ok';

/** One line of the verdict, shown as is in the tray tooltip, the window, notifications and e-mail. */
export interface Reason {
  /** How bad this one fact is on its own. */
  level: HealthLevel;
  /** Stable id for code, tests and translations; the text may change, the code does not. */
  code: ReasonCode;
  /** Plain words, e.g. "Last backup of office 3 min ago". */
  text: string;
  /** The source, target or UPS the reason is about, when it is about one. */
  source?: string;
}

export interface Verdict {
  /** The worst level among the reasons; 'ok' when there are none. */
  level: HealthLevel;
  /** Most severe first; the first is what the tray tooltip shows. */
  reasons: Reason[];
}

export interface ErrorFact {
  /** ISO 8601 time with a zone. */
  time: string;
  message: string;
}

export interface SourceFacts {
  name: string;
  /** When the newest undamaged snapshot of this source was taken. Absent: no snapshot yet. */
  lastGoodSnapshot?: string;
  /**
   * The last time a scheduled backup found the source unchanged since lastGoodSnapshot and so
   * skipped it: the source was as well protected then as if a snapshot had been taken.
   */
  lastUnchangedAt?: string;
  /** Recovery point objective in minutes (how old the newest protection may be). Default 15. */
  rpoMinutes?: number;
  /** When the source was added; a source with no snapshot a day after it was added is critical. */
  addedAt?: string;
  /** The last backup failure; ignored once a good snapshot is newer than it. */
  lastBackupError?: ErrorFact;
}

export type JobKind =
  | 'backup'
  | 'emergency-backup'
  | 'prune'
  | 'quick-verify'
  | 'deep-verify'
  | 'restore'
  | 'restore-drill'
  | 'usb-copy'
  | 'offsite-upload'
  | 'source-check';

export interface RunningJob {
  kind: JobKind;
  /** The source (or drive, target) the job works on. */
  source?: string;
  /** A short word from the engine, e.g. "copying pages"; shown as is. */
  phase?: string;
  done?: number;
  total?: number;
}

export interface VerifyFacts {
  /** When the check finished (or stopped). */
  time: string;
  /** True when it finished and found nothing wrong. */
  ok: boolean;
  /** Ids of snapshots it found damaged. */
  damaged?: string[];
  /** Why it could not finish, when it could not. */
  error?: string;
}

export interface DrillFacts {
  time: string;
  ok: boolean;
  error?: string;
}

export interface DiskFacts {
  /** 0-100, of the filesystem holding the local repository. */
  usedPercent: number;
  freeBytes: number;
}

export interface OffsiteFacts {
  name: string;
  /** Entries waiting in the outbox for this target. */
  backlogCount: number;
  /** When the oldest waiting entry was queued. */
  oldestPendingAt?: string;
  lastSuccessAt?: string;
  /** The last transient error (retried with backoff). */
  lastError?: ErrorFact;
  /** An error retrying cannot fix (bad credentials, bucket gone, quota): a person must act. */
  permanentError?: ErrorFact;
  /** Warn when the oldest waiting entry is older than this (default HEALTH_LIMITS.offsiteBehindHours). */
  warnAfterHours?: number;
}

export interface UsbFacts {
  /** Drives the admin adopted (or that hold a Lifeboat repository). */
  adoptedCount: number;
  /** When a copy to any adopted drive last completed and verified. */
  lastCopyAt?: string;
}

export type PowerState = 'online' | 'on-battery' | 'low-battery' | 'unknown';

export interface PowerFacts {
  state: PowerState;
  /** Who said so: a UPS name ("office-ups"), "battery" for the OS battery. */
  source?: string;
  /** When the current state began. */
  since?: string;
  /** True when a UPS is configured (NUT or apcupsd): only then is 'unknown' a problem. */
  upsConfigured?: boolean;
  /** The emergency backup started by the last power loss. */
  emergencyBackup?: { state: 'running' | 'done' | 'failed'; at: string; error?: string };
}

export interface UncleanShutdownFacts {
  /** When, at start, the marker of an unclean shutdown was found. */
  detectedAt: string;
  state: 'checking' | 'done';
  /** Sources the check found damaged, with what was found. */
  problems?: Array<{ source: string; message: string }>;
}

export interface HealthFacts {
  /** Absent or empty: nothing is protected yet. */
  sources?: SourceFacts[];
  jobs?: RunningJob[];
  quickVerify?: VerifyFacts;
  deepVerify?: VerifyFacts;
  restoreDrill?: DrillFacts;
  repositoryDisk?: DiskFacts;
  offsite?: OffsiteFacts[];
  usb?: UsbFacts;
  power?: PowerFacts;
  /** Errors no retry will fix, each needing a person. */
  needsAttention?: ErrorFact[];
  /** Scheduled backups are paused (until a time, or until resumed). */
  paused?: { until?: string };
  uncleanShutdown?: UncleanShutdownFacts;
  /**
   * When this installation started protecting data. Only used to judge "never": with it, a check or
   * drill that has never run is overdue once the installation is older than the check's limit.
   */
  installedAt?: string;
}

/** Thresholds of the verdict; exported so the UI can explain them ("warns after 30 min"). */
export const HEALTH_LIMITS = Object.freeze({
  rpoDefaultMinutes: 15,
  /** A source's protection older than 2x its RPO is a warning... */
  rpoWarningFactor: 2,
  /** ...and older than 8x its RPO, but never less than 24 h, is critical. */
  rpoCriticalFactor: 8,
  rpoCriticalMinMinutes: 24 * 60,
  /** Daily quick check: overdue after 4 days (a long weekend with the machine off is not alarming). */
  quickVerifyOverdueHours: 4 * 24,
  /** Weekly deep check and restore drill: overdue after 15 days (one missed week plus a day). */
  deepVerifyOverdueHours: 15 * 24,
  drillOverdueHours: 15 * 24,
  diskWarningPercent: 90,
  diskCriticalPercent: 98,
  /** Under 1 GB free is critical whatever the percentage: the next snapshot may not fit. */
  diskCriticalFreeBytes: 1_000_000_000,
  offsiteBehindHours: 24,
  usbOverdueDays: 7,
});
