import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthVerdict, verdictChanged, worst } from '../../src-main/core/health/health-verdict.ts';
import type { HealthFacts, HealthLevel, Reason, ReasonCode, Verdict } from '../../src-main/core/health/health-facts.ts';
import { clockTime, formatBytes, humanDuration, parseTime, relativeAge } from '../../src-main/core/health/human-time.ts';

// Friday 2026-11-20 14:05 UTC. Texts use UTC unless a case says otherwise.
const NOW = Date.parse('2026-11-20T14:05:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const later = (ms: number): string => new Date(NOW + ms).toISOString();

/** One source backed up 3 minutes ago: the calm baseline most cases change one thing in. */
const office = { name: 'office', lastGoodSnapshot: ago(3 * MIN) };
const OFFICE_OK: R = ['ok', 'last-backup', 'Last backup of office 3 min ago', 'office'];

type R = [HealthLevel, ReasonCode, string, string?];

interface Case {
  name: string;
  facts: HealthFacts;
  level: HealthLevel;
  reasons: R[];
  timeZone?: string;
}

const cases: Case[] = [
  // --- sources and their recovery point ---
  { name: 'no sources at all', facts: {}, level: 'warning', reasons: [['warning', 'no-sources', 'Nothing is protected yet: add a database or a folder']] },
  {
    name: 'an empty source list, everything else fine',
    facts: { sources: [], repositoryDisk: { usedPercent: 10, freeBytes: 500e9 } },
    level: 'warning',
    reasons: [['warning', 'no-sources', 'Nothing is protected yet: add a database or a folder'], ['ok', 'disk-ok', 'Backup disk 10% full (500 GB free)']],
  },
  { name: 'one source backed up 3 min ago', facts: { sources: [office] }, level: 'ok', reasons: [OFFICE_OK] },
  { name: 'a backup just now', facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(20_000) }] }, level: 'ok', reasons: [['ok', 'last-backup', 'Last backup of office just now', 'office']] },
  { name: 'exactly 2x the RPO is still ok', facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(30 * MIN) }] }, level: 'ok', reasons: [['ok', 'last-backup', 'Last backup of office 30 min ago', 'office']] },
  {
    name: 'past 2x the default 15-minute RPO: warning',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(31 * MIN) }] },
    level: 'warning',
    reasons: [['warning', 'rpo-missed', 'Last backup of office 31 min ago (expected every 15 min)', 'office']],
  },
  {
    name: 'exactly 24 h is still a warning (8x of 15 min is less than the 24 h floor)',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(DAY) }] },
    level: 'warning',
    reasons: [['warning', 'rpo-missed', 'Last backup of office 1 day ago (expected every 15 min)', 'office']],
  },
  {
    name: 'past 24 h: critical',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(DAY + MIN) }] },
    level: 'critical',
    reasons: [['critical', 'rpo-missed', 'Last backup of office 1 day ago (expected every 15 min)', 'office']],
  },
  {
    name: 'a daily RPO warns after 2 days and is critical only after 8',
    facts: {
      sources: [
        { name: 'a', rpoMinutes: 1440, lastGoodSnapshot: ago(2 * DAY) },
        { name: 'b', rpoMinutes: 1440, lastGoodSnapshot: ago(2 * DAY + MIN) },
        { name: 'c', rpoMinutes: 1440, lastGoodSnapshot: ago(8 * DAY) },
        { name: 'd', rpoMinutes: 1440, lastGoodSnapshot: ago(8 * DAY + MIN) },
      ],
    },
    level: 'critical',
    reasons: [
      ['critical', 'rpo-missed', 'Last backup of d 8 days ago (expected every 1 day)', 'd'],
      ['warning', 'rpo-missed', 'Last backup of c 8 days ago (expected every 1 day)', 'c'],
      ['warning', 'rpo-missed', 'Last backup of b 2 days ago (expected every 1 day)', 'b'],
      ['ok', 'last-backup', 'Last backup of a 2 days ago', 'a'],
    ],
  },
  {
    name: 'an unchanged source is protected as of its last check',
    facts: { sources: [{ name: 'docs', lastGoodSnapshot: ago(2 * DAY), lastUnchangedAt: ago(3 * MIN) }] },
    level: 'ok',
    reasons: [['ok', 'last-backup', 'Last backup of docs 2 days ago, unchanged since (checked 3 min ago)', 'docs']],
  },
  {
    name: 'an unchanged check older than the snapshot changes nothing',
    facts: { sources: [{ name: 'docs', lastGoodSnapshot: ago(3 * MIN), lastUnchangedAt: ago(HOUR) }] },
    level: 'ok',
    reasons: [['ok', 'last-backup', 'Last backup of docs 3 min ago', 'docs']],
  },
  {
    name: 'unchanged checks that stopped are measured from the last one',
    facts: { sources: [{ name: 'docs', lastGoodSnapshot: ago(3 * DAY), lastUnchangedAt: ago(2 * HOUR) }] },
    level: 'warning',
    reasons: [['warning', 'rpo-missed', 'Last backup of docs 3 days ago, unchanged since (checked 2 hours ago) (expected every 15 min)', 'docs']],
  },
  {
    name: 'several ok sources: the oldest backup first, the one the tooltip should show',
    facts: { sources: [office, { name: 'accounts', lastGoodSnapshot: ago(12 * MIN) }, { name: 'docs', lastGoodSnapshot: ago(MIN) }] },
    level: 'ok',
    reasons: [['ok', 'last-backup', 'Last backup of accounts 12 min ago', 'accounts'], OFFICE_OK, ['ok', 'last-backup', 'Last backup of docs 1 min ago', 'docs']],
  },
  { name: 'never backed up', facts: { sources: [{ name: 'office' }] }, level: 'warning', reasons: [['warning', 'never-backed-up', 'No backup of office yet', 'office']] },
  {
    name: 'never backed up, added 2 hours ago: warning',
    facts: { sources: [{ name: 'office', addedAt: ago(2 * HOUR) }] },
    level: 'warning',
    reasons: [['warning', 'never-backed-up', 'No backup of office yet (added 2 hours ago)', 'office']],
  },
  {
    name: 'never backed up, added 2 days ago: critical',
    facts: { sources: [{ name: 'office', addedAt: ago(2 * DAY) }] },
    level: 'critical',
    reasons: [['critical', 'never-backed-up', 'No backup of office yet (added 2 days ago)', 'office']],
  },
  {
    name: 'a first backup in progress is work, not a warning, and is not listed twice',
    facts: { sources: [{ name: 'office', addedAt: ago(MIN) }], jobs: [{ kind: 'backup', source: 'office', phase: 'reading', done: 1, total: 10 }] },
    level: 'working',
    reasons: [['working', 'first-backup-running', 'First backup of office running: reading (10%)', 'office']],
  },
  {
    name: 'a failed backup newer than the last good snapshot',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(20 * MIN), lastBackupError: { time: ago(5 * MIN), message: 'permission denied' } }] },
    level: 'warning',
    reasons: [['warning', 'backup-failed', 'Backup of office failed 5 min ago: permission denied', 'office'], ['ok', 'last-backup', 'Last backup of office 20 min ago', 'office']],
  },
  {
    name: 'a failure older than the last good snapshot is over',
    facts: { sources: [{ ...office, lastBackupError: { time: ago(HOUR), message: 'permission denied' } }] },
    level: 'ok',
    reasons: [OFFICE_OK],
  },
  {
    name: 'a failed first backup',
    facts: { sources: [{ name: 'office', lastBackupError: { time: ago(MIN), message: 'database is locked' } }] },
    level: 'warning',
    reasons: [['warning', 'never-backed-up', 'No backup of office yet', 'office'], ['warning', 'backup-failed', 'Backup of office failed 1 min ago: database is locked', 'office']],
  },
  {
    name: 'a backup time in the future says the clock is off',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: later(HOUR) }] },
    level: 'ok',
    reasons: [['ok', 'last-backup', 'Last backup of office in the future (check the clock)', 'office']],
  },

  // --- running jobs ---
  {
    name: 'a running job and nothing worse: working',
    facts: { sources: [office], jobs: [{ kind: 'backup', source: 'office', phase: 'copying pages', done: 42, total: 100 }] },
    level: 'working',
    reasons: [['working', 'job-running', 'Backing up office: copying pages (42%)', 'office'], OFFICE_OK],
  },
  {
    name: 'job texts for every kind, with and without progress, in queue order',
    facts: {
      sources: [office],
      jobs: [
        { kind: 'prune' },
        { kind: 'quick-verify', done: 5, total: 0 },
        { kind: 'deep-verify', done: 3, total: 4 },
        { kind: 'restore', source: 'office', phase: 'checking' },
        { kind: 'restore-drill', source: 'docs' },
        { kind: 'usb-copy', source: 'LIFEBOAT-1', done: 10, total: 10 },
        { kind: 'offsite-upload', source: 's3' },
        { kind: 'source-check' },
        { kind: 'emergency-backup' },
        { kind: 'backup' },
      ],
    },
    level: 'working',
    reasons: [
      ['working', 'job-running', 'Removing snapshots no longer kept'],
      ['working', 'job-running', 'Quick check of the backups'],
      ['working', 'job-running', 'Deep check of the backups (75%)'],
      ['working', 'job-running', 'Restoring office: checking', 'office'],
      ['working', 'job-running', 'Restore drill of docs', 'docs'],
      ['working', 'job-running', 'Copying to USB drive LIFEBOAT-1 (100%)', 'LIFEBOAT-1'],
      ['working', 'job-running', 'Uploading to s3', 's3'],
      ['working', 'job-running', 'Checking sources'],
      ['working', 'job-running', 'Emergency backup of every source'],
      ['working', 'job-running', 'Backing up sources'],
      OFFICE_OK,
    ],
  },
  {
    name: 'a warning outranks work',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(HOUR) }], jobs: [{ kind: 'backup', source: 'office' }] },
    level: 'warning',
    reasons: [['warning', 'rpo-missed', 'Last backup of office 1 hour ago (expected every 15 min)', 'office'], ['working', 'job-running', 'Backing up office', 'office']],
  },

  // --- paused ---
  { name: 'paused until resumed', facts: { sources: [office], paused: {} }, level: 'warning', reasons: [['warning', 'paused', 'Backups paused until you resume them'], OFFICE_OK] },
  { name: 'paused until a time today', facts: { sources: [office], paused: { until: '2026-11-20T15:00:00Z' } }, level: 'warning', reasons: [['warning', 'paused', 'Backups paused until 15:00'], OFFICE_OK] },
  {
    name: 'paused until a time shown in the local zone',
    timeZone: 'Europe/Berlin',
    facts: { sources: [office], paused: { until: '2026-11-21T09:00:00+01:00' } },
    level: 'warning',
    reasons: [['warning', 'paused', 'Backups paused until Sat 09:00'], OFFICE_OK],
  },
  { name: 'a pause that has ended is ignored', facts: { sources: [office], paused: { until: ago(MIN) } }, level: 'ok', reasons: [OFFICE_OK] },
  {
    name: 'paused explains the stale sources and comes before them; sources still age',
    facts: { sources: [{ name: 'office', lastGoodSnapshot: ago(2 * HOUR) }, { name: 'docs', lastGoodSnapshot: ago(2 * DAY) }], paused: {} },
    level: 'critical',
    reasons: [
      ['critical', 'rpo-missed', 'Last backup of docs 2 days ago (expected every 15 min)', 'docs'],
      ['warning', 'paused', 'Backups paused until you resume them'],
      ['warning', 'rpo-missed', 'Last backup of office 2 hours ago (expected every 15 min)', 'office'],
    ],
  },
  {
    name: 'paused while a manual backup runs: warning, the pause first',
    facts: { sources: [office], paused: {}, jobs: [{ kind: 'backup', source: 'office' }] },
    level: 'warning',
    reasons: [['warning', 'paused', 'Backups paused until you resume them'], ['working', 'job-running', 'Backing up office', 'office'], OFFICE_OK],
  },

  // --- verify and restore drill ---
  { name: 'a good quick check', facts: { sources: [office], quickVerify: { time: ago(11 * HOUR), ok: true, damaged: [] } }, level: 'ok', reasons: [OFFICE_OK, ['ok', 'quick-verify-ok', 'Last quick check 11 hours ago: all good']] },
  {
    name: 'a quick check that found damage is critical',
    facts: { sources: [office], quickVerify: { time: ago(11 * HOUR), ok: false, damaged: ['a1', 'b2'] } },
    level: 'critical',
    reasons: [['critical', 'quick-verify-damaged', 'Quick check 11 hours ago found 2 damaged snapshots'], OFFICE_OK],
  },
  {
    name: 'a quick check that did not finish',
    facts: { sources: [office], quickVerify: { time: ago(HOUR), ok: false, error: 'repository is locked' } },
    level: 'warning',
    reasons: [['warning', 'quick-verify-failed', 'Quick check 1 hour ago did not finish: repository is locked'], OFFICE_OK],
  },
  {
    name: 'a quick check older than 4 days is overdue',
    facts: { sources: [office], quickVerify: { time: ago(4 * DAY + HOUR), ok: true } },
    level: 'warning',
    reasons: [['warning', 'quick-verify-overdue', 'Last quick check 4 days ago (expected daily)'], OFFICE_OK],
  },
  {
    name: 'no checks yet on a young installation: nothing to say',
    facts: { sources: [office], installedAt: ago(2 * DAY) },
    level: 'ok',
    reasons: [OFFICE_OK],
  },
  {
    name: 'no checks yet on an installation older than their limits',
    facts: { sources: [office], installedAt: ago(20 * DAY) },
    level: 'warning',
    reasons: [
      ['warning', 'quick-verify-overdue', 'No quick check has run yet (expected daily)'],
      ['warning', 'deep-verify-overdue', 'No deep check has run yet (expected weekly)'],
      ['warning', 'drill-overdue', 'No restore drill has run yet (expected weekly)'],
      OFFICE_OK,
    ],
  },
  {
    name: 'a deep check that found one damaged snapshot',
    facts: { sources: [office], deepVerify: { time: ago(5 * DAY), ok: false, damaged: ['a1'] } },
    level: 'critical',
    reasons: [['critical', 'deep-verify-damaged', 'Deep check 5 days ago found 1 damaged snapshot'], OFFICE_OK],
  },
  {
    name: 'deep check good, then overdue after 15 days',
    facts: { sources: [office], deepVerify: { time: ago(16 * DAY), ok: true } },
    level: 'warning',
    reasons: [['warning', 'deep-verify-overdue', 'Last deep check 16 days ago (expected weekly)'], OFFICE_OK],
  },
  {
    name: 'a failed restore drill is critical',
    facts: { sources: [office], restoreDrill: { time: ago(2 * DAY), ok: false, error: 'quick_check: database disk image is malformed' } },
    level: 'critical',
    reasons: [['critical', 'drill-failed', 'Restore drill 2 days ago failed: quick_check: database disk image is malformed'], OFFICE_OK],
  },
  {
    name: 'good drill and deep check',
    facts: { sources: [office], restoreDrill: { time: ago(2 * DAY), ok: true }, deepVerify: { time: ago(5 * DAY), ok: true } },
    level: 'ok',
    reasons: [OFFICE_OK, ['ok', 'deep-verify-ok', 'Last deep check 5 days ago: all good'], ['ok', 'drill-ok', 'Last restore drill 2 days ago: restored and checked']],
  },
  {
    name: 'an overdue drill',
    facts: { sources: [office], restoreDrill: { time: ago(20 * DAY), ok: true } },
    level: 'warning',
    reasons: [['warning', 'drill-overdue', 'Last restore drill 20 days ago (expected weekly)'], OFFICE_OK],
  },

  // --- the repository's disk ---
  { name: 'disk at 90% is fine', facts: { sources: [office], repositoryDisk: { usedPercent: 90, freeBytes: 50e9 } }, level: 'ok', reasons: [OFFICE_OK, ['ok', 'disk-ok', 'Backup disk 90% full (50 GB free)']] },
  {
    name: 'disk above 90%: warning',
    facts: { sources: [office], repositoryDisk: { usedPercent: 92.4, freeBytes: 12_345_000_000 } },
    level: 'warning',
    reasons: [['warning', 'disk-nearly-full', 'Backup disk 92% full (12 GB free)'], OFFICE_OK],
  },
  {
    name: 'disk above 98%: critical',
    facts: { sources: [office], repositoryDisk: { usedPercent: 98.6, freeBytes: 14e9 } },
    level: 'critical',
    reasons: [['critical', 'disk-full', 'Backup disk 99% full (14 GB free)'], OFFICE_OK],
  },
  {
    name: 'under 1 GB free is critical at any percentage',
    facts: { sources: [office], repositoryDisk: { usedPercent: 60, freeBytes: 900e6 } },
    level: 'critical',
    reasons: [['critical', 'disk-full', 'Backup disk 60% full (900 MB free)'], OFFICE_OK],
  },

  // --- offsite ---
  {
    name: 'offsite up to date, and a small backlog',
    facts: { sources: [office], offsite: [{ name: 'nas', backlogCount: 0, lastSuccessAt: ago(5 * MIN) }, { name: 's3', backlogCount: 3, oldestPendingAt: ago(10 * MIN), lastSuccessAt: ago(HOUR) }] },
    level: 'ok',
    reasons: [OFFICE_OK, ['ok', 'offsite-ok', 'Offsite copy to nas up to date (last copy 5 min ago)', 'nas'], ['ok', 'offsite-ok', 'Offsite copy to s3: 3 waiting (last copy 1 hour ago)', 's3']],
  },
  {
    name: 'offsite retrying for less than 24 h is not a problem yet',
    facts: { sources: [office], offsite: [{ name: 's3', backlogCount: 3, oldestPendingAt: ago(23 * HOUR), lastError: { time: ago(MIN), message: 'connection refused' } }] },
    level: 'ok',
    reasons: [OFFICE_OK, ['ok', 'offsite-retrying', 'Offsite copy to s3: 3 waiting, retrying (connection refused)', 's3']],
  },
  {
    name: 'offsite behind by more than 24 h',
    facts: {
      sources: [office],
      offsite: [{ name: 's3', backlogCount: 14, oldestPendingAt: ago(2 * DAY), lastSuccessAt: ago(3 * DAY), lastError: { time: ago(MIN), message: 'connection refused' } }],
    },
    level: 'warning',
    reasons: [['warning', 'offsite-behind', 'Offsite copy to s3 is 2 days behind (14 waiting; last error: connection refused)', 's3'], OFFICE_OK],
  },
  {
    name: 'a permanent offsite error needs a person, even with nothing waiting long',
    facts: {
      sources: [office],
      offsite: [
        { name: 's3', backlogCount: 1, oldestPendingAt: ago(HOUR), permanentError: { time: ago(HOUR), message: 'access denied (check the key)' } },
        { name: 'b2', backlogCount: 9, oldestPendingAt: ago(30 * HOUR), permanentError: { time: ago(HOUR), message: 'bucket not found' } },
      ],
    },
    level: 'warning',
    reasons: [
      ['warning', 'offsite-needs-attention', 'Offsite copy to s3 needs attention: access denied (check the key)', 's3'],
      ['warning', 'offsite-needs-attention', 'Offsite copy to b2 needs attention: bucket not found', 'b2'],
      ['warning', 'offsite-behind', 'Offsite copy to b2 is 1 day behind (9 waiting)', 'b2'],
      OFFICE_OK,
    ],
  },

  // --- USB drives ---
  { name: 'no adopted drive: nothing about USB', facts: { sources: [office], usb: { adoptedCount: 0 } }, level: 'ok', reasons: [OFFICE_OK] },
  { name: 'an adopted drive never copied to', facts: { sources: [office], usb: { adoptedCount: 1 } }, level: 'warning', reasons: [['warning', 'usb-copy-overdue', 'No copy on a USB drive yet: plug in a Lifeboat drive'], OFFICE_OK] },
  {
    name: 'last USB copy 7 days ago is fine, 8 days is a warning',
    facts: { sources: [office], usb: { adoptedCount: 2, lastCopyAt: ago(8 * DAY) } },
    level: 'warning',
    reasons: [['warning', 'usb-copy-overdue', 'Last copy to a USB drive 8 days ago: plug in a Lifeboat drive'], OFFICE_OK],
  },
  { name: 'a recent USB copy', facts: { sources: [office], usb: { adoptedCount: 2, lastCopyAt: ago(7 * DAY) } }, level: 'ok', reasons: [OFFICE_OK, ['ok', 'usb-copy-ok', 'Last copy to a USB drive 7 days ago']] },

  // --- power ---
  {
    name: 'on battery is critical',
    facts: { sources: [office], power: { state: 'on-battery', source: 'office-ups', since: ago(4 * MIN), upsConfigured: true } },
    level: 'critical',
    reasons: [['critical', 'on-battery', 'On battery since 14:01 (office-ups)', 'office-ups'], OFFICE_OK],
  },
  {
    name: 'on battery + working: critical, with the emergency backup reason second',
    facts: {
      sources: [office, { name: 'docs', lastGoodSnapshot: ago(10 * MIN) }],
      jobs: [{ kind: 'emergency-backup', source: 'docs', phase: 'copying', done: 1, total: 4 }],
      power: { state: 'on-battery', source: 'office-ups', since: ago(4 * MIN), upsConfigured: true, emergencyBackup: { state: 'running', at: ago(3 * MIN) } },
    },
    level: 'critical',
    reasons: [
      ['critical', 'on-battery', 'On battery since 14:01 (office-ups)', 'office-ups'],
      ['working', 'emergency-backup-running', 'On battery: emergency backup running (started 14:02)'],
      ['working', 'job-running', 'Emergency backup of docs: copying (25%)', 'docs'],
      ['ok', 'last-backup', 'Last backup of docs 10 min ago', 'docs'],
      OFFICE_OK,
    ],
  },
  {
    name: 'on battery with the emergency backup done',
    facts: { sources: [office], power: { state: 'on-battery', source: 'office-ups', since: ago(4 * MIN), emergencyBackup: { state: 'done', at: ago(3 * MIN) } } },
    level: 'critical',
    reasons: [['critical', 'on-battery', 'On battery since 14:01 (office-ups)', 'office-ups'], ['ok', 'emergency-backup-done', 'On battery: emergency backup done 14:02'], OFFICE_OK],
  },
  {
    name: 'low battery with the emergency backup failed, and a stale source',
    facts: {
      sources: [{ name: 'office', lastGoodSnapshot: ago(2 * DAY) }],
      power: { state: 'low-battery', source: 'office-ups', since: ago(MIN), emergencyBackup: { state: 'failed', at: ago(2 * MIN), error: 'disk full' } },
    },
    level: 'critical',
    reasons: [
      ['critical', 'low-battery', 'Battery low since 14:04 (office-ups): the computer may shut down soon', 'office-ups'],
      ['critical', 'emergency-backup-failed', 'Battery low: emergency backup failed 14:03: disk full'],
      ['critical', 'rpo-missed', 'Last backup of office 2 days ago (expected every 15 min)', 'office'],
    ],
  },
  {
    name: 'a configured UPS that does not answer is a warning',
    facts: { sources: [office], power: { state: 'unknown', source: 'office-ups', since: ago(10 * MIN), upsConfigured: true } },
    level: 'warning',
    reasons: [['warning', 'ups-not-answering', 'UPS office-ups not answering since 13:55', 'office-ups'], OFFICE_OK],
  },
  { name: 'unknown power without a UPS says nothing', facts: { sources: [office], power: { state: 'unknown' } }, level: 'ok', reasons: [OFFICE_OK] },
  {
    name: 'on mains power',
    facts: { sources: [office], power: { state: 'online', source: 'office-ups', upsConfigured: true, emergencyBackup: { state: 'failed', at: ago(HOUR) } } },
    level: 'ok',
    reasons: [OFFICE_OK, ['ok', 'power-ok', 'On mains power (office-ups)', 'office-ups']],
  },
  { name: 'online without a named source says nothing', facts: { sources: [office], power: { state: 'online' } }, level: 'ok', reasons: [OFFICE_OK] },
  {
    name: 'on battery since yesterday, times in Berlin',
    timeZone: 'Europe/Berlin',
    facts: { sources: [office], power: { state: 'on-battery', since: '2026-11-19T22:30:00Z' } },
    level: 'critical',
    reasons: [['critical', 'on-battery', 'On battery since Thu 23:30'], OFFICE_OK],
  },

  // --- errors needing a person, unclean shutdown ---
  {
    name: 'errors that need a person: warnings, oldest first',
    facts: { sources: [office], needsAttention: [{ time: ago(5 * MIN), message: 'Settings file could not be read' }, { time: ago(2 * HOUR), message: 'S3 credentials rejected' }] },
    level: 'warning',
    reasons: [['warning', 'needs-attention', 'S3 credentials rejected (2 hours ago)'], ['warning', 'needs-attention', 'Settings file could not be read (5 min ago)'], OFFICE_OK],
  },
  {
    name: 'checking after an unclean shutdown',
    facts: { sources: [office], uncleanShutdown: { detectedAt: ago(MIN), state: 'checking' } },
    level: 'working',
    reasons: [['working', 'unclean-shutdown-checking', 'Checking every source after an unclean shutdown (found 14:04)'], OFFICE_OK],
  },
  {
    name: 'an unclean shutdown damaged a live database',
    facts: { sources: [office], uncleanShutdown: { detectedAt: ago(MIN), state: 'done', problems: [{ source: 'office', message: 'database disk image is malformed' }] } },
    level: 'critical',
    reasons: [['critical', 'unclean-shutdown-damage', 'office failed its check after an unclean shutdown: database disk image is malformed', 'office'], OFFICE_OK],
  },
  {
    name: 'every source fine after an unclean shutdown',
    facts: { sources: [office], uncleanShutdown: { detectedAt: ago(MIN), state: 'done', problems: [] } },
    level: 'ok',
    reasons: [OFFICE_OK, ['ok', 'unclean-shutdown-ok', 'Every source checked after an unclean shutdown (found 14:04): all fine']],
  },

  // --- everything at once ---
  {
    name: 'a bad day: each level in order, details after their reason',
    facts: {
      sources: [office, { name: 'docs', lastGoodSnapshot: ago(3 * HOUR) }],
      jobs: [{ kind: 'usb-copy', source: 'LIFEBOAT-2' }],
      power: { state: 'on-battery', source: 'office-ups', emergencyBackup: { state: 'done', at: ago(MIN) } },
      quickVerify: { time: ago(HOUR), ok: true },
      deepVerify: { time: ago(3 * DAY), ok: false, damaged: ['x'] },
      repositoryDisk: { usedPercent: 95, freeBytes: 20e9 },
      usb: { adoptedCount: 1, lastCopyAt: ago(9 * DAY) },
      paused: { until: later(HOUR) },
      needsAttention: [{ time: ago(MIN), message: 'Drive LIFEBOAT-1 is full' }],
    },
    level: 'critical',
    reasons: [
      ['critical', 'on-battery', 'On battery (office-ups)', 'office-ups'],
      ['ok', 'emergency-backup-done', 'On battery: emergency backup done 14:04'],
      ['critical', 'deep-verify-damaged', 'Deep check 3 days ago found 1 damaged snapshot'],
      ['warning', 'paused', 'Backups paused until 15:05'],
      ['warning', 'rpo-missed', 'Last backup of docs 3 hours ago (expected every 15 min)', 'docs'],
      ['warning', 'needs-attention', 'Drive LIFEBOAT-1 is full (1 min ago)'],
      ['warning', 'disk-nearly-full', 'Backup disk 95% full (20 GB free)'],
      ['warning', 'usb-copy-overdue', 'Last copy to a USB drive 9 days ago: plug in a Lifeboat drive'],
      ['working', 'job-running', 'Copying to USB drive LIFEBOAT-2', 'LIFEBOAT-2'],
      OFFICE_OK,
      ['ok', 'quick-verify-ok', 'Last quick check 1 hour ago: all good'],
    ],
  },
];

