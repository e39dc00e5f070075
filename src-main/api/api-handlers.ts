import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { Agent } from '../agent/agent.ts';
import { ApiError, CALLS, SettingsSchema, type CallName, type CallResult, type RestoreResultSchema } from '../../src-shared/contract.ts';
import { backupChanged } from '../core/jobs/routine-jobs.ts';
import { cronSchedule } from '../core/schedule/cron-schedule.ts';
import { defaultJobs } from '../core/schedule/schedule-plan.ts';
import { effectiveJobs, settingsTimeZone } from '../core/settings/schedule-settings.ts';
import { applyPolicy } from '../core/retention/retention-policy.ts';
import { saveSettings, validateSettings } from '../core/settings/settings-store.ts';
import type { Settings } from '../core/settings/settings-types.ts';
import { restoreFrom } from '../core/offsite/restore-from.ts';
import { statusView } from './status-view.ts';
import type { EmailSettings } from '../core/settings/settings-schema.ts';
import { splitUpsPassword, upsSecretKey } from '../core/power/power-source-url.ts';
import { SMTP_SECRET_KEY } from '../core/alerts/email-alerts.ts';

/** One function per contract call; arguments arrive already validated by the transport. */
export type Handlers = { [K in CallName]: (args: z.output<(typeof CALLS)[K]['args']>) => Promise<CallResult<K>> };

/** The admin PIN guard (admin-pin.ts); absent means no PIN can be set. */
export interface PinGuard {
  isSet(): Promise<boolean>;
  /** True when `pin` is right; counts failures and refuses for a while after too many. */
  check(pin: string | undefined): Promise<boolean>;
  set(current: string | undefined, next: string): Promise<void>;
}

export interface HandlerDeps {
  pin?: PinGuard;
  /** Sends a test e-mail (alerts/email-alerts.ts). */
  testEmail?: (email: EmailSettings, password: string | undefined) => Promise<{ ok: boolean; message: string }>;
}


/** The secret-store key of the repository passphrase, when the app keeps it (the desktop app's keychain). */
export const PASSPHRASE_SECRET = 'repository-passphrase';

/**
 * Validates settings about to be saved with the one schema (settings-store.ts validateSettings), first
 * naming each bad field by its path in the call (`patch.schedules.backup.cron`) so the UI can show the
 * message at that field. Nothing invalid reaches the disk.
 */
function checkSettings(candidate: Settings): Settings {
  const parsed = SettingsSchema.safeParse(candidate);
  const fields = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: ['patch', ...i.path.map(String)].join('.'), message: i.message }));
  const tz = settingsTimeZone(candidate);
  for (const [id, o] of Object.entries(candidate.schedules ?? {})) {
    if (o.cron === undefined) continue;
    const r = cronSchedule(o.cron, tz, new Date(), 1);
    if (!r.ok) fields.push({ path: `patch.schedules.${id}.cron`, message: r.error });
  }
  const known = defaultJobs(tz).map((j) => j.id as string);
  for (const id of Object.keys(candidate.schedules ?? {})) if (!known.includes(id)) fields.push({ path: `patch.schedules.${id}`, message: `no scheduled job "${id}": the jobs are ${known.join(', ')}` });
  if (fields.length) throw new ApiError({ code: 'bad-input', message: fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields });
  return validateSettings(candidate, 'settings');
}

/**
 * The contract's calls over a running agent: the same functions serve Electron IPC and the dashboard's HTTP.
 * Long work (backups, restores) goes through the agent's job queue, one job at a time, with progress events.
 * Settings, sources, drives and targets need the admin PIN when one is set; so does a restore into the live
 * data (a copy elsewhere does not).
 */
