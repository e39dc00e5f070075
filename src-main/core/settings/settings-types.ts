import type { RetentionPolicy } from '../retention/retention-policy.ts';
import type { DrivePolicy } from '../drives/drive-policy.ts';
import type { NotificationSettings, SETTINGS_VERSION, SettingsShape } from './settings-schema.ts';

/**
 * A source the office wants protected. `name` is unique; `path` is absolute for files and folders, and for a
 * database server the URL without a password (`mysql://USER@HOST:PORT/DB`, `postgres://...`).
 */
export interface SourceConfig {
  name: string;
  kind: 'sqlite' | 'folder' | 'mysql' | 'postgres';
  path: string;
  /** Database servers: the password is in this environment variable. */
  passwordEnv?: string;
  /** Database servers: the password is in the secret store under source:<name>. */
  storedSecret?: boolean;
  include?: string[];
  exclude?: string[];
  /** SQLite only: also snapshot shortly after the database changes (watch mode), not only on the schedule. */
  watch?: boolean;
}

/**
 * An offsite copy target. No credential is ever stored here: a password or secret key lives in the secret
 * store (`storedSecret`) or in an environment variable (`passwordEnv`).
 */
export interface TargetConfig {
  name: string;
  /** The target URL without a password (offsite/target-url.ts). */
  url: string;
  /** SFTP: the private key file. */
  keyFile?: string;
  /** The password (or S3 secret key) is in this environment variable. */
  passwordEnv?: string;
  /** The password (or S3 secret key) is in the secret store under target:<name>. */
  storedSecret?: boolean;
  /** Upload limit, e.g. "2MB/s" or "2MB/s@08:00-18:00" (targets/bandwidth.ts). */
  bandwidth?: string;
  /** How long the target keeps snapshots (default: the same as the local repository). */
  retention?: RetentionPolicy;
  /** rclone targets: rclone's config file (default: rclone's own). */
  rcloneConfig?: string;
  /** Only these sources go to this target (default: all). */
  sources?: string[];
  /** Warn when the oldest waiting upload is older than this many hours (default 24). */
  warnAfterHours?: number;
}

/**
 * settings.json in the data dir: what to protect, where, and how long to keep it. The same shape as
 * SettingsSchema (settings-schema.ts), which checks it at every load and save; the check at the end of this file
 * fails the type-check when the two disagree.
 */
export interface Settings {
  version: typeof SETTINGS_VERSION;
  /** The local repository's folder (default: <data dir>/repository). */
  repository: string;
  /** The id of the repository created for this data dir: a missing or different one there is an error, never replaced. */
  repositoryId?: string;
  sources: SourceConfig[];
  retention: RetentionPolicy;
  /** IANA time zone for schedules and retention buckets (default: the machine's). */
  timeZone?: string;
  /** Changes to the default schedule (schedule/schedule-plan.ts defaultJobs), by job id. */
  schedules?: Record<string, { cron?: string; enabled?: boolean }>;
  /** UPS addresses to watch: nut://[USER[:PASS]@]HOST[:PORT]/UPS or apcupsd://HOST[:PORT]. */
  ups?: string[];
  /** Also read the OS battery (laptops, and a USB UPS that shows up as a battery). Default true. */
  osBattery?: boolean;
  /** Watch mode timing: wait for this many quiet seconds after a change (default 10), at most one snapshot per source every minIntervalSeconds (default 60). */
  watchTiming?: { quietSeconds?: number; minIntervalSeconds?: number };
  /** USB drives: where removable media are mounted (default the platform's), how often to look, and what goes on them. */
  drives?: { mediaRoots?: string[]; pollSeconds?: number; policy?: DrivePolicy };
  /** Offsite copies, each fed by the durable outbox (offsite/). */
  targets?: TargetConfig[];
  /** Outbox timing: look for due uploads every tickSeconds (default 15); after a failure wait retryMinSeconds (default 30), doubling to retryMaxSeconds (default 3600). */
  outbox?: { tickSeconds?: number; retryMinSeconds?: number; retryMaxSeconds?: number };
  /** Desktop notifications and e-mail alerts (the SMTP password is in the secret store under "smtp"). */
  notifications?: NotificationSettings;
  /** The headless dashboard's address (default 127.0.0.1:8770). */
  dashboard?: { host?: string; port?: number };
}

// Compile-time only: Settings (documented, imported everywhere) and z.infer of SettingsSchema must be the same
// type, so a field added to one and not the other, at any depth, fails `tsc`. (Mutual assignability would not
// do: an extra optional field passes it both ways.)
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Assert<T extends true> = T;
type _SettingsMatchSchema = Assert<Same<Settings, SettingsShape>>;
