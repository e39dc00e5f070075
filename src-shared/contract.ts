// The one contract between the UI and the engine: every call (its arguments and its result) and every event,
// as zod schemas, and the types derived from them. Electron's main process validates arguments with these
// before a handler runs (electron/ipc-handle.ts), the preload exposes exactly these verbs, and the headless
// dashboard serves the same calls over HTTP (dashboard/). No Node or Electron import here: the renderer
// bundles this file.
import { z } from 'zod';
import { EmailSettingsSchema, RetentionPolicySchema, SettingsSchema } from '../src-main/core/settings/settings-schema.ts';

export { RetentionPolicySchema, SettingsSchema };

const level = z.enum(['ok', 'working', 'warning', 'critical']);
const iso = z.string();
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use letters, digits, '.', '_' or '-' (at most 64)");
/** The admin PIN, when one is set: Settings and restores to the live data need it. */
const pin = z.string().max(64).optional();

export const ReasonSchema = z.object({ level, code: z.string(), text: z.string(), source: z.string().optional() });
export const VerdictSchema = z.object({ level, reasons: z.array(ReasonSchema) });

export const JobSchema = z.object({
  id: z.number(),
  kind: z.string(),
  source: z.string().optional(),
  reason: z.string(),
  state: z.enum(['queued', 'running']),
  phase: z.string().optional(),
  done: z.number().optional(),
  total: z.number().optional(),
  startedAt: z.string().optional(),
});

export const SnapshotSchema = z.object({
  id: z.string(),
  source: z.string(),
  kind: z.enum(['sqlite', 'folder', 'mysql', 'postgres']),
  time: iso,
  reason: z.string(),
  size: z.number(),
  bytesAdded: z.number(),
  verified: z.enum(['quick', 'deep']).nullable(),
  verifiedAt: z.string().nullable(),
  damaged: z.string().nullable(),
});

export const StatusSchema = z.object({
  verdict: VerdictSchema,
  /** Protection is paused (until a time, or until resumed). */
  paused: z.object({ until: iso.optional() }).nullable(),
  sources: z.array(z.object({
    name: z.string(),
    kind: z.enum(['sqlite', 'folder', 'mysql', 'postgres']),
    path: z.string(),
    watch: z.boolean(),
    lastSnapshot: z.object({ id: z.string(), time: iso, size: z.number(), reason: z.string() }).nullable(),
    nextRun: iso.nullable(),
  })),
  power: z.array(z.object({
    source: z.string(),
    level: z.enum(['online', 'on-battery', 'low-battery', 'unknown']),
    charge: z.number().optional(),
    runtimeSeconds: z.number().optional(),
    detail: z.string().optional(),
  })),
  drives: z.array(z.object({
    id: z.string().nullable(),
    label: z.string(),
    mount: z.string().nullable(),
    present: z.boolean(),
    adopted: z.boolean(),
    lastCopy: z.object({ time: iso, result: z.enum(['ok', 'full', 'failed']), copied: z.number(), message: z.string() }).nullable(),
  })),
  targets: z.array(z.object({
    name: z.string(),
    url: z.string(),
    backlog: z.number(),
    oldestPendingAt: iso.optional(),
    lastSuccessAt: iso.optional(),
    lastError: z.string().optional(),
    needsAttention: z.string().optional(),
  })),
  jobs: z.array(JobSchema),
  nextRuns: z.array(z.object({ id: z.string(), next: iso })),
  agent: z.object({ pid: z.number(), startedAt: iso, dataDir: z.string(), pinSet: z.boolean(), encrypted: z.boolean() }),
});

export const HistoryRowSchema = z.object({
  id: z.number(),
  time: iso,
  op: z.string(),
  source: z.string().nullable(),
  snapshot: z.string().nullable(),
  actor: z.string(),
  result: z.enum(['ok', 'failed', 'warning']),
  detail: z.string(),
  durationMs: z.number(),
  /** Backups: the snapshot's size and what it added (for the chart). */
  size: z.number().optional(),
  bytesAdded: z.number().optional(),
});

export const RestoreResultSchema = z.object({
  snapshot: z.string(),
  source: z.string(),
  to: z.string(),
  /** The snapshot of the live data taken just before (absent for a copy elsewhere). */
  safetySnapshot: z.string().optional(),
  /** What was checked, in words ("quick_check ok", "checksums of 12 files"). */
  checks: z.array(z.string()),
  durationMs: z.number(),
});

