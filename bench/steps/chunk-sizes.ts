// Step h: the chunk sizes side by side, from the unencrypted suites' steps a and c (nothing is run here).
import { bytes, kib, median, printTable, ratio, secs, x, type Row } from '../lib/format.ts';
import type { Suite, SuiteResult } from './suite.ts';

export type ChunkSizeRow = Record<string, number>;

/** One row per unencrypted suite, smallest chunk size first, and the printed table. */
export function chunkSizes(suites: Suite[], perSuite: Record<string, SuiteResult>): { data: ChunkSizeRow[]; table: string } {
  const data: ChunkSizeRow[] = [];
  for (const s of suites.filter((s1) => !s1.passphrase)) {
    const r = perSuite[s.name]!;
    const m = (xs: number[]): number => median(xs);
    data.push({
      chunkSize: s.chunkSize,
      aMs: m(r.a.map((a) => a.lb.ms)), aCpuMs: m(r.a.map((a) => a.lb.cpuMs)), aRepoBytes: m(r.a.map((a) => a.lb.duAdded)),
      randomMs: m(r.c.random.map((c) => c.lb.ms)), randomBytes: m(r.c.random.map((c) => c.lb.duAdded)),
      randomChunksTouched: m(r.c.random.map((c) => c.diff.changedChunks[String(s.chunkSize)] ?? NaN)), randomChangedZstd: m(r.c.random.map((c) => c.diff.changedZstd)),
      recentMs: m(r.c.recent.map((c) => c.lb.ms)), recentBytes: m(r.c.recent.map((c) => c.lb.duAdded)),
      recentChunksTouched: m(r.c.recent.map((c) => c.diff.changedChunks[String(s.chunkSize)] ?? NaN)), recentChangedZstd: m(r.c.recent.map((c) => c.diff.changedZstd)),
    });
  }
  data.sort((p, q) => p.chunkSize! - q.chunkSize!);
  type CsRow = [string, string, string, string];
  const rows: CsRow[] = data.map((e) => [kib(e.chunkSize!), `${secs(e.aMs!)} (cpu ${secs(e.aCpuMs!)}); repo ${bytes(e.aRepoBytes!)}`,
    `${secs(e.randomMs!)}; +${bytes(e.randomBytes!)} = ${x(ratio(e.randomBytes!, e.randomChangedZstd!))}; ${e.randomChunksTouched} chunks touched`,
    `${secs(e.recentMs!)}; +${bytes(e.recentBytes!)} = ${x(ratio(e.recentBytes!, e.recentChangedZstd!))}; ${e.recentChunksTouched} chunks touched`]);
  const table = printTable(rows as unknown as Row[], ['chunk size', 'a: first snapshot', 'c random 1%: time; bytes added = x changed pages zstd', 'c recent 1%: time; bytes added = x changed pages zstd'] as unknown as Row);
  return { data, table };
}
