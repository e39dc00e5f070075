// Step c: a snapshot after 1% of the invoices changed (at random, or the most recent ones), held against
// what a perfect incremental would store: the changed pages, compressed with zstd -3.
import fs from 'node:fs';
import path from 'node:path';
import { CHUNK_SIZES, C_RUNS, EDIT_FRACTION, WORK, log } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { diffPages, editInvoices, pageHashes, type EditResult, type PageDiff } from '../lib/office.ts';
import { runOk } from '../lib/proc.ts';
import { lbBackup, type Snap } from '../lib/lifeboat-cli.ts';
import { resticBackup, type Restic } from '../lib/restic-peer.ts';
import type { Suite } from './suite.ts';

export interface CRun { edit: EditResult; diff: PageDiff & { changedZstd: number; zstdMs: number }; lb: Snap; restic?: Restic }

/** Seed of the `i`-th edit of each pattern: the same in every suite, so each suite's copy gets the very same edits. */
export const editSeed = (pattern: 'random' | 'recent', i: number): number => (pattern === 'random' ? 1000 : 2000) + i;

/** Runs step c C_RUNS times on the suite's repository (s.ctx), which grows by one snapshot per run. */
export async function stepC(s: Suite, pattern: 'random' | 'recent'): Promise<CRun[]> {
  log(`${s.name}: c. after changing ${EDIT_FRACTION * 100}% of the invoices (${pattern === 'random' ? 'chosen at random' : 'the most recent ones'})`);
  const ctx = s.ctx!;
  const out: CRun[] = [];
  for (let i = 0; i < C_RUNS; i++) {
    const before = pageHashes(s.db);
    const edit = editInvoices(s.db, EDIT_FRACTION, pattern, editSeed(pattern, i));
    const changed = path.join(WORK, 'changed-pages.bin');
    const d = diffPages(before, s.db, changed, CHUNK_SIZES);
    const z = await runOk('zstd', ['-3', '-q', '-f', changed, '-o', `${changed}.zst`]);
    const diff = { ...d, changedZstd: fs.statSync(`${changed}.zst`).size, zstdMs: z.ms };
    const snap = await lbBackup(ctx);
    const restic = s.main && s.resticRepo ? await resticBackup(s.resticRepo, s.db) : undefined;
    out.push({ edit, diff, lb: snap, ...(restic ? { restic } : {}) });
    log(`  run ${i + 1}: ${edit.invoices} invoices + ${edit.lines} lines changed -> ${d.changedPages} of ${d.pagesAfter} pages (${bytes(diff.changedZstd)} zstd -3); ` +
      `lifeboat ${secs(snap.ms)}, +${bytes(snap.duAdded)} (${snap.newChunks} of ${snap.chunks} chunks new)` +
      (restic ? `; restic ${secs(restic.ms)}, +${bytes(restic.duAdded)}` : ''));
  }
  return out;
}
