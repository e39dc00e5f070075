// Step f: deep verify (every chunk read back and checked) of a one-snapshot repository and, for the main
// suite, of every snapshot the earlier steps left, against restic check --read-data.
import { BIN, NODE, log, runsFor } from '../lib/config.ts';
import { secs } from '../lib/format.ts';
import { run, runOk, settle } from '../lib/proc.ts';
import { lb, lbEnv } from '../lib/lifeboat-cli.ts';
import { resticEnv } from '../lib/restic-peer.ts';
import type { Suite } from './suite.ts';

export interface FResult { all?: { ms: number; snapshots: number; ok: boolean }; single: number[]; restic?: number; resticSnapshots?: number }

/** Runs step f on s.single (step a's first repository) and, for the main suite, on s.ctx and s.resticRepo. */
export async function stepF(s: Suite): Promise<FResult> {
  log(`${s.name}: f. deep verify`);
  const single: number[] = [];
  for (let i = 0; ; i++) {
    settle();
    const r = await lb(s.single!, ['verify', '--all', '--deep', '--json']);
    single.push(r.ms);
    if (single.length >= runsFor(single[0]!)) break;
  }
  log(`  one snapshot: ${single.map(secs).join(', ')}`);
  const res: FResult = { single };
  if (s.main) {
    settle();
    const r = await run(NODE, [BIN, '--data-dir', s.ctx!.dataDir, 'verify', '--all', '--deep', '--json'], { env: lbEnv(s.ctx!) });
    const rep = JSON.parse(r.stdout) as { ok: boolean; snapshots: unknown[] };
    res.all = { ms: r.ms, snapshots: rep.snapshots.length, ok: rep.ok && r.code === 0 };
    log(`  all ${rep.snapshots.length} snapshots of the main repository: ${secs(r.ms)} (ok: ${res.all.ok})`);
    settle();
    const c = await runOk('restic', ['-r', s.resticRepo!, 'check', '--read-data'], { env: resticEnv() });
    const snaps = await runOk('restic', ['-r', s.resticRepo!, 'snapshots', '--json'], { env: resticEnv() });
    res.restic = c.ms;
    res.resticSnapshots = (JSON.parse(snaps.stdout) as unknown[]).length;
    log(`  restic check --read-data (${res.resticSnapshots} snapshots): ${secs(c.ms)}`);
  }
  return res;
}