export const DriveSchema = z.object({
  id: z.string().nullable(),
  label: z.string(),
  mount: z.string().nullable(),
  present: z.boolean(),
  adopted: z.boolean(),
  ours: z.boolean(),
  fsType: z.string().nullable(),
  size: z.number().nullable(),
  free: z.number().nullable(),
  lastCopy: z.object({ time: iso, result: z.enum(['ok', 'full', 'failed']), copied: z.number(), bytes: z.number(), message: z.string() }).nullable(),
  problem: z.string().optional(),
});

/** Settings a form may change; sources, targets and secrets have calls of their own. */
export const SettingsPatchSchema = SettingsSchema.pick({
  retention: true, timeZone: true, schedules: true, ups: true, osBattery: true, watchTiming: true, drives: true, notifications: true,
}).partial();

const empty = z.strictObject({});
const ok = z.object({ ok: z.literal(true) });

/**
 * Every call: its arguments (validated before a handler runs) and its result. A call that fails rejects with
 * an ApiError (below), never with a stack trace.
 */
export const CALLS = {
  getStatus: { args: empty, result: StatusSchema },
  listSnapshots: { args: z.strictObject({ source: name.optional(), from: name.optional() }), result: z.array(SnapshotSchema) },
  /** Queues a backup (all sources, or one) and returns at once; progress and the result come as events. */
  backupNow: { args: z.strictObject({ source: name.optional() }), result: z.object({ jobId: z.number() }) },
  /**
   * Restores a snapshot ("latest" or an id): into the live data (a safety snapshot first; the PIN when one is
   * set) or as a copy to `to`. `from`: a target's name, for when the local repository is gone.
   */
  restore: { args: z.strictObject({ ref: z.string().min(1), source: name.optional(), to: z.string().min(1).optional(), from: name.optional(), pin }), result: RestoreResultSchema },
  verify: { args: z.strictObject({ ids: z.array(z.string()).optional(), deep: z.boolean().optional() }), result: z.object({ ok: z.boolean(), checked: z.number(), problems: z.array(z.string()) }) },
  getHistory: {
    args: z.strictObject({ op: z.string().optional(), result: z.enum(['ok', 'failed', 'warning']).optional(), source: z.string().optional(), limit: z.number().int().min(1).max(5000).optional() }),
    result: z.array(HistoryRowSchema),
  },
  getSettings: { args: empty, result: SettingsSchema },
  saveSettings: { args: z.strictObject({ patch: SettingsPatchSchema, smtpPassword: z.string().optional(), pin }), result: SettingsSchema },
  /** Live validation of a cron expression: the human form and the next three runs, or why it is wrong. */
  checkSchedule: {
    args: z.strictObject({ cron: z.string() }),
    result: z.union([z.object({ valid: z.literal(true), human: z.string(), next: z.array(iso) }), z.object({ valid: z.literal(false), error: z.string() })]),
  },
  /** Every scheduled job as in force now: the default or the admin's cron, enabled, its human form and next runs. */
  getSchedules: {
    args: empty,
    result: z.array(z.object({ id: z.string(), label: z.string(), cron: z.string(), defaultCron: z.string(), enabled: z.boolean(), human: z.string(), next: z.array(iso) })),
  },
  /** Which current snapshots a retention policy would keep, and why (the engine's own function). */
  previewRetention: {
    args: z.strictObject({ policy: RetentionPolicySchema }),
    result: z.array(z.object({ id: z.string(), source: z.string(), time: iso, keep: z.boolean(), reasons: z.array(z.string()) })),
  },
  addSource: { args: z.strictObject({ name, kind: z.enum(['sqlite', 'folder']), path: z.string().min(1, 'a path is needed'), watch: z.boolean().optional(), pin }), result: ok },
  removeSource: { args: z.strictObject({ name, pin }), result: ok },
  listDrives: { args: empty, result: z.array(DriveSchema) },
  adoptDrive: { args: z.strictObject({ mount: z.string().min(1), pin }), result: ok },
  forgetDrive: { args: z.strictObject({ id: z.string().min(1), pin }), result: ok },
  addTarget: { args: z.strictObject({ name, url: z.string().min(1), password: z.string().optional(), keyFile: z.string().optional(), bandwidth: z.string().optional(), pin }), result: ok },
  removeTarget: { args: z.strictObject({ name, pin }), result: ok },
  testTarget: { args: z.strictObject({ name }), result: z.object({ ok: z.boolean(), lines: z.array(z.string()) }) },
  /** Sends a test e-mail with the saved settings (or the ones given, before saving). */
  testEmail: { args: z.strictObject({ email: EmailSettingsSchema.optional(), smtpPassword: z.string().optional() }), result: z.object({ ok: z.boolean(), message: z.string() }) },
  /** Sets the encryption passphrase (`current` is needed when one is set). */
  setPassphrase: { args: z.strictObject({ current: z.string().optional(), next: z.string().min(8, 'at least 8 characters'), pin }), result: ok },
  /** Sets (or with an empty `next`, removes) the admin PIN. */
  setPin: { args: z.strictObject({ current: z.string().optional(), next: z.string().regex(/^(\d{4,12})?$/, '4 to 12 digits') }), result: ok },
  /** Pauses scheduled and on-change backups (up to an hour freely; longer or until resumed needs the PIN). */
  pause: { args: z.strictObject({ minutes: z.number().int().min(1).max(7 * 24 * 60).optional(), pin }), result: ok },
  resume: { args: empty, result: ok },
} as const;

