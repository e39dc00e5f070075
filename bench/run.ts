// Lifeboat's benchmark: `npm run bench` (BENCH_MB=50 for a quick run). Measures the real CLI, one process
// per command, side by side with what a careful admin would do by hand (sqlite3 .backup + zstd) and with
// restic, prints a table with ratios against the goals, and writes bench/results/latest.json.
//
// Environment:
//   BENCH_MB=500          size of the office database (built once, cached in bench/.cache/)
//   BENCH_RUNS=N          force N runs of every repeated step (default: 3, or 1 for steps over BENCH_LONG_S)
//   BENCH_LONG_S=30       a step slower than this runs once
//   BENCH_SKIP=a,b        skip parts: rollback, encrypted, chunks, phases, profile
//   BENCH_KEEP=1          keep the work folder (bench/.cache/run-*) for inspection
//
// Honesty rules: nothing here is hard-coded; every time is performance.now() around whole commands
// (process start included); the page cache cannot be dropped here, so every number is warm-cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Repository } from '../src-main/core/repository/repository.ts';
import type { Manifest } from '../src-main/core/repository/manifest.ts';
import { DEFAULT_CHUNK_SIZE } from '../src-main/core/repository/repo-config.ts';
import { checkOfficeInvariant } from '../src-main/core/sources/demo-office-db.ts';
import { startOfficeWriter, type OfficeWriter, type OfficeWriterStats } from '../tests/helpers/office-writer-process.ts';
import { LOADS, duBytes, fileBytes, machineInfo, requireTools, run, runOk, settle, sleep, type RunResult } from './lib/proc.ts';
import { cachedOfficeDb, copyDb, diffPages, editInvoices, pageHashes, touchOneRow, type EditResult, type PageDiff } from './lib/office.ts';
import { measurePhases } from './lib/phases.ts';
import { summarizeProfile } from './lib/cpuprofile.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'lifeboat.js');
const NODE = process.execPath;
const CACHE = path.join(ROOT, 'bench', '.cache');
const RESULTS = path.join(ROOT, 'bench', 'results');
const MB = Number(process.env.BENCH_MB ?? 500);
const FORCED_RUNS = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;
const LONG_MS = Number(process.env.BENCH_LONG_S ?? 30) * 1000;
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const KEEP = process.env.BENCH_KEEP === '1';
const CHUNK_SIZES = [16 * 1024, 64 * 1024, 256 * 1024];
const C_RUNS = FORCED_RUNS ?? 3;
const PASSPHRASE = 'bench passphrase, not a secret';
const WRITER_RATE = 20;
const EDIT_FRACTION = 0.01;

