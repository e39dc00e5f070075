// Step d: snapshots of a database that did not change (right after a write, and once the write is 3 s old),
// against restic backing up the same unchanged file.
import { FORCED_RUNS, log } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { touchOneRow } from '../lib/office.ts';
import { sleep } from '../lib/proc.ts';
import { lbBackup, type Snap } from '../lib/lifeboat-cli.ts';
import { resticBackup, type Restic } from '../lib/restic-peer.ts';
import type { Suite } from './suite.ts';

export interface DResult {
  hot: Array<{ oneRow: Snap; unchanged: Snap; resticOneRow?: Restic; resticUnchanged?: Restic }>;
  primer: Snap;
  cold: Snap[];
  resticCold: Restic[];
}

/** Runs step d on the suite's repository (s.ctx). */
export async function stepD(s: Suite): Promise<DResult> {
  log(`${s.name}: d. unchanged database (right after a write, and after waiting 3 s)`);
  const ctx = s.ctx!;
  const hot: DResult['hot'] = [];
  for (let i = 0; i < (FORCED_RUNS ?? 3); i++) {
    touchOneRow(s.db, `bench hot write ${i} at ${new Date().toISOString()}`);
    const oneRow = await lbBackup(ctx, true);
    const unchanged = await lbBackup(ctx, true);
    const r: DResult['hot'][number] = { oneRow, unchanged };
    if (s.main && s.resticRepo) {
      r.resticOneRow = await resticBackup(s.resticRepo, s.db);
      r.resticUnchanged = await resticBackup(s.resticRepo, s.db);
    }
    hot.push(r);
    log(`  right after a write: one row changed ${secs(oneRow.ms)} +${bytes(oneRow.duAdded)}; then unchanged ${secs(unchanged.ms)} +${bytes(unchanged.duAdded)} (reused: ${unchanged.reused})` +
      (r.resticOneRow ? `; restic ${secs(r.resticOneRow.ms)} / ${secs(r.resticUnchanged!.ms)}` : ''));
  }
  await sleep(3000);
  // The newest snapshot started less than 2 s after the last write, so the engine cannot trust the
  // fingerprint yet: this first one reads everything again; the ones after it can reuse.
  const primer = await lbBackup(ctx, true);
  log(`  3 s after the write, first snapshot: ${secs(primer.ms)} +${bytes(primer.duAdded)} (reused: ${primer.reused})`);
  const cold: Snap[] = [];
  const resticCold: Restic[] = [];
  for (let i = 0; i < (FORCED_RUNS ?? 3); i++) {
    cold.push(await lbBackup(ctx, true));
    if (s.main && s.resticRepo) resticCold.push(await resticBackup(s.resticRepo, s.db));
    log(`  unchanged: lifeboat ${secs(cold.at(-1)!.ms)} (engine ${secs(cold.at(-1)!.engineMs)}) +${bytes(cold.at(-1)!.duAdded)} (reused: ${cold.at(-1)!.reused})` +
      (resticCold.length ? `; restic ${secs(resticCold.at(-1)!.ms)} +${bytes(resticCold.at(-1)!.duAdded)}` : ''));
  }
  return { hot, primer, cold, resticCold };
}