const asTuple = (r: Reason): R => (r.source === undefined ? [r.level, r.code, r.text] : [r.level, r.code, r.text, r.source]);

for (const c of cases) {
  test(`healthVerdict: ${c.name}`, () => {
    const before = structuredClone(c.facts);
    const verdict = healthVerdict(c.facts, new Date(NOW), { timeZone: c.timeZone ?? 'UTC' });
    assert.deepEqual(verdict.reasons.map(asTuple), c.reasons);
    assert.equal(verdict.level, c.level);
    assert.equal(verdict.level, worst(verdict.reasons.map((r) => r.level)), 'the level is the worst reason');
    assert.deepEqual(c.facts, before, 'facts are not mutated');
  });
}

test('healthVerdict: without a time zone, clock times use the process zone', () => {
  const facts: HealthFacts = { sources: [office], paused: { until: later(HOUR) } };
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  assert.deepEqual(healthVerdict(facts, new Date(NOW)), healthVerdict(facts, new Date(NOW), { timeZone: zone }));
});

const invalidFacts: Array<[string, HealthFacts, RegExp]> = [
  ['a time without a zone', { sources: [{ name: 'office', lastGoodSnapshot: '2026-11-20T14:00:00' }] }, /source office lastGoodSnapshot must be an ISO 8601 time with a zone, got "2026-11-20T14:00:00"/],
  ['a time that is not a time', { usb: { adoptedCount: 1, lastCopyAt: 'yesterday' } }, /usb.lastCopyAt must be an ISO 8601 time/],
  ['a zero RPO', { sources: [{ name: 'office', rpoMinutes: 0, lastGoodSnapshot: ago(MIN) }] }, /source office rpoMinutes must be a positive number, got 0/],
  ['a disk over 100%', { repositoryDisk: { usedPercent: 120, freeBytes: 1e9 } }, /repositoryDisk.usedPercent must be a number in 0-100, got 120/],
  ['negative free bytes', { repositoryDisk: { usedPercent: 20, freeBytes: -1 } }, /repositoryDisk.freeBytes must be a number >= 0, got -1/],
  ['a negative backlog', { offsite: [{ name: 's3', backlogCount: -2 }] }, /offsite s3 backlogCount must be a number >= 0, got -2/],
  ['an unknown power state', { power: { state: 'brownout' as 'online' } }, /power.state must be online, on-battery, low-battery or unknown, got "brownout"/],
  ['an unknown emergency state', { power: { state: 'on-battery', emergencyBackup: { state: 'maybe' as 'done', at: ago(MIN) } } }, /power.emergencyBackup.state must be running, done or failed/],
];