if (!(MB > 0)) throw new Error('BENCH_MB must be a positive number of MiB');
const WORK = path.join(CACHE, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const T0 = performance.now();
const log = (s: string): void => { console.log(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(5)} s] ${s}`); };

// ---- small helpers ------------------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const secs = (ms: number): string => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`) : '-');
const bytes = (n: number): string => {
  if (!Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (a >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (a >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
};
const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);
const x = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');
const ok = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
const kib = (cs: number): string => `${cs / 1024} KiB`;

/** How many runs a step gets, given its first run's time. */
const runsFor = (firstMs: number): number => FORCED_RUNS ?? (firstMs < LONG_MS ? 3 : 1);

// ---- Lifeboat through its CLI -------------------------------------------------------------------------------

interface LbCtx { dataDir: string; passphrase: string | null; chunkSize: number }

interface Snap {
  ms: number; cpuMs: number; engineMs: number; id: string; size: number; bytesAdded: number; chunks: number; newChunks: number;
  duAdded: number; fileBytesAdded: number; reused?: boolean; warnings: string[];
}

function lbEnv(ctx: LbCtx): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LIFEBOAT_PASSPHRASE;
  delete env.LIFEBOAT_DATA_DIR;
  delete env.LIFEBOAT_DEBUG;
  if (ctx.passphrase) env.LIFEBOAT_PASSPHRASE = ctx.passphrase;
  return env;
}

function lb(ctx: LbCtx, args: string[], timeoutMs = 60 * 60_000): Promise<RunResult> {
  return runOk(NODE, [BIN, '--data-dir', ctx.dataDir, ...args], { env: lbEnv(ctx), timeoutMs });
}

const repoDir = (ctx: LbCtx): string => path.join(ctx.dataDir, 'repository');

/** A fresh data dir with the source `office` = db. The CLI creates a default repository itself on first backup. */
async function newLb(dataDir: string, db: string, chunkSize: number, passphrase: string | null): Promise<LbCtx> {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const ctx: LbCtx = { dataDir, passphrase, chunkSize };
  // The CLI always creates 64 KiB repositories; other chunk sizes need the repository made first (not timed).
  if (chunkSize !== DEFAULT_CHUNK_SIZE) await Repository.init(repoDir(ctx), { chunkSize, passphrase });
  await lb(ctx, ['source', 'add', '--name', 'office', '--sqlite', db, '--json']);
  return ctx;
}

async function lbBackup(ctx: LbCtx, inspect = false): Promise<Snap> {
  const du0 = duBytes(repoDir(ctx));
  const f0 = fileBytes(repoDir(ctx));
  settle();
  const r = await lb(ctx, ['backup', '--source', 'office', '--json']);
  const [m] = JSON.parse(r.stdout) as Array<{ id: string; size: number; bytesAdded: number; chunks: number; newChunks: number; durationMs: number; warnings: string[] }>;
  if (!m) throw new Error(`lifeboat backup printed no snapshot: ${r.stdout}`);
  const snap: Snap = {
    ms: r.ms, cpuMs: r.cpuMs, engineMs: m.durationMs, id: m.id, size: m.size, bytesAdded: m.bytesAdded, chunks: m.chunks, newChunks: m.newChunks,
    duAdded: duBytes(repoDir(ctx)) - du0, fileBytesAdded: fileBytes(repoDir(ctx)) - f0, warnings: m.warnings,
  };
  if (inspect) {
    // A snapshot that reused the previous one's content (unchanged source) carries the previous one's file
    // entries, whose mtime is the previous snapshot's time. Read through the engine, outside the timing.
    const repo = await Repository.open(repoDir(ctx), async () => ctx.passphrase ?? '');
    const man: Manifest = await repo.loadManifest(m.id);
    snap.reused = man.files[0]?.mtime !== man.time;
  }
  return snap;
}

// ---- peers ----------------------------------------------------------------------------------------------------

interface Peer { ms: number; cpuMs?: number; parts: Record<string, number>; bytes?: number; finished?: boolean; note?: string }

const resticEnv = (): NodeJS.ProcessEnv => ({ ...process.env, RESTIC_PASSWORD: 'x', RESTIC_CACHE_DIR: path.join(WORK, 'restic-cache') });

async function resticInit(repo: string): Promise<void> {
  fs.rmSync(repo, { recursive: true, force: true });
  await runOk('restic', ['init', '--repo', repo], { env: resticEnv() });
}

interface Restic { ms: number; cpuMs: number; duAdded: number; dataAdded?: number; finished?: boolean }

async function resticBackup(repo: string, file: string, timeoutMs = 60 * 60_000): Promise<Restic> {
  const du0 = duBytes(repo);
  settle();
  const r = await run('restic', ['-r', repo, 'backup', file, '--json', '--host', 'bench'], { env: resticEnv(), timeoutMs });
  if (r.timedOut) return { ms: r.ms, cpuMs: r.cpuMs, duAdded: duBytes(repo) - du0, finished: false };
  if (r.code !== 0) throw new Error(`restic backup failed: ${r.stderr.trim().slice(0, 1000)}`);
  const summary = r.stdout.trim().split('\n').map((l) => { try { return JSON.parse(l) as { message_type?: string; data_added?: number }; } catch { return {}; } })
    .find((o) => o.message_type === 'summary');
  return { ms: r.ms, cpuMs: r.cpuMs, duAdded: duBytes(repo) - du0, dataAdded: summary?.data_added, finished: true };
}

/** sqlite3 ".backup COPY" then zstd -3 of the copy: what a careful admin would script by hand. */
async function peerBackup(db: string, copy: string, timeoutMs?: number): Promise<Peer> {
  for (const f of [copy, `${copy}.zst`]) fs.rmSync(f, { force: true });
  settle();
  const b = await run('sqlite3', [db, `.backup ${copy}`], { timeoutMs });
  if (b.timedOut) return { ms: b.ms, parts: { 'sqlite3 .backup': b.ms }, finished: false, note: `killed after ${secs(b.ms)}` };
  if (b.code !== 0) {
    // Under a writer the sqlite3 shell can give up (rollback mode: "database is locked"): that is a result.
    if (timeoutMs !== undefined) return { ms: b.ms, parts: { 'sqlite3 .backup': b.ms }, finished: false, note: `failed after ${secs(b.ms)}: ${b.stderr.trim().split('\n')[0]}` };
    throw new Error(`sqlite3 .backup failed: ${b.stderr}`);
  }
  const z = await runOk('zstd', ['-3', '-q', '-f', copy, '-o', `${copy}.zst`]);
  return { ms: b.ms + z.ms, cpuMs: b.cpuMs + z.cpuMs, parts: { 'sqlite3 .backup': b.ms, 'zstd -3': z.ms }, bytes: fs.statSync(`${copy}.zst`).size, finished: true };
}

/** zstd -d of the compressed copy, then PRAGMA quick_check. */
async function peerRestore(zst: string, out: string): Promise<Peer> {
  fs.rmSync(out, { force: true });
  settle();
  const d = await runOk('zstd', ['-d', '-q', '-f', zst, '-o', out]);
  const q = await runOk('sqlite3', [out, 'PRAGMA quick_check']);
  if (q.stdout.trim() !== 'ok') throw new Error(`quick_check of the peer's restored copy: ${q.stdout.trim().slice(0, 300)}`);
  return { ms: d.ms + q.ms, cpuMs: d.cpuMs + q.cpuMs, parts: { 'zstd -d': d.ms, 'sqlite3 quick_check': q.ms } };
}

// ---- the suites -----------------------------------------------------------------------------------------------

interface Suite {
  name: string;
  chunkSize: number;
  passphrase: string | null;
  /** The main suite also runs the peers and steps b, d, e, f in full. */
  main: boolean;
  steps: Set<'a' | 'c' | 'd' | 'e' | 'f'>;
  db: string;
  ctx?: LbCtx;
  single?: LbCtx;
  resticRepo?: string;
}

interface ARun { lb: Snap; peer?: Peer; restic?: Restic }
interface CRun { edit: EditResult; diff: PageDiff & { changedZstd: number; zstdMs: number }; lb: Snap; restic?: Restic }

async function stepA(s: Suite, db0: string): Promise<ARun[]> {
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

async function stepC(s: Suite, pattern: 'random' | 'recent'): Promise<CRun[]> {
  log(`${s.name}: c. after changing ${EDIT_FRACTION * 100}% of the invoices (${pattern === 'random' ? 'chosen at random' : 'the most recent ones'})`);
  const ctx = s.ctx!;
  const out: CRun[] = [];
  for (let i = 0; i < C_RUNS; i++) {
    const before = pageHashes(s.db);
    // The same seeds in every suite: each suite's copy goes through the very same edits.
    const edit = editInvoices(s.db, EDIT_FRACTION, pattern, (pattern === 'random' ? 1000 : 2000) + i);
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

interface DResult {
  hot: Array<{ oneRow: Snap; unchanged: Snap; resticOneRow?: Restic; resticUnchanged?: Restic }>;
  primer: Snap;
  cold: Snap[];
  resticCold: Restic[];
}

async function stepD(s: Suite): Promise<DResult> {
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

interface ERun { lb: number; lbCpu: number; peer?: Peer; restic?: number; resticCpu?: number }

async function stepE(s: Suite): Promise<ERun[]> {
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

interface FResult { all?: { ms: number; snapshots: number; ok: boolean }; single: number[]; restic?: number; resticSnapshots?: number }

async function stepF(s: Suite): Promise<FResult> {
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

// ---- step b: under a continuous writer -------------------------------------------------------------------------

const writers = new Set<OfficeWriter>();

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

interface BResult {
  journal: 'wal' | 'delete';
  baseline: OfficeWriterStats & { seconds: number };
  first: { lb: Snap; writer: OfficeWriterStats; restoredOk: boolean; invariant: string };
  second: { lb: Snap; writer: OfficeWriterStats };
  peer: { result: Peer; writer: OfficeWriterStats };
  restic: { result: Restic; writer: OfficeWriterStats };
}

async function stepB(db0: string, journal: 'wal' | 'delete', aMs: number): Promise<BResult> {
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

// ---- CPU profiles of the CLI ----------------------------------------------------------------------------------

const STAGES = ['copySqliteConsistent', 'sqliteFacts', 'sqliteFactsInWorker', 'tableCounts', 'chunkFile', 'put', 'dispatch', 'store', 'id', 'encode', 'add', 'flush',
  'drain', 'storeRefs', 'writeIndex', 'saveManifest', 'loadIndex', 'rebuildFile', 'readBlob', 'checkBlob', 'decode', 'checkSqliteCopy', 'writeIntoLive'];

/** Runs the CLI under node --cpu-prof (one profile per thread) and summarises each thread's profile. */
async function profileCli(label: string, ctx: LbCtx, args: string[]): Promise<unknown> {
  const dir = path.join(RESULTS, 'profile', label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  settle();
  const r = await runOk(NODE, ['--cpu-prof', '--cpu-prof-dir', dir, BIN, '--data-dir', ctx.dataDir, ...args], { env: lbEnv(ctx) });
  // CPU.<date>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread, the others are workers.
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => Number(a.split('.')[4]) - Number(b.split('.')[4]));
  const threads = files.map((f) => ({ thread: Number(f.split('.')[4]) === 0 ? 'main' : `worker ${f.split('.')[4]}`, file: path.relative(ROOT, path.join(dir, f)), ...summarizeProfile(path.join(dir, f), STAGES) }));
  for (const t of threads) {
    const idle = t.self.find((e) => e.fn === '(idle)');
    log(`  ${label} ${t.thread}: profiled ${secs(t.totalMs)}, idle ${idle ? `${idle.pct}%` : '-'}; top: ${t.self.filter((e) => e.fn !== '(idle)').slice(0, 4).map((e) => `${e.fn} ${secs(e.ms)}`).join(', ')}`);
  }
  return { label, wallMs: r.ms, cpuMs: r.cpuMs, threads };
}

async function profiles(db0: string): Promise<unknown> {
  log('profiles: node --cpu-prof of the CLI (first snapshot, then restore)');
  const db = path.join(WORK, 'profile.db');
  copyDb(db0, db);
  const ctx = await newLb(path.join(WORK, 'profile-lb'), db, DEFAULT_CHUNK_SIZE, null);
  const out = [await profileCli('first-snapshot', ctx, ['backup', '--json'])];
  const target = path.join(WORK, 'profile-restored.db');
  out.push(await profileCli('restore', ctx, ['restore', 'latest', '--to', target, '--yes', '--json']));
  fs.rmSync(ctx.dataDir, { recursive: true, force: true });
  for (const f of [db, target]) fs.rmSync(f, { force: true });
  return out;
}

// ---- main -----------------------------------------------------------------------------------------------------

type Row = [step: string, n: string, lifeboat: string, reference: string, ratio: string, goal: string, restic: string];

function printTable(rows: Row[], header: Row): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: Row) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

/**
 * What a CLI command costs before the engine does anything: Node itself, Lifeboat's modules under type stripping,
 * an encrypted repository's scrypt, and (unless BENCH_SKIP=compiled) the same CLI compiled to JS with tsc.
 */
async function startupCosts(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const times = async (label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> => {
    await runOk(cmd, args, { env }); // first run creates what it needs (data dir, repository); not counted
    out[label] = [];
    out[`${label} (cpu)`] = [];
    for (let i = 0; i < 5; i++) {
      const r = await runOk(cmd, args, { env });
      out[label].push(r.ms);
      out[`${label} (cpu)`]!.push(r.cpuMs);
    }
  };
  await times('node -e 0', NODE, ['-e', '0']);
  const plain: LbCtx = { dataDir: path.join(WORK, 'startup-plain'), passphrase: null, chunkSize: DEFAULT_CHUNK_SIZE };
  await times('lifeboat status', NODE, [BIN, '--data-dir', plain.dataDir, 'status', '--json'], lbEnv(plain));
  const enc: LbCtx = { dataDir: path.join(WORK, 'startup-enc'), passphrase: PASSPHRASE, chunkSize: DEFAULT_CHUNK_SIZE };
  await times('lifeboat status, encrypted repository', NODE, [BIN, '--data-dir', enc.dataDir, 'status', '--json'], lbEnv(enc));
  if (!SKIP.has('compiled')) {
    const dist = path.join(CACHE, 'dist');
    fs.rmSync(dist, { recursive: true, force: true });
    // Type errors elsewhere in the tree do not stop tsc from emitting; only the CLI's own files matter here.
    await run(NODE, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', dist, '--noEmit', 'false', '--declaration', 'false', '--sourceMap', 'false']);
    const distBin = path.join(dist, 'lifeboat.js');
    if (fs.existsSync(path.join(dist, 'src-main', 'cli', 'main.js'))) {
      fs.writeFileSync(distBin, "const { main } = await import('./src-main/cli/main.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
      await times('lifeboat status, tsc-compiled JS', NODE, [distBin, '--data-dir', plain.dataDir, 'status', '--json'], lbEnv(plain));
    }
  }
  return out;
}

async function main(): Promise<void> {
  const tools = requireTools();
  fs.mkdirSync(WORK, { recursive: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const machine = machineInfo(WORK);
  // The engine is worked on while benches run: say exactly which code was measured.
  const head = (await run('git', ['-C', ROOT, 'log', '-1', '--format=%h %cI %s'])).stdout.trim();
  const dirty = (await run('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src-main', 'bin'])).stdout.trim().split('\n').filter(Boolean).length;
  const git = `${head}${dirty ? ` + ${dirty} uncommitted change(s) under src-main/ and bin/` : ''}`;
  const sqliteLib = (() => { const d = new Database(':memory:'); try { return d.prepare('select sqlite_version()').pluck().get() as string; } finally { d.close(); } })();
  console.log(`Lifeboat bench: ${MB} MiB office database; work folder ${path.relative(ROOT, WORK)}`);
  console.log(`machine: ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.memGiB} GiB RAM, ${machine.platform}, kernel ${machine.kernel}, ${machine.fs}`);
  console.log(`engine:  ${git}`);
  console.log(`tools:   node ${process.version}; better-sqlite3's SQLite ${sqliteLib}; ${tools.sqlite3.path} ${tools.sqlite3.version}; ${tools.zstd.version}; ${tools.restic.version}`);
  console.log('All numbers are warm-cache (the page cache cannot be dropped here); times are wall time of whole commands, process start included; medians of n runs.\n');

  const load0 = os.loadavg()[0] ?? 0;
  if (load0 > machine.nproc / 2) console.log(`WARNING: the machine is busy (load average ${load0.toFixed(1)} on ${machine.nproc} CPUs): wall times will be noisy; compare the cpu columns.\n`);
  const base = cachedOfficeDb(CACHE, MB, log);
  const db0 = path.join(WORK, 'base.db');
  copyDb(base.path, db0);
  const pages = fs.statSync(db0).size / 4096;

  const startup = await startupCosts();
  const nodeStart = startup['node -e 0']!;
  const cliStart = startup['lifeboat status']!;
  log(`process start: ${Object.entries(startup).map(([k, v]) => `${k} ${secs(median(v))}`).join(', ')}`);

  const suites: Suite[] = [
    { name: 'main (64 KiB, unencrypted)', chunkSize: 64 * 1024, passphrase: null, main: true, steps: new Set(['a', 'c', 'd', 'e', 'f']), db: path.join(WORK, 'main.db') },
  ];
  if (!SKIP.has('encrypted')) suites.push({ name: 'encrypted (64 KiB)', chunkSize: 64 * 1024, passphrase: PASSPHRASE, main: false, steps: new Set(['a', 'c', 'd', 'e', 'f']), db: path.join(WORK, 'enc.db') });
  if (!SKIP.has('chunks')) {
    for (const cs of CHUNK_SIZES.filter((c) => c !== DEFAULT_CHUNK_SIZE)) {
      suites.push({ name: `chunks ${kib(cs)} (unencrypted)`, chunkSize: cs, passphrase: null, main: false, steps: new Set(['a', 'c']), db: path.join(WORK, `cs${cs}.db`) });
    }
  }

  const out: Record<string, unknown> = {};
  const perSuite: Record<string, { a: ARun[]; c: { random: CRun[]; recent: CRun[] }; d?: DResult; e?: ERun[]; f?: FResult; chunkSize: number; encrypted: boolean }> = {};
  const b: BResult[] = [];
  let phases: unknown;
  let profile: unknown;

  try {
    for (const s of suites) {
      const a = await stepA(s, db0);
      const c = { random: await stepC(s, 'random'), recent: await stepC(s, 'recent') };
      const rec: (typeof perSuite)[string] = { a, c, chunkSize: s.chunkSize, encrypted: !!s.passphrase };
      if (s.steps.has('d')) rec.d = await stepD(s);
      if (s.steps.has('e')) rec.e = await stepE(s);
      if (s.steps.has('f')) rec.f = await stepF(s);
      perSuite[s.name] = rec;
      for (const d of [s.ctx?.dataDir, s.single?.dataDir, s.resticRepo]) if (d) fs.rmSync(d, { recursive: true, force: true });
      for (const f of ['', '-wal', '-shm']) fs.rmSync(s.db + f, { force: true });
      if (s.main) {
        const aMs = median(a.map((r) => r.lb.ms));
        b.push(await stepB(db0, 'wal', aMs));
        if (!SKIP.has('rollback')) b.push(await stepB(db0, 'delete', aMs));
        if (!SKIP.has('phases')) {
          log('phases: the stages of a first snapshot, each on its own (engine functions, in process)');
          phases = await measurePhases(db0, path.join(WORK, 'phases'), DEFAULT_CHUNK_SIZE, null);
          log(`  ${Object.entries((phases as { ms: Record<string, number> }).ms).map(([k, v]) => `${k}: ${k.startsWith('(') ? bytes(v) : secs(v)}`).join('; ')}`);
          if (!SKIP.has('encrypted')) {
            const pe = await measurePhases(db0, path.join(WORK, 'phases-enc'), DEFAULT_CHUNK_SIZE, PASSPHRASE);
            phases = { plain: phases, encrypted: pe };
            log(`  encrypted: ${Object.entries(pe.ms).map(([k, v]) => `${k}: ${k.startsWith('(') ? bytes(v) : secs(v)}`).join('; ')}`);
          }
        }
        if (!SKIP.has('profile')) profile = await profiles(db0);
      }
    }
  } finally {
    for (const w of writers) await w.stop().catch(() => undefined);
  }

  // ---- the table ----
  const rows: Row[] = [];
  const main = perSuite[suites[0]!.name]!;
  const peerA = median(main.a.map((r) => r.peer!.ms));
  const peerACpu = median(main.a.map((r) => r.peer!.cpuMs ?? NaN));
  const peerZ = median(main.a.map((r) => r.peer!.bytes!));
  const wc = (ms: number[], cpu: number[]): string => `${secs(median(ms))} (cpu ${secs(median(cpu))})`;
  const resticTxt = (rs: Array<Restic | undefined>, withCpu = false): string => {
    const v = rs.filter((r): r is Restic => !!r);
    if (!v.length) return '';
    return `${withCpu ? wc(v.map((r) => r.ms), v.map((r) => r.cpuMs)) : secs(median(v.map((r) => r.ms)))}, +${bytes(median(v.map((r) => r.duAdded)))}`;
  };
  const goals: Record<string, boolean> = {};
  const tagOf = (s: Suite): string => (s.main ? '' : ` [${s.name.replace(' (unencrypted)', '')}]`);

  for (const s of suites) {
    const r = perSuite[s.name]!;
    const aMed = median(r.a.map((a) => a.lb.ms));
    const aRatio = ratio(aMed, peerA);
    if (s.main) goals['a: first snapshot <= 1.0x sqlite3 .backup + zstd -3'] = aRatio <= 1.0;
    rows.push([`a first snapshot${tagOf(s)}`, String(r.a.length), `${wc(r.a.map((a) => a.lb.ms), r.a.map((a) => a.lb.cpuMs))}; repo ${bytes(median(r.a.map((a) => a.lb.duAdded)))}`,
      `sqlite3 .backup + zstd -3: ${secs(peerA)} (cpu ${secs(peerACpu)}); ${bytes(peerZ)}`, x(aRatio), `<= 1.0x ${ok(aRatio <= 1.0)}`, s.main ? resticTxt(r.a.map((a) => a.restic), true) : '']);
  }
  for (const br of b) {
    const mode = br.journal === 'wal' ? 'WAL' : 'rollback';
    const peerTxt = br.peer.result.finished ? `${secs(br.peer.result.ms)}, writer stall ${br.peer.writer.maxStallMs} ms` : `did not finish (${br.peer.result.note ?? ''})`;
    rows.push([`b under writer (${mode}): first snapshot`, '1', `${secs(br.first.lb.ms)}; writer max stall ${br.first.writer.maxStallMs} ms, ${br.first.writer.errors} errors; restored copy ${br.first.restoredOk ? 'consistent' : 'BAD'}`,
      `writer alone: max stall ${br.baseline.maxStallMs} ms; sqlite3 .backup: ${peerTxt}`, '', `finishes ${ok(br.first.restoredOk)}`,
      `${secs(br.restic.result.ms)} (not a consistent copy); writer stall ${br.restic.writer.maxStallMs} ms`]);
    rows.push([`b under writer (${mode}): next snapshot`, '1', `${secs(br.second.lb.ms)}, +${bytes(br.second.lb.duAdded)}; writer max stall ${br.second.writer.maxStallMs} ms, ${br.second.writer.errors} errors`, '', '', '', '']);
    goals[`b (${mode}): snapshot under a writer finishes and restores to a consistent database`] = br.first.restoredOk;
  }
  for (const s of suites) {
    const r = perSuite[s.name]!;
    const aMed = median(r.a.map((a) => a.lb.ms));
    for (const pattern of ['random', 'recent'] as const) {
      const runs = r.c[pattern];
      const t = median(runs.map((c) => c.lb.ms));
      const added = median(runs.map((c) => c.lb.duAdded));
      const zc = median(runs.map((c) => c.diff.changedZstd));
      const pagesChanged = median(runs.map((c) => c.diff.changedPages));
      const bRatio = ratio(added, zc);
      const tRatio = ratio(t, aMed);
      if (s.main) {
        goals[`c (${pattern}): bytes added <= 1.2x changed pages compressed`] = bRatio <= 1.2;
        goals[`c (${pattern}): time <= 0.5x first snapshot`] = tRatio <= 0.5;
      }
      rows.push([`c 1% ${pattern === 'random' ? 'random' : 'recent (clustered)'}${tagOf(s)}`, String(runs.length),
        `${wc(runs.map((c) => c.lb.ms), runs.map((c) => c.lb.cpuMs))}; +${bytes(added)} (${(100 * added / base.bytes).toFixed(2)}% of db)`,
        `${pagesChanged} pages changed (${(100 * pagesChanged / pages).toFixed(1)}%): ${bytes(zc)} zstd -3`,
        `bytes ${x(bRatio)}; time ${x(tRatio)} of a`, `bytes <= 1.2x ${ok(bRatio <= 1.2)}; time <= 0.5x ${ok(tRatio <= 0.5)}`,
        s.main ? resticTxt(runs.map((c) => c.restic)) : '']);
    }
  }
  for (const s of suites.filter((s1) => s1.steps.has('d'))) {
    const d = perSuite[s.name]!.d!;
    const tag = tagOf(s);
    rows.push([`d one row changed, right after the write${tag}`, String(d.hot.length), `${secs(median(d.hot.map((h) => h.oneRow.ms)))}; +${bytes(median(d.hot.map((h) => h.oneRow.duAdded)))}`, '', '', '',
      s.main ? resticTxt(d.hot.map((h) => h.resticOneRow)) : '']);
    rows.push([`d unchanged, right after a write${tag}`, String(d.hot.length), `${secs(median(d.hot.map((h) => h.unchanged.ms)))}; +${bytes(median(d.hot.map((h) => h.unchanged.duAdded)))}; reused ${d.hot.filter((h) => h.unchanged.reused).length}/${d.hot.length}`, '', '', '',
      s.main ? resticTxt(d.hot.map((h) => h.resticUnchanged)) : '']);
    rows.push([`d unchanged, 3 s after the write: 1st${tag}`, '1', `${secs(d.primer.ms)}; +${bytes(d.primer.duAdded)}; reused ${d.primer.reused ? 1 : 0}/1`, '', '', '', '']);
    const ct = median(d.cold.map((c) => c.ms));
    const cb = Math.max(median(d.cold.map((c) => c.duAdded)), median(d.cold.map((c) => c.bytesAdded)));
    if (s.main) goals['d: unchanged (3 s after the last write) < 1 s and < 64 KiB'] = ct < 1000 && cb < 65536;
    rows.push([`d unchanged, 3 s after the write: next${tag}`, String(d.cold.length), `${secs(ct)} (engine ${secs(median(d.cold.map((c) => c.engineMs)))}); +${bytes(cb)}; reused ${d.cold.filter((c) => c.reused).length}/${d.cold.length}`,
      `process start: node -e 0 ${secs(median(nodeStart))}, lifeboat status ${secs(median(cliStart))}${startup['lifeboat status, tsc-compiled JS'] ? ` (compiled JS ${secs(median(startup['lifeboat status, tsc-compiled JS']))})` : ''}`, '', `< 1 s ${ok(ct < 1000)}; < 64 KiB ${ok(cb < 65536)}`, s.main ? resticTxt(d.resticCold) : '']);
  }
  const peerE = median(main.e!.map((e) => e.peer!.ms));
  const peerECpu = median(main.e!.map((e) => e.peer!.cpuMs ?? NaN));
  for (const s of suites.filter((s1) => s1.steps.has('e'))) {
    const e = perSuite[s.name]!.e!;
    const t = median(e.map((r) => r.lb));
    const er = ratio(t, peerE);
    if (s.main) goals['e: restore <= 1.5x zstd -d + quick_check'] = er <= 1.5;
    rows.push([`e restore latest to a file${tagOf(s)}`, String(e.length), wc(e.map((r) => r.lb), e.map((r) => r.lbCpu)), `zstd -d + quick_check: ${secs(peerE)} (cpu ${secs(peerECpu)})`, x(er), `<= 1.5x ${ok(er <= 1.5)}`,
      s.main ? wc(e.map((r) => r.restic!), e.map((r) => r.resticCpu!)) : '']);
  }
  for (const s of suites.filter((s1) => s1.steps.has('f'))) {
    const f = perSuite[s.name]!.f!;
    rows.push([`f deep verify, 1 snapshot${tagOf(s)}`, String(f.single.length), secs(median(f.single)), '', '', '', '']);
    if (f.all) {
      rows.push([`f deep verify, all ${f.all.snapshots} snapshots${tagOf(s)}`, '1', `${secs(f.all.ms)} (${secs(f.all.ms / f.all.snapshots)} per snapshot); ok ${f.all.ok}`, '', '', '',
        `check --read-data, ${f.resticSnapshots} snapshots: ${secs(f.restic!)}`]);
    }
  }

  const table = printTable(rows, ['step', 'n', 'Lifeboat: wall (cpu); bytes', 'reference', 'ratio', 'goal', 'restic: wall; repo growth']);

  // ---- chunk-size comparison (step h) ----
  const csData: Array<Record<string, number>> = [];
  for (const s of suites.filter((s1) => !s1.passphrase)) {
    const r = perSuite[s.name]!;
    const m = (xs: number[]): number => median(xs);
    csData.push({
      chunkSize: s.chunkSize,
      aMs: m(r.a.map((a) => a.lb.ms)), aCpuMs: m(r.a.map((a) => a.lb.cpuMs)), aRepoBytes: m(r.a.map((a) => a.lb.duAdded)),
      randomMs: m(r.c.random.map((c) => c.lb.ms)), randomBytes: m(r.c.random.map((c) => c.lb.duAdded)),
      randomChunksTouched: m(r.c.random.map((c) => c.diff.changedChunks[String(s.chunkSize)] ?? NaN)), randomChangedZstd: m(r.c.random.map((c) => c.diff.changedZstd)),
      recentMs: m(r.c.recent.map((c) => c.lb.ms)), recentBytes: m(r.c.recent.map((c) => c.lb.duAdded)),
      recentChunksTouched: m(r.c.recent.map((c) => c.diff.changedChunks[String(s.chunkSize)] ?? NaN)), recentChangedZstd: m(r.c.recent.map((c) => c.diff.changedZstd)),
    });
  }
  csData.sort((p, q) => p.chunkSize! - q.chunkSize!);
  type CsRow = [string, string, string, string];
  const csRows: CsRow[] = csData.map((e) => [kib(e.chunkSize!), `${secs(e.aMs!)} (cpu ${secs(e.aCpuMs!)}); repo ${bytes(e.aRepoBytes!)}`,
    `${secs(e.randomMs!)}; +${bytes(e.randomBytes!)} = ${x(ratio(e.randomBytes!, e.randomChangedZstd!))}; ${e.randomChunksTouched} chunks touched`,
    `${secs(e.recentMs!)}; +${bytes(e.recentBytes!)} = ${x(ratio(e.recentBytes!, e.recentChangedZstd!))}; ${e.recentChunksTouched} chunks touched`]);
  const csTable = printTable(csRows as unknown as Row[], ['chunk size', 'a: first snapshot', 'c random 1%: time; bytes added = x changed pages zstd', 'c recent 1%: time; bytes added = x changed pages zstd'] as unknown as Row);

  const loads = [...LOADS].sort((p, q) => p - q);
  const loadTxt = `load average during the run: min ${loads[0]?.toFixed(1)}, median ${median(loads).toFixed(1)}, max ${loads.at(-1)?.toFixed(1)} on ${machine.nproc} CPUs`;
  const dbLine = `database: ${bytes(base.bytes)} (${base.bytes} bytes, ${pages} pages of 4 KiB), ${base.invoices} invoices, zstd -3 ratio ${(base.bytes / peerZ).toFixed(2)}x; ` +
    `${base.cached ? 'cached' : `built in ${secs(base.buildMs ?? NaN)}`}`;
  console.log(`\nengine: ${git}\n${dbLine}\n${loadTxt}\n`);
  console.log(table);
  console.log(`\nchunk size (step h; unencrypted; c = median over ${C_RUNS} edits of each kind; "chunks touched" = chunk-aligned spans holding a changed page):\n`);
  console.log(csTable);
  console.log('\ngoals (main suite):');
  for (const [g, p] of Object.entries(goals)) console.log(`  ${ok(p)}  ${g}`);
  console.log('\nnotes: warm page cache throughout. Times are medians of n runs of whole commands, process start included; cpu = user+sys of the command and its threads. ' +
    'restic always encrypts and compresses (repository v2, compression auto) and uses every core; the main Lifeboat rows are unencrypted, the [encrypted] rows ran with ' +
    'LIFEBOAT_PASSPHRASE set. zstd CLI is single-threaded (-T1 default). Repository growth is du -sb before/after (directories included).');

  Object.assign(out, {
    when: new Date().toISOString(), mb: MB, warmCache: true, machine, tools: { ...tools, betterSqlite3Sqlite: sqliteLib },
    db: { ...base, pages, zstdBytes: peerZ }, processStart: startup,
    git, loads: { min: loads[0], median: median(loads), max: loads.at(-1), samples: loads.length },
    suites: perSuite, b, chunkSizes: csData, phases, profile, goals, table, chunkTable: csTable,
    totalSeconds: Math.round((performance.now() - T0) / 1000),
  });
  const json = JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v), 2);
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), json + '\n');
  fs.writeFileSync(path.join(RESULTS, `latest-${MB}MiB.json`), json + '\n');
  console.log(`\nwrote ${path.relative(ROOT, path.join(RESULTS, 'latest.json'))} (${Math.round((performance.now() - T0) / 1000)} s in all)`);
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  if (process.env.BENCH_DEBUG) console.error((err as Error).stack);
  process.exitCode = 1;
} finally {
  if (!KEEP) fs.rmSync(WORK, { recursive: true, force: true });
  else console.log(`kept ${WORK}`);
}
