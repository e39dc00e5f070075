import fs from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError } from '../errors.ts';
import type { Repository } from '../repository/repository.ts';
import { packPath, type PackRecord } from '../repository/pack-writer.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';

export interface GcReport { packsRemoved: number; bytesFreed: number; packsKept: number; unusedBytesKept: number; indexFilesReplaced: number }

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

  // Rebuild the pack table from the index files themselves (the in-memory map keeps one location per blob).
  const indexFiles = await repo.listIndexFiles();
  const packs = new Map<string, PackRecord>();
  for (const name of indexFiles) for (const p of await repo.readIndexFile(name)) packs.set(p.id, p);

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
  // Packs on disk that no index names: left by a backup that crashed before writing its index.
  const orphans: string[] = [];
  for (const sub of await fs.readdir(path.join(repo.dir, 'packs')).catch(() => [] as string[])) {
    for (const name of await fs.readdir(path.join(repo.dir, 'packs', sub)).catch(() => [] as string[])) {
      if (!packs.has(name)) orphans.push(name);
    }
  }

  let bytesFreed = 0;
  for (const id of [...drop, ...orphans]) bytesFreed += (await fs.stat(packPath(repo.dir, id)).catch(() => ({ size: 0 }))).size;
  const report: GcReport = { packsRemoved: drop.length + orphans.length, bytesFreed, packsKept: keep.length, unusedBytesKept, indexFilesReplaced: drop.length ? indexFiles.length : 0 };
  if (opts.dryRun) return report;

  if (drop.length) {
    const fresh = await repo.writeIndex(keep);
    for (const name of indexFiles) if (name !== fresh?.name) await fs.rm(path.join(repo.dir, 'index', name), { force: true });
  }
  for (const id of [...drop, ...orphans]) await fs.rm(packPath(repo.dir, id), { force: true });
  // Temp files in the repository belong to runs that died (we hold the exclusive lock).
  for (const name of await fs.readdir(path.join(repo.dir, 'tmp')).catch(() => [] as string[])) await fs.rm(path.join(repo.dir, 'tmp', name), { force: true, recursive: true });
  return report;
}
