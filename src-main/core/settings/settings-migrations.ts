// Migrations of settings.json from each older format to the next. Pure: no file is read or written here; the
// store (settings-store.ts) migrates what it read, validates the result, and writes it back only at the next
// save, so loading never changes a file. The desktop app runs the same function before electron-store sees
// the file (settingsStoreOptions in settings-schema.ts says how).
import { LifeboatError } from '../errors.ts';
import { DEFAULT_RETENTION } from '../retention/retention-policy.ts';
import { SETTINGS_VERSION } from './settings-schema.ts';

type Json = Record<string, unknown>;

/** One step: a file at version `from` becomes a file at version `from + 1`. */
export interface SettingsMigration {
  from: number;
  /** What changes, in words (for a log line or a release note). */
  what: string;
  /** Gets a private copy of the settings at `from`; returns them at `from + 1`. May change and return its argument. */
  up(settings: Json): Json;
}

/**
 * Every migration, oldest first; exactly one per version below SETTINGS_VERSION. To change the format: raise
 * SETTINGS_VERSION in settings-schema.ts, append a step here from the old version, and add a test that a file
 * of the old version loads with the same meaning (tests/unit/settings-migrations.test.ts).
 */
export const SETTINGS_MIGRATIONS: readonly SettingsMigration[] = [
  {
    from: 1,
    what: 'version 2 adds notifications (e-mail alerts) and the dashboard address; a missing retention policy becomes the default one, written out',
    up(s) {
      // Version 1 files could leave out "retention" (the loader filled in the defaults at every load); version 2
      // requires it, so the policy in force is the one the file shows and the settings form can edit it.
      if (s.retention === undefined) s.retention = { ...DEFAULT_RETENTION };
      s.version = 2;
      return s;
    },
  },
];

/** The result of migrateSettings: the settings at SETTINGS_VERSION (not validated yet), and where they came from. */
export interface MigrationResult {
  settings: unknown;
  /** The version the input was written at. */
  from: number;
  /** True when at least one step ran (the file on disk is still at `from` until the next save). */
  migrated: boolean;
}

/**
 * Brings parsed settings.json content to SETTINGS_VERSION by running each step from its version on.
 * Contract: never mutates `raw` (the steps work on a deep copy); returns `raw` itself when it is already current.
 * Does not validate beyond the version: the caller checks the result with SettingsSchema (validateSettings).
 * Throws LifeboatError('corrupt') when `raw` is not an object with a whole-number `version`, and
 * LifeboatError('failed') for a version newer than this Lifeboat knows (never downgraded) or an old one with no
 * migration. `label` names the file in messages.
 */
export function migrateSettings(raw: unknown, label = 'settings.json'): MigrationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LifeboatError('corrupt', `${label} is not Lifeboat settings (expected a JSON object)`);
  const version = (raw as Json).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new LifeboatError('corrupt', `${label} is not Lifeboat settings (no format version: expected "version": ${SETTINGS_VERSION})`);
  }
  if (version > SETTINGS_VERSION) {
    throw new LifeboatError('failed', `${label} was written by a newer Lifeboat (version ${version}); this one reads versions up to ${SETTINGS_VERSION}: update Lifeboat (the file was left as it is)`);
  }
  if (version === SETTINGS_VERSION) return { settings: raw, from: version, migrated: false };
  let s = structuredClone(raw) as Json;
  for (let v = version; v < SETTINGS_VERSION; v++) {
    const step = SETTINGS_MIGRATIONS.find((m) => m.from === v);
    if (!step) throw new LifeboatError('failed', `${label} is at version ${v}, which this Lifeboat cannot migrate (no step from ${v} to ${v + 1})`);
    s = step.up(s);
    if (s.version !== v + 1) throw new Error(`settings migration from ${v} left version ${String(s.version)}`); // a bug in a step, not a user problem
  }
  return { settings: s, from: version, migrated: true };
}
