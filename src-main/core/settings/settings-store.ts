import path from 'node:path';
import type { z } from 'zod';
import { CorruptError, LifeboatError } from '../errors.ts';
import { readIfExists, writeFileDurable } from '../util/durable-file.ts';
import { DEFAULT_RETENTION, validatePolicy } from '../retention/retention-policy.ts';
import type { Settings, SourceConfig, TargetConfig } from './settings-types.ts';
import { parseTargetUrl } from '../offsite/target-url.ts';
import { parseDbUrl } from '../sources/db-url.ts';
import { parseBandwidth } from '../targets/bandwidth.ts';
import { cronSchedule, timeZoneError } from '../schedule/cron-schedule.ts';
import { defaultJobs } from '../schedule/schedule-plan.ts';
import { powerSourceFromUrl } from '../power/power-source-url.ts';
import { SETTINGS_VERSION, SettingsSchema } from './settings-schema.ts';
import { migrateSettings } from './settings-migrations.ts';
import { settingsTimeZone } from './schedule-settings.ts';

export const SETTINGS_FILE = 'settings.json';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** At most this many problems are named in one message: enough to fix a hand-edited file, short enough to read. */
const MAX_ISSUES = 5;

/** The settings of a fresh data dir (not written until something is saved). */
export function defaultSettings(dataDir: string): Settings {
  return { version: SETTINGS_VERSION, repository: path.join(dataDir, 'repository'), sources: [], retention: { ...DEFAULT_RETENTION } };
}

/**
 * Reads settings.json, or the defaults when there is none. An older format is migrated in memory (the file is
 * written back in the current format at the next saveSettings, never by loading). Never writes, and never
 * replaces a damaged or invalid file: throws CorruptError for a file that is not JSON, and LifeboatError
 * naming the file and the field paths for one that fails validateSettings.
 */
export async function loadSettings(dataDir: string): Promise<Settings> {
  return (await readSettingsFile(dataDir)).settings;
}

/**
 * loadSettings, also saying which version the file was at (`from`, undefined when there is no file) and whether
 * it was migrated: the desktop app saves a migrated file before electron-store opens it (settingsStoreSchema).
 */
export async function readSettingsFile(dataDir: string): Promise<{ settings: Settings; from: number | undefined; migrated: boolean }> {
  const file = path.join(dataDir, SETTINGS_FILE);
  const raw = await readIfExists(file);
  if (!raw) return { settings: defaultSettings(dataDir), from: undefined, migrated: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CorruptError(file, 'not valid JSON; fix it or move it away to start with defaults');
  }
  const { settings, from, migrated } = migrateSettings(parsed, file);
  return { settings: validateSettings(settings, file), from, migrated };
}

/**
 * Validates `s` (migrating an older version first) and writes the result durably (temp file, fsync, rename).
 * An invalid value throws validateSettings' error and leaves the file as it was.
 */
export async function saveSettings(dataDir: string, s: Settings): Promise<void> {
  const valid = validateSettings(s);
  await writeFileDurable(path.join(dataDir, SETTINGS_FILE), Buffer.from(JSON.stringify(valid, null, 2) + '\n'));
}

/**
 * The one check of settings, for the CLI, the agent, the dashboard and the desktop app: migrate to
 * SETTINGS_VERSION (settings-migrations.ts), check the shape with SettingsSchema, then what a schema cannot say
 * (names unique, absolute paths, target URLs without passwords, bandwidth, cron expressions, the time zone, UPS
 * addresses). Returns a fresh, normalised Settings; never mutates `raw`.
 * Throws LifeboatError: 'bad-input' naming `label` and each wrong field by its path ("sources[0].name: ..."),
 * 'corrupt' for something that is not settings at all, 'failed' for a file from a newer Lifeboat.
 */
export function validateSettings(raw: unknown, label = SETTINGS_FILE): Settings {
  const { settings } = migrateSettings(raw, label);
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) throw new LifeboatError('bad-input', `${label}: ${describeIssues(parsed.error.issues)}`);
  const s: Settings = parsed.data;
  try {
    checkSemantics(s);
  } catch (err) {
    if (err instanceof LifeboatError) throw new LifeboatError(err.code, `${label}: ${err.message}`, { cause: err });
    throw new LifeboatError('bad-input', `${label}: ${(err as Error).message}`, { cause: err });
  }
  return s;
}

