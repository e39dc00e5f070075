// Step e: restore of the latest snapshot to a file, against zstd -d + quick_check of the admin's copy and
// restic restore (main suite).
import fs from 'node:fs';
import path from 'node:path';
import { WORK, log, runsFor } from '../lib/config.ts';
import { secs } from '../lib/format.ts';
import { runOk, settle } from '../lib/proc.ts';
import { lb } from '../lib/lifeboat-cli.ts';
import { peerRestore, type Peer } from '../lib/admin-peer.ts';
import { resticEnv } from '../lib/restic-peer.ts';
import type { Suite } from './suite.ts';

export interface ERun { lb: number; lbCpu: number; peer?: Peer; restic?: number; resticCpu?: number }

/** Runs step e on the suite's repository (s.ctx); the main suite needs step a's peer copy and restic repository. */
export async function stepE(s: Suite): Promise<ERun[]> {
  log(`${s.name}: e. restore latest to a file`);
  const ctx = s.ctx!;
  const target = path.join(WORK, 'restored.db');
  const out: ERun[] = [];
  for (let i = 0; ; i++) {
    for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
    settle();
    const r = await lb(ctx, ['restore', 'latest', '--source', 'office', '--to', target, '--yes', '--json']);
    const one: ERun = { lb: r.ms, lbCpu: r.cpuMs };
    if (s.main) {
      one.peer = await peerRestore(path.join(WORK, 'peer-copy.db.zst'), path.join(WORK, 'peer-restored.db'));
      const dir = path.join(WORK, 'restic-restored');
      fs.rmSync(dir, { recursive: true, force: true });
      settle();
      const rr = await runOk('restic', ['-r', s.resticRepo!, 'restore', 'latest', '--target', dir], { env: resticEnv() });
      one.restic = rr.ms;
      one.resticCpu = rr.cpuMs;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    out.push(one);
    log(`  run ${i + 1}: lifeboat ${secs(one.lb)}` + (one.peer ? `; zstd -d + quick_check ${secs(one.peer.ms)}; restic ${secs(one.restic!)}` : ''));
    if (out.length >= runsFor(Math.max(one.lb, one.peer?.ms ?? 0, one.restic ?? 0))) break;
  }
  fs.rmSync(target, { force: true });
  return out;
}
