import { parseArgs } from 'node:util';
import { LifeboatError } from '../core/errors.ts';
import { findVolumes } from '../core/drives/drive-finder.ts';
import { copyToDrive } from '../core/drives/drive-copier.ts';
import { driveContext } from '../core/drives/drive-service.ts';
import type { Command } from './commands.ts';
import { age, bytes, table } from './format.ts';

/** `lifeboat drive list | adopt PATH | forget ID | copy [PATH]` */
export const driveCmd: Command = async (lb, args, io) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  const [sub = 'list', arg] = positionals;
  const ctx = await driveContext(lb);
  if (sub === 'list') {
    const drives = await ctx.registry.list(await findVolumes(ctx.finder));
    if (io.json) io.out(JSON.stringify(drives));
    else io.out(drives.length ? table([['ID', 'LABEL', 'MOUNT', 'STATE', 'FREE', 'LAST COPY'], ...drives.map((d) => [d.id?.slice(0, 8) ?? '-', d.label || '-', d.mount ?? '-', `${d.present ? 'present' : 'away'}${d.ours ? '' : ', not adopted'}`, d.free === null ? '-' : bytes(d.free), d.lastCopy ? `${d.lastCopy.result === 'ok' ? 'ok' : d.lastCopy.result.toUpperCase()} ${age(d.lastCopy.time)}` : 'never'])]) : 'no drives seen: plug one in, then "lifeboat drive adopt /media/..."');
    return 0;
  }
  if (sub === 'adopt') {
    if (!arg) throw new LifeboatError('bad-input', 'drive adopt needs the drive\'s mount point, e.g. drive adopt /media/office/BACKUP1');
    const rec = await ctx.registry.adopt(arg, { policy: ctx.policy });
    if (io.json) io.out(JSON.stringify(rec));
    else io.out(`adopted drive ${rec.label || rec.id} (${rec.id.slice(0, 8)}): Lifeboat copies to it whenever it is plugged in`);
    return 0;
  }
  if (sub === 'forget') {
    if (!arg) throw new LifeboatError('bad-input', 'drive forget needs the drive id (see "lifeboat drive list")');
    const rec = await ctx.registry.forget(arg);
    if (io.json) io.out(JSON.stringify(rec));
    else io.out(`forgot drive ${rec.label || rec.id}: its copies stay on it, but Lifeboat no longer writes to it`);
    return 0;
  }
  if (sub === 'copy') {
    const present = await ctx.registry.ours(await findVolumes(ctx.finder));
    const targets = arg ? [{ mount: arg }] : present.map((p) => ({ mount: p.volume.mount, label: p.record.label }));
    if (targets.length === 0) throw new LifeboatError('not-found', 'no adopted drive is plugged in (see "lifeboat drive list")');
    let failed = 0;
    const results = [];
    for (const t of targets) {
      const r = await copyToDrive(lb, t, ctx.policy, (e) => {
        if (!io.json && e.type === 'safe-to-remove') io.out(`${e.drive.label || e.drive.mount}: ${e.copied.length} snapshot(s) copied and verified, ${bytes(e.bytes)}: safe to remove`);
      }, { registry: ctx.registry, timeZone: ctx.timeZone });
      results.push(r);
      if (!r.ok) {
        failed++;
        io.err(`lifeboat: ${r.error?.message ?? 'copy to the drive failed'}`);
      }
    }
    if (io.json) io.out(JSON.stringify(results));
    return failed ? 1 : 0;
  }
  throw new LifeboatError('bad-input', `unknown command "drive ${sub}": use drive list, adopt, forget or copy`);
};