for (const [name, facts, message] of invalidFacts) {
  test(`healthVerdict throws on ${name}`, () => {
    assert.throws(() => healthVerdict(facts, new Date(NOW), { timeZone: 'UTC' }), (err: unknown) => err instanceof Error && err.message.startsWith('Invalid health facts: ') && message.test(err.message));
  });
}

test('healthVerdict throws on an invalid clock', () => {
  assert.throws(() => healthVerdict({}, new Date('nope')), { message: 'Invalid health facts: now must be a valid Date' });
});

// --- verdictChanged: a status line only when the verdict changes ---

const v = (level: HealthLevel, ...reasons: R[]): Verdict => ({
  level,
  reasons: reasons.map(([l, code, text, source]) => (source === undefined ? { level: l, code, text } : { level: l, code, text, source })),
});

const changes: Array<[string, Verdict | undefined, Verdict, boolean]> = [
  ['the first verdict', undefined, v('ok'), true],
  ['identical', v('ok', OFFICE_OK), v('ok', OFFICE_OK), false],
  ['only an age moved', v('ok', OFFICE_OK), v('ok', ['ok', 'last-backup', 'Last backup of office 4 min ago', 'office']), false],
  ['level changed', v('ok', OFFICE_OK), v('working', ['working', 'job-running', 'Backing up office', 'office'], OFFICE_OK), true],
  ['progress moved', v('working', ['working', 'job-running', 'Backing up office (10%)', 'office']), v('working', ['working', 'job-running', 'Backing up office (60%)', 'office']), false],
  ['another job started', v('working', ['working', 'job-running', 'Backing up office', 'office']), v('working', ['working', 'job-running', 'Backing up office', 'office'], ['working', 'job-running', 'Backing up docs', 'docs']), true],
  ['a second warning of the same level', v('warning', ['warning', 'paused', 'Backups paused']), v('warning', ['warning', 'paused', 'Backups paused'], ['warning', 'disk-nearly-full', 'Backup disk 91% full']), true],
  ['the same warning now about another source', v('warning', ['warning', 'rpo-missed', 'x', 'office']), v('warning', ['warning', 'rpo-missed', 'x', 'docs']), true],
  ['a reason went from warning to critical with the level already critical', v('critical', ['critical', 'on-battery', 'a'], ['warning', 'rpo-missed', 'b', 'office']), v('critical', ['critical', 'on-battery', 'a'], ['critical', 'rpo-missed', 'b', 'office']), true],
  ['an ok line appeared', v('ok', OFFICE_OK), v('ok', OFFICE_OK, ['ok', 'usb-copy-ok', 'Last copy to a USB drive just now']), false],
  ['the same reasons in another order', v('warning', ['warning', 'paused', 'p'], ['warning', 'rpo-missed', 'r', 'office']), v('warning', ['warning', 'rpo-missed', 'r', 'office'], ['warning', 'paused', 'p']), false],
];

