import { parseArgs } from 'node:util';
import { LifeboatError } from '../core/errors.ts';
import { saveSettings } from '../core/settings/settings-store.ts';
import { effectiveJobs, setJobCron, setJobEnabled, settingsTimeZone } from '../core/settings/schedule-settings.ts';
import { cronSchedule } from '../core/schedule/cron-schedule.ts';
import { powerSourceFromUrl, splitUpsPassword, upsSecretKey } from '../core/power/power-source-url.ts';
import type { Command } from './commands.ts';
import { table } from './format.ts';

/** `lifeboat schedule list | set JOB CRON | enable JOB | disable JOB` */
export const scheduleCmd: Command = async (lb, args, io) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  const [sub = 'list', id, ...rest] = positionals;
  const s = lb.settings;
  if (sub === 'set') {
    if (!id || rest.length === 0) throw new LifeboatError('bad-input', 'schedule set needs a job and a cron expression, e.g. schedule set backup "*/10 * * * *"');
    setJobCron(s, id, rest.join(' '));
  } else if (sub === 'enable' || sub === 'disable') {
    if (!id) throw new LifeboatError('bad-input', `schedule ${sub} needs a job name`);
    setJobEnabled(s, id, sub === 'enable');
  } else if (sub !== 'list') {
    throw new LifeboatError('bad-input', `unknown command "schedule ${sub}": use schedule list, set, enable or disable`);
  }
  if (sub !== 'list') await saveSettings(lb.dataDir, s);
  const tz = settingsTimeZone(s);
  const rows = effectiveJobs(s).map((j) => {
    const c = cronSchedule(j.cron, tz, new Date());
    return { id: j.id, cron: j.cron, enabled: j.enabled, human: c.ok ? c.human : c.error, next: c.ok && j.enabled ? c.next.map((d) => d.toISOString()) : [], description: j.description, timeZone: tz };
  });
  const shown = sub === 'list' ? rows : rows.filter((r) => r.id === id);
  if (io.json) io.out(JSON.stringify(shown));
  else io.out(table([['JOB', 'WHEN', 'CRON', 'NEXT'], ...shown.map((r) => [r.id, r.enabled ? r.human : 'disabled', r.cron, r.next[0] ? new Date(r.next[0]).toLocaleString('en-GB', { timeZone: tz }) : '-'])]));
  return 0;
};

/** Hides a password in a UPS address for display. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** `lifeboat ups add URL | list | remove URL` */
export const upsCmd: Command = async (lb, args, io) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  const [sub = 'list', url] = positionals;
  const s = lb.settings;
  const list = s.ups ?? [];
  if (sub === 'add') {
    if (!url) throw new LifeboatError('bad-input', 'ups add needs an address: nut://[USER[:PASS]@]HOST[:PORT]/UPSNAME or apcupsd://HOST[:PORT]');
    const name = powerSourceFromUrl(url).name; // validates, connects to nothing
    if (list.some((u) => powerSourceFromUrl(u).name === name)) throw new LifeboatError('exists', `${name} is already watched`);
    // The password goes to the secret store; settings.json keeps the address without it.
    const { url: stored, password } = splitUpsPassword(url);
    if (password !== undefined) await lb.secrets.set(upsSecretKey(stored), password);
    s.ups = [...list, stored];
  } else if (sub === 'remove') {
    if (!url) throw new LifeboatError('bad-input', 'ups remove needs the address (as shown by ups list)');
    const keep = list.filter((u) => u !== url && maskUrl(u) !== url && powerSourceFromUrl(u).name !== url);
    if (keep.length === list.length) throw new LifeboatError('not-found', `no UPS ${url} (see "lifeboat ups list")`);
    for (const gone of list.filter((u) => !keep.includes(u))) await lb.secrets.delete(upsSecretKey(gone));
    s.ups = keep;
  } else if (sub !== 'list') {
    throw new LifeboatError('bad-input', `unknown command "ups ${sub}": use ups add, list or remove`);
  }
  if (sub !== 'list') await saveSettings(lb.dataDir, s);
  const shown = (s.ups ?? []).map((u) => ({ url: maskUrl(u), name: powerSourceFromUrl(u).name }));
  if (io.json) io.out(JSON.stringify(shown));
  else io.out(shown.length ? shown.map((u) => u.url).join('\n') : 'no UPS configured: add one with "lifeboat ups add nut://HOST/UPSNAME"');
  return 0;
};
