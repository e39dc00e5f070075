import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import type { PackRecord } from '../repository/pack-writer.ts';
import { FileTarget } from '../targets/file-target.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';
import { readPackTrailer } from './repair-index.ts';

export interface GcReport { packsRemoved: number; bytesFreed: number; packsKept: number; unusedBytesKept: number; indexFilesReplaced: number; packsReindexed: number; missingChunks: number }

/**
 * Removes packs that no remaining snapshot needs. Call with the repository's EXCLUSIVE lock held, after
 * deleting manifests: then no backup is writing and every pack not named by an index is debris of a crash.
 *
 * Crash safety, in this order: (1) a new index naming exactly the packs kept is written durably; (2) the
 * old index files are removed; (3) only then are packs removed. A crash between any two steps leaves every
 * snapshot readable; the next run finishes the job. If any manifest cannot be read, nothing is removed:
 * a chunk is deleted only when we can prove no snapshot needs it. `ignoreSnapshots` (for a dry run) are
 * treated as already deleted.
 */
export async function collectGarbage(repo: Repository, opts: { dryRun: boolean; ignoreSnapshots?: ReadonlySet<string> }): Promise<GcReport> {
  const { damaged } = await repo.loadIndex();
  if (damaged.length) throw new LifeboatError('corrupt', `index file(s) ${damaged.join(', ')} are damaged; run "lifeboat repair --index" before pruning`);
  // Rebuild the pack table from the index files themselves (the in-memory map keeps one location per blob).
  const indexFiles = await repo.listIndexFiles();
  const packs = new Map<string, PackRecord>();
  for (const name of indexFiles) for (const p of await repo.readIndexFile(name)) packs.set(p.id, p);

  // Packs on disk that no index names: usually left by a backup that crashed before writing its index, but
  // possibly good data whose index was lost. Their own trailers say what they hold; those blobs are made
  // readable (in memory) before the snapshots are walked, and a pack holding anything in use is kept and
  // indexed again, never deleted.
  const unindexed: PackRecord[] = [];
  const packSizes = new Map<string, number>();
  for (const { name, size } of await repo.target.list('pack')) {
    packSizes.set(name, size);
    if (packs.has(name)) continue;
    const blobs = await readPackTrailer(repo, name).catch(() => undefined);
    if (blobs) unindexed.push({ id: name, blobs }); // an unreadable trailer: cannot prove it is unused, so it stays
  }
  repo.addToIndex(unindexed);

  const used = new Set<string>();
  for (const id of await repo.listSnapshotIds()) {
    if (opts.ignoreSnapshots?.has(id)) continue; // a dry run previews the removal of these
    const m = await repo.loadManifest(id).catch((err: unknown) => {
      throw new LifeboatError('corrupt', `cannot read snapshot ${id} (${(err as Error).message}); nothing was removed. Run "lifeboat verify --all"`);
    });
    for (const f of m.files) {
      for (const [c] of f.chunks ?? []) used.add(c);
      for (const l of f.lists ?? []) {
        used.add(l);
        for (const [c] of decodeChunkList(await repo.readBlob(l), `chunk list ${l.slice(0, 12)}`)) used.add(c);
      }
    }
  }

  const keep: PackRecord[] = [];
  const drop: string[] = [];
  let unusedBytesKept = 0;
  for (const p of packs.values()) {
    const usedBlobs = p.blobs.filter((b) => used.has(b[0]));
    if (usedBlobs.length === 0) drop.push(p.id);
    else {
      keep.push(p);
      unusedBytesKept += p.blobs.filter((b) => !used.has(b[0])).reduce((n, b) => n + b[3], 0);
    }
  }
  const orphans: string[] = [];
  const adopted: PackRecord[] = [];
  for (const p of unindexed) {
    if (p.blobs.some((b) => used.has(b[0]))) adopted.push(p);
    else orphans.push(p.id);
  }
  keep.push(...adopted);
  // Chunks snapshots use that no pack holds: damage that prune cannot cause or mend; reported, not hidden.
  const kept = new Set<string>();
  for (const p of keep) for (const b of p.blobs) kept.add(b[0]);
  const missingChunks = [...used].filter((c) => !kept.has(c)).length;

  let bytesFreed = 0;
  for (const id of [...drop, ...orphans]) bytesFreed += packSizes.get(id) ?? 0;
  const report: GcReport = { packsRemoved: drop.length + orphans.length, bytesFreed, packsKept: keep.length, unusedBytesKept, indexFilesReplaced: drop.length || adopted.length ? indexFiles.length : 0, packsReindexed: adopted.length, missingChunks };
  if (opts.dryRun) return report;

  if (drop.length || adopted.length) {
    const fresh = await repo.writeIndex(keep);
    // Each removal is durable before the next (the folder target fsyncs the folder): the old index files
    // must be gone for good before the packs they name are deleted (exFAT, power cuts).
    for (const name of indexFiles) if (name !== fresh?.name) await repo.target.remove({ kind: 'index', name });
  }
  for (const id of [...drop, ...orphans]) await repo.target.remove({ kind: 'pack', name: id });
  // Temp files in a local repository belong to runs that died (we hold the exclusive lock).
  if (repo.target instanceof FileTarget) {
    for (const name of await fs.readdir(path.join(repo.dir, 'tmp')).catch(() => [] as string[])) await fs.rm(path.join(repo.dir, 'tmp', name), { force: true, recursive: true });
  }
  return report;
}