for (const [name, previous, next, expected] of changes) {
  test(`verdictChanged: ${name} -> ${expected}`, () => {
    assert.equal(verdictChanged(previous, next), expected);
  });
}

test('verdictChanged: an agent loop over real verdicts emits only on change', () => {
  const facts = (minutesAgo: number, jobs: HealthFacts['jobs'] = []): HealthFacts => ({ sources: [{ name: 'office', lastGoodSnapshot: ago(minutesAgo * MIN) }], jobs });
  const timeline = [facts(1), facts(5), facts(14), facts(15, [{ kind: 'backup', source: 'office', done: 1, total: 9 }]), facts(15, [{ kind: 'backup', source: 'office', done: 8, total: 9 }]), facts(0), facts(40)];
  let last: Verdict | undefined;
  const emitted: HealthLevel[] = [];
  for (const f of timeline) {
    const verdict = healthVerdict(f, new Date(NOW), { timeZone: 'UTC' });
    if (verdictChanged(last, verdict)) emitted.push(verdict.level);
    last = verdict;
  }
  assert.deepEqual(emitted, ['ok', 'working', 'ok', 'warning']);
});

// --- the formatters behind the texts ---

const ages: Array<[number, string]> = [
  [0, 'just now'],
  [59_999, 'just now'],
  [MIN, '1 min ago'],
  [3 * MIN + 59_000, '3 min ago'],
  [59 * MIN, '59 min ago'],
  [HOUR, '1 hour ago'],
  [23 * HOUR + 59 * MIN, '23 hours ago'],
  [DAY, '1 day ago'],
  [2 * DAY + 5 * HOUR, '2 days ago'],
  [59 * DAY, '59 days ago'],
  [60 * DAY, '2 months ago'],
  [729 * DAY, '24 months ago'],
  [730 * DAY, '2 years ago'],
  [-MIN, 'just now'],
  [-2 * MIN - 1, 'in the future (check the clock)'],
];

