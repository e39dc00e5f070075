// Step b: snapshots while an application writes to the database (WAL or rollback-journal mode), with the
// writer's stalls as the cost to the office, against sqlite3 .backup and restic under the same writer.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { checkOfficeInvariant } from '../../src-main/core/sources/demo-office-db.ts';
import { startOfficeWriter, type OfficeWriter, type OfficeWriterStats } from '../../tests/helpers/office-writer-process.ts';
import { WORK, WRITER_RATE, log } from '../lib/config.ts';
import { bytes, secs } from '../lib/format.ts';
import { copyDb } from '../lib/office.ts';
import { sleep } from '../lib/proc.ts';
import { lb, lbBackup, newLb, type Snap } from '../lib/lifeboat-cli.ts';
import { peerBackup, type Peer } from '../lib/admin-peer.ts';
import { resticBackup, resticInit, type Restic } from '../lib/restic-peer.ts';

const writers = new Set<OfficeWriter>();

/** Stops any writer still running (a step that threw half-way). Safe to call at any time. */
export async function stopWriters(): Promise<void> {
  for (const w of writers) await w.stop().catch(() => undefined);
}

async function withWriter<T>(db: string, journal: 'wal' | 'delete', fn: () => Promise<T>): Promise<{ value: T; writer: OfficeWriterStats; ms: number }> {
  const w = await startOfficeWriter(db, { rate: WRITER_RATE, journal });
  writers.add(w);
  const t0 = performance.now();
  try {
    await sleep(1000);
    const value = await fn();
    await sleep(500);
    return { value, writer: await w.stop(), ms: performance.now() - t0 };
  } finally {
    writers.delete(w);
    await w.stop().catch(() => undefined);
  }
}

export interface BResult {
  journal: 'wal' | 'delete';
  baseline: OfficeWriterStats & { seconds: number };
  first: { lb: Snap; writer: OfficeWriterStats; restoredOk: boolean; invariant: string };
  second: { lb: Snap; writer: OfficeWriterStats };
  peer: { result: Peer; writer: OfficeWriterStats };
  restic: { result: Restic; writer: OfficeWriterStats };
}

/** Runs step b on a fresh copy of db0 in `journal` mode; `aMs` (step a's median) sets how long the writer runs alone. */
export async function stepB(db0: string, journal: 'wal' | 'delete', aMs: number): Promise<BResult> {
  log(`b. snapshots under a continuous writer (${WRITER_RATE} tx/s), ${journal === 'wal' ? 'WAL' : 'rollback-journal (DELETE)'} mode`);
  const db = path.join(WORK, `b-${journal}.db`);
  copyDb(db0, db, journal);
  // The writer on its own, for as long as a snapshot takes: its stalls without any backup.
  const alone = await withWriter(db, journal, () => sleep(Math.min(Math.max(aMs, 3000), 30_000)));
  const baseline = { ...alone.writer, seconds: Math.round(alone.ms / 100) / 10 };
  log(`  writer alone for ${baseline.seconds} s: ${baseline.transactions} tx, longest stall ${baseline.maxStallMs} ms, ${baseline.errors} errors`);

  const ctx = await newLb(path.join(WORK, `b-${journal}-lb`), db, DEFAULT_CHUNK_SIZE, null);
  const first = await withWriter(db, journal, () => lbBackup(ctx));
  log(`  lifeboat first snapshot: ${secs(first.value.ms)}; writer: ${first.writer.transactions} tx, longest stall ${first.writer.maxStallMs} ms, ${first.writer.errors} errors`);
  const second = await withWriter(db, journal, () => lbBackup(ctx));
  log(`  lifeboat next snapshot: ${secs(second.value.ms)} +${bytes(second.value.duAdded)}; writer: longest stall ${second.writer.maxStallMs} ms, ${second.writer.errors} errors`);

  // Is what was snapshotted under the writer a consistent database? Restore the first one and check it.
  const restored = path.join(WORK, `b-${journal}-restored.db`);
  fs.rmSync(restored, { force: true });
  await lb(ctx, ['restore', first.value.id, '--to', restored, '--yes', '--json']);
  const inv = checkOfficeInvariant(restored);
  fs.rmSync(restored, { force: true });
  log(`  restored first snapshot: integrity ${inv.integrity}, ${inv.invoices} invoices, ${inv.badInvoices} without exactly 3 lines`);

  const peerTimeout = Math.max(30_000, 3 * first.value.ms);
  const peer = await withWriter(db, journal, () => peerBackup(db, path.join(WORK, `b-${journal}-peer.db`), peerTimeout));
  log(`  sqlite3 .backup + zstd: ${peer.value.finished ? secs(peer.value.ms) : `did not finish (${peer.value.note})`}; writer: longest stall ${peer.writer.maxStallMs} ms`);
  const repo = path.join(WORK, `restic-b-${journal}`);
  await resticInit(repo);
  const restic = await withWriter(db, journal, () => resticBackup(repo, db));
  log(`  restic (copies the main file as it is: not a consistent snapshot): ${secs(restic.value.ms)}; writer: longest stall ${restic.writer.maxStallMs} ms`);
  for (const d of [ctx.dataDir, repo]) fs.rmSync(d, { recursive: true, force: true });
  for (const f of ['', '-wal', '-shm', '-journal']) fs.rmSync(db + f, { force: true });
  fs.rmSync(path.join(WORK, `b-${journal}-peer.db`), { force: true });
  fs.rmSync(path.join(WORK, `b-${journal}-peer.db.zst`), { force: true });
  return {
    journal, baseline,
    first: { lb: first.value, writer: first.writer, restoredOk: inv.ok, invariant: `${inv.integrity}; ${inv.invoices} invoices; ${inv.badInvoices} bad` },
    second: { lb: second.value, writer: second.writer },
    peer: { result: peer.value, writer: peer.writer },
    restic: { result: restic.value, writer: restic.writer },
  };
}
