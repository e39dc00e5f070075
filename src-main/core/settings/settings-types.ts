import type { RetentionPolicy } from '../retention/retention-policy.ts';
import type { DrivePolicy } from '../drives/drive-policy.ts';

/** A source the office wants protected. `name` is unique; `path` is absolute. */
export interface SourceConfig {
  name: string;
  kind: 'sqlite' | 'folder';
  path: string;
  include?: string[];
  exclude?: string[];
  /** SQLite only: also snapshot shortly after the database changes (watch mode), not only on the schedule. */
  watch?: boolean;
}

/** settings.json in the data dir: what to protect, where, and how long to keep it. */
export interface Settings {
  version: 1;
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
}