function checkSemantics(s: Settings): void {
  s.retention = validatePolicy(s.retention);
  unique('source', s.sources.map((x) => x.name));
  for (const src of s.sources) validateSource(src);
  unique('target', (s.targets ?? []).map((t) => t.name));
  for (const t of s.targets ?? []) validateTarget(t);
  if (s.drives?.policy) s.drives.policy = validatePolicy(s.drives.policy);
  if (s.timeZone !== undefined) {
    const err = timeZoneError(s.timeZone);
    if (err) throw new LifeboatError('bad-input', `timeZone: ${err}`);
  }
  const tz = settingsTimeZone(s);
  const jobIds = defaultJobs(tz).map((j) => j.id as string);
  for (const [id, o] of Object.entries(s.schedules ?? {})) {
    if (!jobIds.includes(id)) throw new LifeboatError('bad-input', `schedules: no scheduled job "${id}" (the jobs are ${jobIds.join(', ')})`);
    if (o.cron === undefined) continue;
    // A fixed instant: only the expression's validity matters here, not when it next runs.
    const r = cronSchedule(o.cron, tz, new Date(0), 0);
    if (!r.ok) throw new LifeboatError('bad-input', `schedules.${id}.cron: ${r.error}`);
  }
  for (const u of s.ups ?? []) powerSourceFromUrl(u);
}

function unique(kind: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new LifeboatError('bad-input', `two ${kind}s are named ${n}: names must be unique`);
    seen.add(n);
  }
}

/** zod issues as "path: message; ...", paths written as in JavaScript ("targets[1].retention.daily"). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_ISSUES).map((i) => `${fieldPath(i.path) || 'the file'}: ${i.message}`);
  if (issues.length > MAX_ISSUES) parts.push(`and ${issues.length - MAX_ISSUES} more`);
  return parts.join('; ');
}

function fieldPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');
}

/** Checks a source's shape (not whether its file exists: that is checked when it is added and at each backup). */
export function validateSource(src: SourceConfig): SourceConfig {
  if (typeof src.name !== 'string' || !NAME_RE.test(src.name)) {
    throw new LifeboatError('bad-input', `bad source name ${JSON.stringify(src.name)}: use letters, digits, '.', '_' or '-' (at most 64)`);
  }
  if (!['sqlite', 'folder', 'mysql', 'postgres'].includes(src.kind)) throw new LifeboatError('bad-input', `source ${src.name}: unknown kind ${String(src.kind)}`);
  if (src.kind === 'mysql' || src.kind === 'postgres') {
    const parsed = parseDbUrl(src.path);
    if (parsed.location.kind !== src.kind) throw new LifeboatError('bad-input', `source ${src.name}: ${src.kind} source with a ${parsed.location.kind} URL`);
    if (parsed.password !== undefined) throw new LifeboatError('bad-input', `source ${src.name}: its URL holds a password; passwords belong in the secret store ("lifeboat source add" puts them there)`);
    if (src.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(src.passwordEnv)) throw new LifeboatError('bad-input', `source ${src.name}: ${JSON.stringify(src.passwordEnv)} is not an environment variable name`);
    return src;
  }
  if (typeof src.path !== 'string' || !path.isAbsolute(src.path)) throw new LifeboatError('bad-input', `source ${src.name}: path must be absolute`);
  if (src.watch !== undefined && typeof src.watch !== 'boolean') throw new LifeboatError('bad-input', `source ${src.name}: watch must be true or false`);
  for (const g of [...(src.include ?? []), ...(src.exclude ?? [])]) if (typeof g !== 'string' || g.length === 0) throw new LifeboatError('bad-input', `source ${src.name}: empty glob`);
  return src;
}

/** Checks a target's shape: its name, its URL (which must hold no password), its bandwidth and retention. */
export function validateTarget(t: TargetConfig): TargetConfig {
  if (typeof t.name !== 'string' || !NAME_RE.test(t.name)) {
    throw new LifeboatError('bad-input', `bad target name ${JSON.stringify(t.name)}: use letters, digits, '.', '_' or '-' (at most 64)`);
  }
  if (typeof t.url !== 'string') throw new LifeboatError('bad-input', `target ${t.name}: url missing`);
  if (parseTargetUrl(t.url).password) throw new LifeboatError('bad-input', `target ${t.name}: its URL holds a password; passwords belong in the secret store ("lifeboat target add" puts them there)`);
  if (t.bandwidth !== undefined) parseBandwidth(t.bandwidth);
  if (t.retention !== undefined) t.retention = validatePolicy(t.retention);
  if (t.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.passwordEnv)) throw new LifeboatError('bad-input', `target ${t.name}: ${JSON.stringify(t.passwordEnv)} is not an environment variable name`);
  if (t.warnAfterHours !== undefined && !(Number.isFinite(t.warnAfterHours) && t.warnAfterHours > 0)) throw new LifeboatError('bad-input', `target ${t.name}: warnAfterHours must be a positive number`);
  return t;
}