export type CallName = keyof typeof CALLS;
export type CallArgs<K extends CallName> = z.input<(typeof CALLS)[K]['args']>;
export type CallResult<K extends CallName> = z.output<(typeof CALLS)[K]['result']>;

export const ProgressSchema = z.object({ jobId: z.number(), kind: z.string(), source: z.string().optional(), phase: z.string(), done: z.number(), total: z.number() });

export const NOTICE_KINDS = ['power-lost', 'power-restored', 'emergency-backup-done', 'emergency-backup-failed', 'usb-safe-to-remove', 'usb-copy-failed', 'backup-failed', 'verify-failed', 'restore-done', 'restore-failed', 'health-changed'] as const;
export const NoticeSchema = z.object({ kind: z.enum(NOTICE_KINDS), level, title: z.string(), body: z.string(), time: iso, key: z.string().optional() });

/** Events from the engine: the whole status when it changes, job progress, and notices worth a notification. */
export const EVENTS = { status: StatusSchema, progress: ProgressSchema, notice: NoticeSchema } as const;
export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

export type Status = z.output<typeof StatusSchema>;
export type Snapshot = z.output<typeof SnapshotSchema>;
export type HistoryRow = z.output<typeof HistoryRowSchema>;
export type Drive = z.output<typeof DriveSchema>;
export type Notice = z.output<typeof NoticeSchema>;
export type Progress = z.output<typeof ProgressSchema>;
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;

/** What the UI sees: one function per call, and a typed subscribe that returns its unsubscribe. */
export type LifeboatApi = { [K in CallName]: (args: CallArgs<K>) => Promise<CallResult<K>> } & {
  subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

export const ERROR_CODES = ['bad-input', 'pin-required', 'forbidden', 'unauthorized', 'not-found', 'busy', 'failed'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export const ApiErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** bad-input: which field is wrong, as a path into the arguments ("patch.schedules.backup.cron"). */
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.output<typeof ApiErrorSchema>;

/** A failed call, the same on both transports. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly fields: ApiErrorBody['fields'];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.fields = body.fields;
  }
  toJSON(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }
}

/**
 * Parses a call's arguments. Unknown calls and malformed arguments become a bad-input ApiError naming the
 * fields, so the UI can show each message at its field.
 */
export function parseArgs<K extends CallName>(call: K, args: unknown): z.output<(typeof CALLS)[K]['args']> {
  const spec = CALLS[call];
  if (!spec) throw new ApiError({ code: 'bad-input', message: `unknown call ${String(call)}` });
  const r = spec.args.safeParse(args ?? {});
  if (r.success) return r.data as z.output<(typeof CALLS)[K]['args']>;
  const fields = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new ApiError({ code: 'bad-input', message: fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; '), fields });
}

export function isCallName(s: string): s is CallName {
  return Object.prototype.hasOwnProperty.call(CALLS, s);
}