export function createHandlers(agent: Agent, deps: HandlerDeps = {}): Handlers {
  const lb = agent.lb;
  const pinSet = async () => (deps.pin ? deps.pin.isSet() : false);
  const guard = async (pin: string | undefined, what: string) => {
    if (!deps.pin || !(await deps.pin.isSet())) return;
    if (!(await deps.pin.check(pin))) throw new ApiError({ code: 'pin-required', message: pin ? `wrong PIN: ${what} needs the admin PIN` : `${what} needs the admin PIN` });
  };
  // Where a restore may write a copy: an absolute path in a folder that exists (no folders are made: a typo
  // must not create a tree, and some paths, like /proc, never answer).
  const checkCopyTarget = async (to: string) => {
    const bad = (message: string) => new ApiError({ code: 'bad-input', message, fields: [{ path: 'to', message }] });
    if (!path.isAbsolute(to)) throw bad('give the full path of the copy (for example /home/office/restored.db)');
    const dir = await fs.stat(path.dirname(to)).catch(() => undefined);
    if (!dir?.isDirectory()) throw bad(`${path.dirname(to)} is not an existing folder`);
  };

  return {
    getStatus: async () => statusView(agent, { pinSet: await pinSet() }),

    listSnapshots: async ({ source, from }) => {
      if (from) {
        const remote = await lb.offsite.remoteSnapshots(from);
        return remote.filter((m) => !source || m.source.name === source).map((m) => ({
          id: m.id, source: m.source.name, kind: m.source.kind, time: m.time, reason: m.reason, size: m.stats.size, bytesAdded: m.stats.bytesAdded,
          verified: null, verifiedAt: null, damaged: null,
        }));
      }
      return lb.list(source);
    },

    backupNow: async ({ source }) => {
      if (source) lb.source(source);
      // Queued (or merged into the same request already queued or running) at once; the id is there now.
      void agent.submit({ key: `manual:${source ?? 'all'}`, kind: 'backup', ...(source ? { source } : {}), reason: 'manual', priority: 'user', run: () => backupChanged(lb, 'manual', source ? [source] : undefined) });
      const job = agent.queue.list().find((j) => j.kind === 'backup' && j.reason === 'manual' && (j.source ?? undefined) === source);
      return { jobId: job?.id ?? 0 };
    },

    restore: async ({ ref, source, to, from, pin }) => {
      if (to === undefined) await guard(pin, 'restoring into the live data');
      else await checkCopyTarget(to);
      const outcome = await agent.submit({
        key: `restore:${source ?? ''}:${ref}:${to ?? 'live'}`, kind: 'restore', ...(source ? { source } : {}), reason: 'manual', priority: 'user',
        run: async () => {
          const started = Date.now();
          const r = from
            ? await restoreFrom(lb, from, { ref, source, to, overwrite: to === undefined })
            : await lb.restore({ ref, source, to, overwrite: to === undefined });
          return { snapshot: r.snapshot, source: r.source, to: r.target, checks: r.checks, durationMs: Date.now() - started, ...(r.safetySnapshot ? { safetySnapshot: r.safetySnapshot } : {}) } satisfies z.output<typeof RestoreResultSchema>;
        },
      });
      if (!outcome.ok) {
        agent.notice({ kind: 'restore-failed', level: 'warning', key: 'restore', title: 'Restore failed', body: outcome.error ?? 'failed' });
        throw outcome.cause ?? new ApiError({ code: 'failed', message: outcome.error ?? 'the restore failed' });
      }
      const result = outcome.result as z.output<typeof RestoreResultSchema>;
      agent.notice({ kind: 'restore-done', level: 'ok', key: 'restore', title: 'Restore done', body: `${result.source}: snapshot ${result.snapshot} restored${to ? ` to ${to}` : ''}; ${result.checks.join(', ')}` });
      return result;
    },

    verify: async ({ ids, deep }) => {
      const report = await lb.verify({ ...(ids?.length ? { ids } : { all: true }), deep: !!deep });
      const problems = report.snapshots.filter((s) => !s.ok).map((s) => `${s.id}: ${s.problems.join('; ')}`);
      return { ok: problems.length === 0 && report.ok, checked: report.snapshots.length, problems };
    },

    getHistory: async ({ op, result, source, limit }) => {
      const rows = lb.catalog.history(5000).filter((h) => (!op || h.op === op) && (!result || h.result === result) && (!source || h.source === source)).slice(0, limit ?? 500);
      const sizes = new Map((await lb.list()).map((s) => [s.id, s]));
      return rows.map((h) => {
        const snap = h.op === 'backup' && h.snapshot ? sizes.get(h.snapshot) : undefined;
        return { ...h, ...(snap ? { size: snap.size, bytesAdded: snap.bytesAdded } : {}) };
      });
    },

    getSettings: async () => SettingsSchema.parse(lb.settings),

    saveSettings: async ({ patch, smtpPassword, pin }) => {
      await guard(pin, 'changing settings');
      await agent.changeSettings(async () => {
        const before = lb.settings;
        const candidate: Settings = { ...structuredClone(before), ...structuredClone(patch) } as Settings;
        // UPS passwords go to the secret store; settings.json keeps the addresses without them.
        const upsSecrets: Array<[string, string]> = [];
        if (candidate.ups) {
          candidate.ups = candidate.ups.map((u) => {
            const { url, password } = splitUpsPassword(u);
            if (password !== undefined) upsSecrets.push([upsSecretKey(url), password]);
            return url;
          });
        }
        const email = candidate.notifications?.email;
        if (email) email.storedSecret = smtpPassword !== undefined ? !!smtpPassword : !!before.notifications?.email?.storedSecret;
        const next = checkSettings(candidate);
        for (const [key, value] of upsSecrets) await lb.secrets.set(key, value);
        for (const gone of (before.ups ?? []).filter((u) => !(next.ups ?? []).includes(u))) await lb.secrets.delete(upsSecretKey(gone));
        if (smtpPassword !== undefined) {
          if (smtpPassword) await lb.secrets.set(SMTP_SECRET_KEY, smtpPassword);
          else await lb.secrets.delete(SMTP_SECRET_KEY);
        }
        await saveSettings(lb.dataDir, next);
        lb.settings = next;
      });
      return SettingsSchema.parse(lb.settings);
    },

    getSchedules: async () => {
      const tz = settingsTimeZone(lb.settings);
      const defaults = new Map(defaultJobs(tz).map((j) => [j.id as string, j]));
      return effectiveJobs(lb.settings).map((j) => {
        const c = cronSchedule(j.cron, tz, new Date(), 3);
        return {
          id: j.id, label: defaults.get(j.id)?.description ?? j.id, cron: j.cron, defaultCron: defaults.get(j.id)?.cron ?? j.cron, enabled: j.enabled,
          human: c.ok ? c.human : c.error, next: c.ok ? c.next.map((d) => d.toISOString()) : [],
        };
      });
    },

    checkSchedule: async ({ cron }) => {
      const r = cronSchedule(cron, settingsTimeZone(lb.settings), new Date(), 3);
      return r.ok ? { valid: true as const, human: r.human, next: r.next.map((d) => d.toISOString()) } : { valid: false as const, error: r.error };
    },

    previewRetention: async ({ policy }) => {
      const rows = await lb.list();
      const decision = applyPolicy(rows.map((r) => ({ id: r.id, source: r.source, time: r.time, verified: r.verified !== null, damaged: r.damaged !== null })), policy, { timeZone: settingsTimeZone(lb.settings) });
      const keep = new Set(decision.keep.map((k) => k.id));
      return rows.map((r) => ({ id: r.id, source: r.source, time: r.time, keep: keep.has(r.id), reasons: decision.reasons[r.id] ?? [] }));
    },

    addSource: async ({ name, kind, path: p, watch, pin }) => {
      await guard(pin, 'adding a source');
      if (!path.isAbsolute(p)) throw new ApiError({ code: 'bad-input', message: 'the path must be absolute', fields: [{ path: 'path', message: 'the path must be absolute (for example /srv/office/office.db)' }] });
      await agent.changeSettings(() => lb.addSource({ name, kind, path: p, ...(watch ? { watch } : {}) }));
      return { ok: true as const };
    },

    removeSource: async ({ name, pin }) => {
      await guard(pin, 'removing a source');
      await agent.changeSettings(() => lb.removeSource(name));
      return { ok: true as const };
    },

    listDrives: async () => (await agent.driveStatus()).map((d) => ({
      id: d.id, label: d.label, mount: d.mount, present: d.present, adopted: d.adopted, ours: d.ours, fsType: d.fsType, size: d.size, free: d.free,
      lastCopy: d.lastCopy ? { time: d.lastCopy.time, result: d.lastCopy.result, copied: d.lastCopy.copied, bytes: d.lastCopy.bytes, message: d.lastCopy.message } : null,
      ...(d.problem ? { problem: d.problem } : {}),
    })),

    adoptDrive: async ({ mount, pin }) => {
      await guard(pin, 'adopting a drive');
      const ctx = agent.driveContext;
      if (!ctx) throw new ApiError({ code: 'busy', message: 'drives are not watched yet: try again in a moment' });
      await ctx.registry.adopt(mount);
      await agent.rescanDrives();
      return { ok: true as const };
    },

    forgetDrive: async ({ id, pin }) => {
      await guard(pin, 'forgetting a drive');
      const ctx = agent.driveContext;
      if (!ctx) throw new ApiError({ code: 'busy', message: 'drives are not watched yet: try again in a moment' });
      await ctx.registry.forget(id);
      await agent.rescanDrives();
      return { ok: true as const };
    },

    addTarget: async ({ name, url, password, keyFile, bandwidth, pin }) => {
      await guard(pin, 'adding a target');
      await agent.changeSettings(() => lb.offsite.add({ name, url, ...(password ? { password } : {}), ...(keyFile ? { keyFile } : {}), ...(bandwidth ? { bandwidth } : {}) }));
      return { ok: true as const };
    },

    removeTarget: async ({ name, pin }) => {
      await guard(pin, 'removing a target');
      await agent.changeSettings(() => lb.offsite.remove(name));
      return { ok: true as const };
    },

    testTarget: async ({ name }) => {
      const r = await lb.offsite.test(name);
      return { ok: r.ok, lines: r.steps.map((s) => `${s.ok ? 'ok' : 'FAILED'}: ${s.step}${s.detail ? `: ${s.detail}` : ''}`) };
    },

    testEmail: async ({ email, smtpPassword }) => {
      if (!deps.testEmail) return { ok: false, message: 'e-mail alerts are not available in this build' };
      const saved = lb.settings.notifications?.email;
      const cfg = email ?? saved;
      if (!cfg) return { ok: false, message: 'set up the SMTP server first' };
      // The stored password goes only to the server it was stored for: anyone with the token could otherwise
      // send it to a server of their own.
      const sameServer = !!saved && cfg.host === saved.host && cfg.port === saved.port && (cfg.user ?? '') === (saved.user ?? '') && !!cfg.secure === !!saved.secure;
      const password = smtpPassword ?? (sameServer ? await lb.secrets.get(SMTP_SECRET_KEY) : undefined);
      if (cfg.user && password === undefined) return { ok: false, message: 'type the SMTP password to test another server than the saved one' };
      return deps.testEmail(cfg, password);
    },

    setPassphrase: async ({ current, next, pin }) => {
      await guard(pin, 'changing the passphrase');
      await agent.changePassphrase(current, next);
      // The desktop app keeps the passphrase in the OS keychain to open the repository unattended: keep it current.
      if ((await lb.secrets.get(PASSPHRASE_SECRET)) !== undefined) await lb.secrets.set(PASSPHRASE_SECRET, next);
      return { ok: true as const };
    },

    setPin: async ({ current, next }) => {
      if (!deps.pin) throw new ApiError({ code: 'failed', message: 'no PIN store in this build' });
      await deps.pin.set(current, next);
      return { ok: true as const };
    },

    pause: async ({ minutes, pin }) => {
      // A short pause (maintenance, a big import) is for anyone; a long or open-ended one is an admin's call.
      if (minutes === undefined || minutes > 60) await guard(pin, minutes === undefined ? 'pausing protection until resumed' : 'pausing protection for more than an hour');
      agent.pause(minutes);
      return { ok: true as const };
    },

    resume: async () => {
      agent.resume();
      return { ok: true as const };
    },
  };
}
