// The shape of settings.json, as one zod schema: the CLI's loader, the dashboard's and the desktop app's
// "save settings" and electron-store all validate with it. It holds no Node import, so the renderer can use
// it to check a form before sending it. Checks that need the machine (an absolute path, a cron expression,
// a target URL's syntax) are in settings-store.ts (validateSettings), which runs after this schema.
import { z } from 'zod';

/** The settings format written by this version of Lifeboat; older files are migrated on load. */
export const SETTINGS_VERSION = 2;

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use letters, digits, '.', '_' or '-' (at most 64)");
const count = z.number().int().min(0).max(100_000);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name');

export const RetentionPolicySchema = z.strictObject({
  last: count.optional(),
  quarterHourly: count.optional(),
  hourly: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  yearly: count.optional(),
});

export const SourceConfigSchema = z.strictObject({
  name,
  kind: z.enum(['sqlite', 'folder', 'mysql', 'postgres']),
  path: z.string().min(1, 'a path is needed'),
  passwordEnv: envName.optional(),
  storedSecret: z.boolean().optional(),
  include: z.array(z.string().min(1, 'empty pattern')).optional(),
  exclude: z.array(z.string().min(1, 'empty pattern')).optional(),
  watch: z.boolean().optional(),
});

export const TargetConfigSchema = z.strictObject({
  name,
  url: z.string().min(1, 'a URL is needed'),
  keyFile: z.string().optional(),
  passwordEnv: envName.optional(),
  storedSecret: z.boolean().optional(),
  bandwidth: z.string().optional(),
  retention: RetentionPolicySchema.optional(),
  rcloneConfig: z.string().optional(),
  sources: z.array(name).optional(),
  warnAfterHours: z.number().positive().optional(),
});

/** E-mail alerts over SMTP. The password is in the secret store under "smtp" (never here). */
export const EmailSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  host: z.string().min(1, 'the SMTP server is needed'),
  port: z.number().int().min(1).max(65535),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean().optional(),
  user: z.string().optional(),
  storedSecret: z.boolean().optional(),
  from: z.email('not an e-mail address'),
  to: z.array(z.email('not an e-mail address')).min(1, 'at least one recipient'),
  /** Which verdict changes send a mail (default warning and critical). */
  levels: z.array(z.enum(['warning', 'critical'])).optional(),
  /** A summary of the day or the week (default off). */
  summary: z.enum(['off', 'daily', 'weekly']).optional(),
});

export const NotificationSettingsSchema = z.strictObject({
  /** Desktop notifications (default on). */
  desktop: z.boolean().optional(),
  email: EmailSettingsSchema.optional(),
});

export const SettingsSchema = z.strictObject({
  version: z.literal(SETTINGS_VERSION),
  repository: z.string().min(1),
  repositoryId: z.string().optional(),
  sources: z.array(SourceConfigSchema),
  retention: RetentionPolicySchema,
  timeZone: z.string().optional(),
  schedules: z.record(z.string(), z.strictObject({ cron: z.string().optional(), enabled: z.boolean().optional() })).optional(),
  ups: z.array(z.string().min(1)).optional(),
  osBattery: z.boolean().optional(),
  watchTiming: z.strictObject({ quietSeconds: z.number().positive().optional(), minIntervalSeconds: z.number().positive().optional() }).optional(),
  drives: z.strictObject({
    mediaRoots: z.array(z.string()).optional(),
    pollSeconds: z.number().positive().optional(),
    policy: RetentionPolicySchema.optional(),
  }).optional(),
  targets: z.array(TargetConfigSchema).optional(),
  outbox: z.strictObject({ tickSeconds: z.number().positive().optional(), retryMinSeconds: z.number().positive().optional(), retryMaxSeconds: z.number().positive().optional() }).optional(),
  notifications: NotificationSettingsSchema.optional(),
  /** The headless dashboard's address (default 127.0.0.1:8770). Another host than loopback is warned about. */
  dashboard: z.strictObject({ host: z.string().min(1).optional(), port: z.number().int().min(0).max(65535).optional() }).optional(),
});

export type SettingsShape = z.infer<typeof SettingsSchema>;
export type EmailSettings = z.infer<typeof EmailSettingsSchema>;
export type NotificationSettings = z.infer<typeof NotificationSettingsSchema>;

/** SettingsSchema as JSON Schema (draft 2020-12), for tools that take one: electron-store, editors, docs. */
export function settingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SettingsSchema) as Record<string, unknown>;
}

/**
 * settingsJsonSchema() cut the way electron-store (and conf, which it wraps) takes a schema: `schema` is the
 * map of top-level properties, `rootSchema` the rest (required keys, no unknown keys, any $defs). conf compiles
 * them with Ajv 2020 plus ajv-formats, so the zod output needs no other change.
 *
 * How the desktop app keeps one settings.json with the CLI and the agent (tests/unit/settings-schema.test.ts
 * runs the same steps with conf):
 *   1. `const { settings, migrated } = await readSettingsFile(dataDir)` (settings-store.ts): migrates an older
 *      file in memory and runs validateSettings; a newer or invalid file stops here with a clear message,
 *      before electron-store can touch it.
 *   2. `if (migrated) await saveSettings(dataDir, settings)`: the file is written at SETTINGS_VERSION (loading alone
 *      never writes), so electron-store, which knows only the current format, never sees an old one.
 *   3. `new Store({ cwd: dataDir, name: 'settings', ...settingsStoreSchema(), defaults: defaultSettings(dataDir),
 *      clearInvalidConfig: false })`. Leave out electron-store's own `migrations`/`projectVersion`: they add an
 *      "__internal__" key to the file, which SettingsSchema (strict) would refuse in the CLI. Leave
 *      clearInvalidConfig false: an invalid file is an error to show, never a reason to start empty.
 *   4. Writes from the window go through validateSettings first (the semantic checks: cron, paths, URLs) and
 *      then `store.store = valid`; the store's schema check is the second line, for anything else that writes.
 */
export function settingsStoreSchema(): { schema: Record<string, object>; rootSchema: Record<string, unknown> } {
  const { $schema: _draft, type: _object, properties, ...rootSchema } = settingsJsonSchema();
  return { schema: properties as Record<string, object>, rootSchema };
}
