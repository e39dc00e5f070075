// Lifeboat through its CLI, one process per command, as an admin would run it: a data dir per
// configuration, `backup --json` timed around the whole process (start-up included).
import fs from 'node:fs';
import path from 'node:path';
import { Repository } from '../../src-main/core/repository/repository.ts';
import type { Manifest } from '../../src-main/core/repository/manifest.ts';
import { DEFAULT_CHUNK_SIZE } from '../../src-main/core/repository/repo-config.ts';
import { BIN, NODE } from './config.ts';
import { duBytes, fileBytes, runOk, settle, type RunResult } from './proc.ts';

export interface LbCtx { dataDir: string; passphrase: string | null; chunkSize: number }

export interface Snap {
  ms: number; cpuMs: number; engineMs: number; id: string; size: number; bytesAdded: number; chunks: number; newChunks: number;
  duAdded: number; fileBytesAdded: number; reused?: boolean; warnings: string[];
}

/** The bench's environment without any Lifeboat variable of the caller's, plus the suite's passphrase. */
export function lbEnv(ctx: LbCtx): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LIFEBOAT_PASSPHRASE;
  delete env.LIFEBOAT_DATA_DIR;
  delete env.LIFEBOAT_DEBUG;
  if (ctx.passphrase) env.LIFEBOAT_PASSPHRASE = ctx.passphrase;
  return env;
}

/** Runs `lifeboat --data-dir D ARGS`; throws with its stderr unless it exits 0. */
export function lb(ctx: LbCtx, args: string[], timeoutMs = 60 * 60_000): Promise<RunResult> {
  return runOk(NODE, [BIN, '--data-dir', ctx.dataDir, ...args], { env: lbEnv(ctx), timeoutMs });
}

export const repoDir = (ctx: LbCtx): string => path.join(ctx.dataDir, 'repository');

/** A fresh data dir with the source `office` = db. The CLI creates a default repository itself on first backup. */
export async function newLb(dataDir: string, db: string, chunkSize: number, passphrase: string | null): Promise<LbCtx> {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const ctx: LbCtx = { dataDir, passphrase, chunkSize };
  // The CLI always creates 64 KiB repositories; other chunk sizes need the repository made first (not timed).
  if (chunkSize !== DEFAULT_CHUNK_SIZE) await Repository.init(repoDir(ctx), { chunkSize, passphrase });
  await lb(ctx, ['source', 'add', '--name', 'office', '--sqlite', db, '--json']);
  return ctx;
}

/** One timed `lifeboat backup --source office`; with `inspect`, also whether it reused the previous snapshot. */
export async function lbBackup(ctx: LbCtx, inspect = false): Promise<Snap> {
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
