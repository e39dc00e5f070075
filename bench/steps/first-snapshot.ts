// Step a: the first snapshot of the database into a fresh repository, beside sqlite3 .backup + zstd -3 and
// a first restic backup (main suite).
import fs from 'node:fs';
import path from 'node:path';
import { WORK, log, runsFor } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { copyDb } from '../lib/office.ts';
import { lbBackup, newLb, type Snap } from '../lib/lifeboat-cli.ts';
import { peerBackup, type Peer } from '../lib/admin-peer.ts';
import { resticBackup, resticInit, type Restic } from '../lib/restic-peer.ts';
import type { Suite } from './suite.ts';

export interface ARun { lb: Snap; peer?: Peer; restic?: Restic }

/**
 * Runs step a (3 times, or once for a slow one). Leaves s.single (the first run's repository, one snapshot,
 * for step f) and s.ctx (the last run's, which the later steps go on with), and for the main suite s.resticRepo.
 */
export async function stepA(s: Suite, db0: string): Promise<ARun[]> {
  log(`${s.name}: a. first snapshot into a fresh repository`);
  const runs: ARun[] = [];
  for (let i = 0; ; i++) {
    copyDb(db0, s.db);
    const ctx = await newLb(path.join(WORK, `${s.name}-a${i}`), s.db, s.chunkSize, s.passphrase);
    const one: ARun = { lb: await lbBackup(ctx) };
    if (s.main) {
      one.peer = await peerBackup(s.db, path.join(WORK, 'peer-copy.db'));
      const repo = path.join(WORK, `restic-a${i}`);
      await resticInit(repo);
      one.restic = await resticBackup(repo, s.db);
      if (s.resticRepo) fs.rmSync(s.resticRepo, { recursive: true, force: true });
      s.resticRepo = repo;
    }
    runs.push(one);
    log(`  run ${i + 1}: lifeboat ${secs(one.lb.ms)} (engine ${secs(one.lb.engineMs)}), ${bytes(one.lb.duAdded)}` +
      (one.peer ? `; sqlite3+zstd ${secs(one.peer.ms)}, ${bytes(one.peer.bytes ?? NaN)}` : '') +
      (one.restic ? `; restic ${secs(one.restic.ms)}, ${bytes(one.restic.duAdded)}` : ''));
    // Keep the first run's repository (one snapshot, for step f) and the last one's (it goes on); drop the rest.
    if (i === 0) s.single = ctx;
    else if (s.ctx && s.ctx !== s.single) fs.rmSync(s.ctx.dataDir, { recursive: true, force: true });
    s.ctx = ctx;
    const slowest = Math.max(one.lb.ms, one.peer?.ms ?? 0, one.restic?.ms ?? 0);
    if (runs.length >= runsFor(i === 0 ? slowest : runs[0]!.lb.ms)) break;
  }
  return runs;
}
