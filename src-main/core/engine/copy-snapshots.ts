import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { LifeboatError, explainFsError } from '../errors.ts';
import { Repository } from '../repository/repository.ts';
import { CONFIG_FILE, DIRS, readConfig } from '../repository/repo-config.ts';
import { HOW_TO_RESTORE } from '../repository/how-to-restore.ts';
import { packPath, type PackRecord } from '../repository/pack-writer.ts';
import { decodeChunkList } from '../repository/chunk-list.ts';
import { acquireLock } from '../locks/process-lock.ts';
import { fsyncDir, writeFileDurable } from '../util/durable-file.ts';
import { scratchName, removeDeadScratch } from '../util/scratch-files.ts';

export interface CopyReport { copied: string[]; alreadyThere: string[]; packsCopied: number; bytesCopied: number; verifiedBytes: number; /** Packs written and read back (checked against their SHA-256 names) by this call. */ packs: string[] }

/**
 * Copies snapshots from `src` into the repository folder `destDir` (a USB drive, a network folder), creating
 * it as a twin of `src` (same id and key: nothing is re-encrypted) if it does not exist. Order: missing packs
 * (each read back and checked against its SHA-256 name), then an index naming them, then the manifests; a
 * drive pulled at any moment leaves the destination consistent, and the next call completes the copy.
 * Refuses a destination that holds a different repository.
 */
export async function copySnapshots(src: Repository, destDir: string, ids: string[], opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<CopyReport> {
  await ensureTwin(src, destDir);
  // The twin shares the source's key, so it opens with the keys already in hand.
  const dest = src.keys ? await Repository.openWithKeys(destDir, src.keys) : await Repository.open(destDir, async () => '');
  const lock = await acquireLock(path.join(destDir, 'locks'), { name: 'repo', kind: 'shared', purpose: 'copy of snapshots', waitMs: 10 * 60_000 });
  const report: CopyReport = { copied: [], alreadyThere: [], packsCopied: 0, bytesCopied: 0, verifiedBytes: 0, packs: [] };
  try {
    await removeDeadScratch(path.join(destDir, 'tmp'));
    await src.loadIndex();
    await dest.loadIndex();
    const present = new Set(await dest.listSnapshotIds());
    const todo = ids.filter((id) => (present.has(id) ? (report.alreadyThere.push(id), false) : true));

    // Which packs hold what the snapshots need and the destination lacks.
    const packs = new Set<string>();
    for (const id of todo) {
      const m = await src.loadManifest(id);
      for (const f of m.files) {
        const need = [...(f.chunks ?? []).map((c) => c[0]), ...(f.lists ?? [])];
        for (const l of f.lists ?? []) for (const [c] of decodeChunkList(await src.readBlob(l), `chunk list ${l.slice(0, 12)}`)) need.push(c);
        for (const c of need) {
          if (dest.index.has(c)) continue;
          const loc = src.index.get(c);
          if (!loc) throw new LifeboatError('corrupt', `snapshot ${id} needs chunk ${c.slice(0, 12)}, which the local repository lacks: run "lifeboat verify"`);
          packs.add(loc.pack);
        }
      }
    }

    const records = await packRecords(src, packs);
    const total = [...packs].length;
    let done = 0;
    for (const id of packs) {
      const bytes = await copyPack(src.dir, destDir, id);
      report.bytesCopied += bytes;
      report.verifiedBytes += bytes;
      report.packsCopied++;
      report.packs.push(id);
      opts.onProgress?.(++done, total);
    }
    await dest.writeIndex(records);
    for (const id of todo) {
      const raw = await fs.readFile(src.snapshotPath(id));
      await writeFileDurable(dest.snapshotPath(id), raw, path.join(destDir, 'tmp')).catch((err: unknown) => { throw explainFsError(err, destDir); });
      // Read the manifest back from the destination: it must decode and name itself.
      await dest.loadManifest(id);
      report.copied.push(id);
    }
    return report;
  } finally {
    await src.closeFiles();
    await dest.closeFiles();
    await lock.release();
  }
}

async function ensureTwin(src: Repository, destDir: string): Promise<void> {
  const existing = await readConfig(destDir).catch(() => undefined);
  if (existing) {
    if (existing.id !== src.config.id) throw new LifeboatError('exists', `${destDir} holds a different Lifeboat repository (id ${existing.id}); not writing into it`);
    return;
  }
  try {
    // Not recursive: if the drive is gone, its mount point's parent may still exist, and a whole repository
    // must not quietly land on the system disk instead. The folder's parent (the drive) must be there.
    await fs.mkdir(destDir).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LifeboatError('not-found', `${path.dirname(destDir)} is not there (drive removed?)`);
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
    for (const d of DIRS) await fs.mkdir(path.join(destDir, d), { recursive: true });
    await writeFileDurable(path.join(destDir, 'HOW-TO-RESTORE.txt'), Buffer.from(HOW_TO_RESTORE));
    await writeFileDurable(path.join(destDir, CONFIG_FILE), Buffer.from(JSON.stringify(src.config, null, 2) + '\n'));
  } catch (err) {
    throw explainFsError(err, destDir);
  }
}

/** The full blob lists of `packs`, from the source's index files (a destination index must name every blob of a pack it holds). */
async function packRecords(src: Repository, packs: Set<string>): Promise<PackRecord[]> {
  const out = new Map<string, PackRecord>();
  for (const name of await src.listIndexFiles()) {
    for (const p of await src.readIndexFile(name)) if (packs.has(p.id) && !out.has(p.id)) out.set(p.id, p);
  }
  return [...out.values()];
}

/** Copies one pack by temp file, fsync, read-back check of its SHA-256 name, rename, fsync of the folder. */
async function copyPack(srcDir: string, destDir: string, id: string): Promise<number> {
  const final = packPath(destDir, id);
  const tmp = path.join(destDir, 'tmp', scratchName(`pack-${id.slice(0, 16)}`));
  try {
    await fs.mkdir(path.dirname(final), { recursive: true });
    await fs.copyFile(packPath(srcDir, id), tmp);
    const h = await fs.open(tmp, 'r+');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
    // Read back what the drive now holds; a flaky stick or cable shows up here, not at restore time.
    const back = await fs.readFile(tmp);
    if (crypto.createHash('sha256').update(back).digest('hex') !== id) throw new LifeboatError('corrupt', `pack ${id.slice(0, 12)} read back from ${destDir} does not match: the drive may be failing`);
    await fs.rename(tmp, final);
    await fsyncDir(path.dirname(final));
    return back.length;
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw explainFsError(err, destDir);
  }
}