for (const [ms, text] of ages) {
  test(`relativeAge(${ms} ms) = ${text}`, () => {
    assert.equal(relativeAge(NOW - ms, NOW), text);
  });
}

test('humanDuration', () => {
  assert.deepEqual([0, -5, NaN, 15 * MIN, 2 * HOUR, DAY, 7 * DAY].map(humanDuration), ['under a minute', 'under a minute', 'under a minute', '15 min', '2 hours', '1 day', '7 days']);
});

test('clockTime: as short as stays unambiguous', () => {
  const at = (iso: string, zone = 'UTC'): string => clockTime(Date.parse(iso), NOW, zone);
  assert.equal(at('2026-11-20T14:02:00Z'), '14:02');
  assert.equal(at('2026-11-20T23:59:00Z'), '23:59');
  assert.equal(at('2026-11-19T23:59:00Z'), 'Thu 23:59');
  assert.equal(at('2026-11-14T08:00:00Z'), 'Sat 08:00');
  assert.equal(at('2026-11-13T08:00:00Z'), '2026-11-13 08:00');
  assert.equal(at('2026-11-26T08:00:00Z'), 'Thu 08:00');
  assert.equal(at('2026-11-27T08:00:00Z'), '2026-11-27 08:00');
  assert.equal(at('2026-11-20T23:30:00Z', 'Europe/Berlin'), 'Sat 00:30', 'the local date decides');
  assert.equal(at('2026-11-20T00:05:00Z', 'America/New_York'), 'Thu 19:05');
  assert.throws(() => at('2026-11-20T14:02:00Z', 'Mars/Olympus'), RangeError);
});

test('formatBytes: decimal units', () => {
  assert.deepEqual([0, 950, 1000, 1500, 999_999, 1_500_000_000, 12_345_000_000, 999_900_000_000, 3.25e12, -5, NaN].map(formatBytes), [
    '0 bytes', '950 bytes', '1 KB', '1.5 KB', '999 KB', '1.5 GB', '12 GB', '999 GB', '3.2 TB', '0 bytes', '0 bytes',
  ]);
});

test('parseTime: ISO 8601 with a zone only', () => {
  assert.equal(parseTime('2026-11-20T14:02:00Z', 'x'), Date.parse('2026-11-20T14:02:00Z'));
  assert.equal(parseTime('2026-11-20T15:02+01:00', 'x'), Date.parse('2026-11-20T14:02:00Z'));
  assert.equal(parseTime('2026-11-20 14:02:00.5z', 'x'), Date.parse('2026-11-20T14:02:00.500Z'));
  for (const bad of ['2026-11-20T14:02:00', '2026-11-20', 'now', '', 1700000000000, null]) {
    assert.throws(() => parseTime(bad, 'the time'), { message: `Invalid health facts: the time must be an ISO 8601 time with a zone, got ${JSON.stringify(bad)}` });
  }
});
