import { parseArgs } from 'node:util';
import { LifeboatError } from '../core/errors.ts';
import type { Lifeboat } from '../core/lifeboat.ts';
import type { SyncReport } from '../core/offsite/offsite-sync.ts';
import type { Command } from './commands.ts';
import { restoreFrom } from '../core/offsite/restore-from.ts';
import { age, bytes, table } from './format.ts';
import { readStdin } from './stdin.ts';

/** `lifeboat target add NAME URL [...] | list | test NAME | remove NAME | verify NAME [--deep]` */
export const targetCmd: Command = async (lb, args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {
    key: { type: 'string' }, 'password-env': { type: 'string' }, 'password-stdin': { type: 'boolean' }, bandwidth: { type: 'string' }, 'rclone-config': { type: 'string' }, deep: { type: 'boolean' },
  } });
  const [sub = 'list', name, url] = positionals;
  const needName = () => {
    if (!name) throw new LifeboatError('bad-input', `target ${sub} needs the target's name (see "lifeboat target list")`);
    return name;
  };
  if (sub === 'add') {
    if (!name || !url) throw new LifeboatError('bad-input', 'usage: target add NAME URL [--key FILE] [--password-env VAR | --password-stdin] [--bandwidth 2MB/s[@08:00-18:00]]');
    const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
    const t = await lb.offsite.add({ name, url, keyFile: values.key, passwordEnv: values['password-env'], password, bandwidth: values.bandwidth, rcloneConfig: values['rclone-config'] });
    if (io.json) io.out(JSON.stringify(t));
    else io.out(`added target ${t.name} (${t.url})${t.storedSecret ? '; its password is in the secret store' : ''}. Check it with "lifeboat target test ${t.name}"`);
    return 0;
  }
  if (sub === 'list') {
    const rows = lb.offsite.targets().map((t) => ({ ...t, ...lb.offsite.outbox.facts(t.name) }));
    if (io.json) io.out(JSON.stringify(rows));
    else io.out(rows.length ? table([['NAME', 'URL', 'WAITING', 'LAST COPY', 'STATE'], ...rows.map((r) => [r.name, r.url, String(r.backlogCount), r.lastSuccessAt ? age(r.lastSuccessAt) : 'never', r.permanentError ? `STOPPED: ${r.permanentError.message}` : r.lastError && (!r.lastSuccessAt || r.lastError.time > r.lastSuccessAt) ? `retrying: ${r.lastError.message}` : 'ok'])]) : 'no targets: add one with "lifeboat target add NAME URL"');
    return 0;
  }
  if (sub === 'test') {
    const r = await lb.offsite.test(needName());
    if (io.json) io.out(JSON.stringify(r));
    else {
      for (const s of r.steps) io.out(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(11)} ${s.detail} (${s.ms} ms)`);
      io.out(r.ok ? `target ${name} works` : `target ${name} does not work: ${r.steps.find((s) => !s.ok)?.detail ?? ''}`);
    }
    return r.ok ? 0 : 1;
  }
  if (sub === 'remove') {
    const r = await lb.offsite.remove(needName());
    if (io.json) io.out(JSON.stringify(r));
    else io.out(`removed target ${name}; ${r.dropped} waiting upload(s) dropped. The copies already on it were left alone.`);
    return 0;
  }
  if (sub === 'verify') {
    const report = await lb.offsite.verify(needName(), { deep: values.deep });
    if (io.json) io.out(JSON.stringify(report));
    else {
      for (const v of report.snapshots) io.out(`${v.ok ? 'ok     ' : 'DAMAGED'} ${v.id} ${v.source} ${v.time}${v.ok ? '' : `\n        ${v.problems.join('\n        ')}`}`);
      io.out(report.ok ? `${report.level} verify of ${name}: all ${report.snapshots.length} snapshot(s) ok` : `${report.level} verify of ${name}: ${report.snapshots.filter((v) => !v.ok).length} of ${report.snapshots.length} snapshot(s) damaged`);
    }
    return report.ok ? 0 : 1;
  }
  throw new LifeboatError('bad-input', `unknown command "target ${sub}": use target add, list, test, remove or verify`);
};

/** `lifeboat sync [NAME]`: sends what waits now (ignoring backoff and an earlier stop); exit 1 unless all arrived. */
export const syncCmd: Command = async (lb, args, io) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (lb.offsite.targets().length === 0) throw new LifeboatError('bad-input', 'no targets: add one with "lifeboat target add NAME URL"');
  let last = 0;
  const reports = await lb.offsite.sync({
    name: positionals[0], force: true,
    onProgress: io.json || !process.stderr.isTTY ? undefined : (p) => {
      if (Date.now() - last < 250) return;
      last = Date.now();
      process.stderr.write(`\r${p.target} ${p.snapshot} ${bytes(p.bytes)} of ${bytes(p.totalBytes)}\x1b[K`);
    },
  });
  if (!io.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (io.json) io.out(JSON.stringify(reports));
  else for (const r of reports) io.out(describe(r));
  return reports.every((r) => r.state === 'done' && r.remaining === 0) ? 0 : 1;
};

function describe(r: SyncReport): string {
  const parts = [`${r.target}: ${r.sent.length} snapshot(s) sent (${bytes(r.bytesSent)}${r.packsResumed ? `, ${r.packsResumed} pack(s) already there` : ''}${r.bytesResumed ? `, ${bytes(r.bytesResumed)} resumed` : ''})`];
  if (r.dropped.length) parts.push(`${r.dropped.length} not needed`);
  if (r.removedRemote.length) parts.push(`${r.removedRemote.length} old snapshot(s) removed there`);
  if (r.state === 'done') parts.push('up to date');
  else if (r.state === 'retrying') parts.push(`${r.remaining} waiting; will try again (${r.error})`);
  else if (r.state === 'stopped') parts.push(`STOPPED, needs attention: ${r.error}`);
  else parts.push(`${r.remaining} waiting (${r.state})`);
  return parts.join('; ');
}

/** `restore --from NAME|URL`: the password from --password-env, then the engine's restoreFrom. */
export async function restoreFromCmd(lb: Lifeboat, from: string, o: { ref: string; source?: string; to?: string; yes?: boolean; keyFile?: string; passwordEnv?: string }) {
  let password: string | undefined;
  if (o.passwordEnv) {
    password = process.env[o.passwordEnv];
    if (!password) throw new LifeboatError('bad-input', `the environment variable ${o.passwordEnv} is not set`);
  }
  return restoreFrom(lb, from, { ref: o.ref, source: o.source, to: o.to, overwrite: o.yes, keyFile: o.keyFile, password });
}

